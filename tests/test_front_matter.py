"""Tests for publisher.reading.front_matter: python-frontmatter's handlers split, our rules hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from publisher.model import RawDocument
from publisher.reading import reader

FIXTURES = Path(__file__).parent / "fixtures" / "reader"
DECLARATION = "2021-03-01-u-s-mexico-joint-declaration.md"
DECLARATION_KEYS = {"tags": 2, "date": 3, "source_url": 4, "published_time": 5, "title": 6}
TOML_KEYS = {"title": 2, "date": 3, "tags": 4, "params": 6}


def _read(tmp_path: Path, data: bytes) -> tuple[RawDocument | None, list[str]]:
    """Write data to doc.md under tmp_path and read it."""
    path = tmp_path / "doc.md"
    path.write_bytes(data)
    doc, diagnostics = reader.read(path, tmp_path)
    return doc, [d.format() for d in diagnostics]


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def splits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each split python-frontmatter's handlers make: the opening delimiter, and whether the
    handler is its YAMLHandler."""
    calls: list[tuple[str, bool]] = []
    split = BaseHandler.split

    def spy(handler: BaseHandler, text: str) -> tuple[str, str]:
        calls.append((str(handler.START_DELIMITER), isinstance(handler, YAMLHandler)))
        return split(handler, text)

    monkeypatch.setattr(BaseHandler, "split", spy)
    return calls


# --- python-frontmatter splits YAML and TOML ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "split", "key_lines", "body_line", "body"),
    [
        (DECLARATION, ("---", True), DECLARATION_KEYS, 8, " \nPresident Joe Biden hosted"),
        ("toml.md", ("+++", False), TOML_KEYS, 9, "\nPresident Joe Biden hosted"),
    ],
    ids=["yaml", "toml"],
)
def test_handlers_split_delimited_front_matter(
    splits: list[tuple[str, bool]],
    name: str,
    split: tuple[str, bool],
    key_lines: dict[str, int],
    body_line: int,
    body: str,
) -> None:
    doc, problems = reader.read(FIXTURES / name, FIXTURES)
    assert problems == []
    assert splits == [split]
    assert doc is not None
    assert doc.meta["title"] == "U.S.-Mexico Joint Declaration"
    assert (doc.key_lines, doc.body_line) == (key_lines, body_line)
    assert doc.body.startswith(body)


def test_unterminated_front_matter_is_the_handlers_failed_split(
    splits: list[tuple[str, bool]],
) -> None:
    doc, problems = reader.read(FIXTURES / "unterminated.md", FIXTURES)
    assert doc is None
    assert splits == [("---", True)]
    assert [p.format() for p in problems] == [
        "unterminated.md:1: error: front matter opened with '---' is never closed"
        " [front-matter-unterminated]"
    ]


# --- JSON: the decoder finds the end, where JSONHandler would not --------------------------------

NESTED = """{
"title": "U.S.-Mexico Joint Declaration",
"params": {
"source_url": "https://www.whitehouse.gov/briefing-room/statements-releases/2021/03/01/"
},
"tags": ["statements-releases"]
}

President Joe Biden hosted Mexican President Andres Manuel Lopez Obrador.
"""


@pytest.mark.parametrize(
    ("text", "key_lines", "body_line"),
    [
        (_fixture("json.md"), {"title": 2, "date": 3, "tags": 4}, 6),
        # JSONHandler cuts at the first `}` alone on a line: here the nested object's.
        (NESTED, {"title": 2, "params": 3, "tags": 6}, 8),
        # JSONHandler wants `{` alone on the first line.
        (
            '{"title": "U.S.-Mexico Joint Declaration", "tags": ["statements"]}\n\nBody.\n',
            {"title": 1, "tags": 1},
            2,
        ),
        (
            '{ "title": "U.S.-Mexico Joint Declaration",\n  "tags": ["statements-releases"] }\n',
            {"title": 1, "tags": 2},
            3,
        ),
        # JSONHandler wants `}` alone on the last line.
        (
            '{\n  "title": "U.S.-Mexico Joint Declaration",\n  "tags": []\n}  \nBody.\n',
            {"title": 2, "tags": 3},
            5,
        ),
    ],
    ids=["fixture", "nested-at-line-start", "one-line", "key-on-first-line", "spaces-after"],
)
def test_json_front_matter_ends_where_the_object_does(
    tmp_path: Path,
    splits: list[tuple[str, bool]],
    text: str,
    key_lines: dict[str, int],
    body_line: int,
) -> None:
    doc, problems = _read(tmp_path, text.encode())
    assert problems == []
    assert splits == []
    assert doc is not None
    assert doc.meta["title"] == "U.S.-Mexico Joint Declaration"
    assert (doc.key_lines, doc.body_line) == (key_lines, body_line)
    assert doc.body == "\n".join(text.split("\n")[body_line - 1 :])


# --- where the handlers' own patterns disagree, the reader's rules hold ------------------------


@pytest.mark.parametrize(
    ("name", "change", "shift"),
    [
        (DECLARATION, lambda t: "\n \n\t\n" + t, 3),
        (DECLARATION, lambda t: t.replace("---\n", "---\n\n\n", 1), 2),
        (
            DECLARATION,
            lambda t: t.replace("---\n", "--- \t\n", 1).replace("\n---\n", "\n---  \n"),
            0,
        ),
        (DECLARATION, lambda t: "\ufeff" + t.replace("\n", "\r\n"), 0),
        (DECLARATION, lambda t: "\ufeff\r\n\r\n" + t.replace("\n", "\r\n"), 2),
        ("toml.md", lambda t: "\n\n" + t, 2),
        ("toml.md", lambda t: t.replace("+++\n", "+++\t\n\n", 1), 1),
    ],
    ids=[
        "leading-blank-lines",
        "blank-lines-after-opening",
        "spaces-after-delimiters",
        "bom-crlf",
        "bom-crlf-blank-lines",
        "toml-leading-blank-lines",
        "toml-tab-and-blank-line",
    ],
)
def test_line_numbers_count_every_line(
    tmp_path: Path, name: str, change: Callable[[str], str], shift: int
) -> None:
    expected, _ = reader.read(FIXTURES / name, FIXTURES)
    doc, problems = _read(tmp_path, change(_fixture(name)).encode())
    assert problems == []
    assert expected is not None
    assert doc is not None
    assert doc.meta == expected.meta
    assert doc.key_lines == {key: line + shift for key, line in expected.key_lines.items()}
    assert (doc.body, doc.body_line) == (expected.body, expected.body_line + shift)


def test_blank_lines_after_the_closing_delimiter_are_body(tmp_path: Path) -> None:
    text = _fixture(DECLARATION).replace("\n---\n", "\n---\n\n\n", 1)
    doc, problems = _read(tmp_path, text.encode())
    assert problems == []
    assert doc is not None
    assert doc.key_lines == DECLARATION_KEYS
    assert doc.body_line == 8
    assert doc.body.startswith("\n\n \nPresident Joe Biden hosted")


@pytest.mark.parametrize(
    ("name", "change"),
    [
        (DECLARATION, lambda t: t.replace("---\n", "----\n", 1)),
        (DECLARATION, lambda t: t.replace("---\n", "---\u00a0\n", 1)),
        (DECLARATION, lambda t: t.replace("---\n", "...\n", 1)),
        ("toml.md", lambda t: t.replace("+++\n", "++++\n", 1)),
    ],
    ids=["four-dashes", "no-break-space", "dots-open", "four-pluses"],
)
def test_not_an_opening_delimiter(tmp_path: Path, name: str, change: Callable[[str], str]) -> None:
    doc, problems = _read(tmp_path, change(_fixture(name)).encode())
    assert doc is not None
    assert not doc.has_front_matter
    assert [p.split(" [")[-1] for p in problems] == ["no-front-matter]"]


def test_four_dashes_do_not_close(tmp_path: Path) -> None:
    text = _fixture(DECLARATION).replace("\n---\n", "\n----\n", 1)
    doc, problems = _read(tmp_path, text.encode())
    assert doc is None
    assert problems == [
        "doc.md:1: error: front matter opened with '---' is never closed"
        " [front-matter-unterminated]"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [("---", 1), ("---\n", 1), ("\n\n--- \n", 3), ("+++", 1), ("\n+++\n\n", 2)],
    ids=["dashes", "dashes-newline", "after-blank-lines", "pluses", "pluses-blank-line"],
)
def test_delimiter_followed_by_nothing(tmp_path: Path, text: str, line: int) -> None:
    doc, problems = _read(tmp_path, text.encode())
    assert doc is None
    opening = text.strip()
    assert problems == [
        f"doc.md:{line}: error: front matter opened with '{opening}' is never closed"
        " [front-matter-unterminated]"
    ]
