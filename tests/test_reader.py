"""Tests for publisher.reading.reader: real corpus documents, and damaged files made from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from publisher.model import RawDocument
from publisher.reading import reader

FIXTURES = Path(__file__).parent / "fixtures" / "reader"
DECLARATION = "2021-03-01-u-s-mexico-joint-declaration.md"
# libyaml and PyYAML's pure-Python parser word a few errors differently.
LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


def _read(name: str) -> tuple[RawDocument | None, list[str]]:
    """Read a fixture; return the document and the formatted diagnostics."""
    doc, diagnostics = reader.read(FIXTURES / name, FIXTURES)
    return doc, [d.format() for d in diagnostics]


def _read_bytes(
    tmp_path: Path, data: bytes, name: str = "doc.md"
) -> tuple[RawDocument | None, list[str]]:
    """Write data to a file under tmp_path and read it."""
    path = tmp_path / name
    path.write_bytes(data)
    doc, diagnostics = reader.read(path, tmp_path)
    return doc, [d.format() for d in diagnostics]


def _declaration() -> bytes:
    """The reference example, as bytes."""
    return (FIXTURES / DECLARATION).read_bytes()


# --- real documents ---------------------------------------------------------------------------


def test_reference_example() -> None:
    doc, problems = _read(DECLARATION)
    assert problems == []
    assert doc is not None
    assert doc.path == DECLARATION
    assert doc.root == FIXTURES
    assert doc.body_format == "markdown"
    assert doc.has_front_matter
    assert list(doc.meta) == ["tags", "date", "source_url", "published_time", "title"]
    assert doc.meta["title"] == "U.S.-Mexico Joint Declaration"
    assert doc.meta["date"] == "2021-03-01"
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert doc.meta["published_time"] == dt.datetime(2021, 3, 1, 18, 59, 26, tzinfo=eastern)
    assert doc.key_lines == {"tags": 2, "date": 3, "source_url": 4, "published_time": 5, "title": 6}
    # The corpus puts a line holding one space after the closing `---`: it is body.
    assert doc.body_line == 8
    assert doc.body.startswith(" \nPresident Joe Biden hosted")


def test_folded_title_with_escapes_and_alphabetical_keys() -> None:
    name = (
        "2022-04-18-joint-statement-between-the-united-states-belize-germany-indonesia-and-senegal"
        "-on-the-announcement-of-the-second-global-covid-19-summit.md"
    )
    doc, problems = _read(name)
    assert problems == []
    assert doc is not None
    assert doc.meta["title"] == (
        "Joint Statement Between the United\u00a0States, Belize, Germany, Indonesia, and Senegal"
        " on the Announcement of the Second Global COVID-\u206019\u00a0Summit"
    )
    assert doc.key_lines["title"] == 7
    assert doc.body_line == 10


def test_crlf_document() -> None:
    assert b"\r\n" in (FIXTURES / "transport-layer-security.md").read_bytes()
    doc, problems = _read("transport-layer-security.md")
    assert problems == []
    assert doc is not None
    assert doc.meta["tags"] == ["security", "networking", ""]
    assert doc.key_lines["source_url"] == 8
    assert doc.body_line == 10
    assert "\r" not in doc.body
    assert doc.body.startswith("\nTransport Layer Security (TLS) is a protocol")


def test_indented_keys() -> None:
    doc, problems = _read("stateless-apps.md")
    assert problems == []
    assert doc is not None
    assert doc.meta["title"] == "Stateless Apps"
    assert doc.meta["translation_key"] == "cncf-glossary-stateless-apps"
    assert doc.key_lines["title"] == 2
    assert doc.key_lines["source_url"] == 8


def test_html_body() -> None:
    doc, problems = _read("statement.html")
    assert problems == []
    assert doc is not None
    assert doc.body_format == "html"
    assert doc.body.startswith("<p>President Joe Biden")
    assert doc.body_line == 5


@pytest.mark.parametrize(
    ("suffix", "body_format"),
    [(".md", "markdown"), (".markdown", "markdown"), (".txt", "markdown"), (".HTM", "html")],
)
def test_body_format_from_suffix(tmp_path: Path, suffix: str, body_format: str) -> None:
    doc, _ = _read_bytes(tmp_path, _declaration(), "doc" + suffix)
    assert doc is not None
    assert doc.body_format == body_format


def test_unsupported_suffix(tmp_path: Path) -> None:
    doc, problems = _read_bytes(tmp_path, _declaration(), "doc.rst")
    assert doc is None
    assert problems == [
        "doc.rst: error: not a document type read here (.md, .markdown, .txt, .html, .htm)"
        " [unsupported-format]"
    ]


def test_path_is_relative_posix(tmp_path: Path) -> None:
    (tmp_path / "2021" / "03").mkdir(parents=True)
    path = tmp_path / "2021" / "03" / DECLARATION
    path.write_bytes(_declaration())
    doc, _ = reader.read(path, tmp_path)
    assert doc is not None
    assert doc.path == f"2021/03/{DECLARATION}"


def test_whole_whitehouse_set_reads_cleanly(each_corpus: Path) -> None:
    root = each_corpus / "whitehouse"
    paths = sorted(root.glob("*.md"))
    assert paths
    for path in paths:
        doc, problems = reader.read(path, root)
        assert problems == [], path.name
        assert doc is not None
        assert {"title", "date", "tags", "source_url", "published_time"} <= set(doc.meta)
        assert doc.key_lines["title"] > 1


# --- decoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("utf-16"),
        lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
        lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
        lambda text: text.encode("utf-32"),
        lambda text: text.replace("\n", "\r").encode(),
    ],
    ids=["utf-8-bom", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "cr"],
)
def test_encodings_and_newlines(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    doc, problems = _read_bytes(tmp_path, encode(_declaration().decode()))
    expected, _ = reader.read(FIXTURES / DECLARATION, FIXTURES)
    assert problems == []
    assert doc is not None
    assert expected is not None
    assert (doc.meta, doc.body, doc.key_lines, doc.body_line) == (
        expected.meta,
        expected.body,
        expected.key_lines,
        expected.body_line,
    )


def test_latin1_is_refused_with_offset_and_line(tmp_path: Path) -> None:
    data = _declaration().replace(b"Andres", "Andrés".encode("latin-1"))
    offset = data.index(b"Andr\xe9s") + 4
    doc, problems = _read_bytes(tmp_path, data)
    assert doc is None
    assert problems == [
        f"doc.md:9: error: not valid UTF-8 at byte {offset}; save the file as UTF-8 [decode-error]"
    ]


def test_bad_byte_line_counts_crlf_once(tmp_path: Path) -> None:
    _, problems = _read_bytes(tmp_path, b"---\r\ntitle: x\r\n---\r\n\xff\r\n")
    assert problems == [
        "doc.md:4: error: not valid UTF-8 at byte 20; save the file as UTF-8 [decode-error]"
    ]


def test_truncated_utf16(tmp_path: Path) -> None:
    data = "---\ntitle: x\n---\nbody\n".encode("utf-16") + b"\x00"
    _, problems = _read_bytes(tmp_path, data)
    assert problems == [
        f"doc.md:5: error: not valid UTF-16 at byte {len(data) - 1}; save the file as UTF-8"
        " [decode-error]"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not a text document"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "this is a PDF file, not a text document"),
        (
            b"PK\x03\x04\x14\x00\x00\x00",
            "this is a ZIP archive (or a DOCX, ODT or EPUB), not a text document",
        ),
        (b"GIF89a\x01\x00\x01\x00", "this is a GIF image, not a text document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "this is a JPEG image, not a text document"),
        (
            "---\ntitle: x\n---\nbody\n".encode("utf-16-le"),
            "contains NUL bytes: a binary file, or UTF-16 saved without a byte-order mark",
        ),
    ],
    ids=["png", "pdf", "zip", "gif", "jpeg", "nul"],
)
def test_binary_files(tmp_path: Path, data: bytes, message: str) -> None:
    doc, problems = _read_bytes(tmp_path, data)
    assert doc is None
    assert problems == [f"doc.md: error: {message} [binary-file]"]


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n", b"\xef\xbb\xbf\n", b"\x0c\n\x0b"])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    doc, problems = _read_bytes(tmp_path, data)
    assert doc is None
    assert problems == ["doc.md: error: the file is empty [empty-file]"]


def test_control_characters_are_removed(tmp_path: Path) -> None:
    data = _declaration().replace(b"Andres", b"An\x08dres").replace(b"Obrador", b"Obra\x0cdor")
    doc, problems = _read_bytes(tmp_path, data)
    assert problems == [
        "doc.md:9: warning: removed 2 character(s) XML cannot hold, the first U+0008"
        " [control-characters]"
    ]
    assert doc is not None
    assert "Andres Manuel Lopez Obrador" in doc.body


def test_lone_utf16_surrogate_is_removed(tmp_path: Path) -> None:
    text = "---\ntitle: x\n---\nbody\n"
    data = text.encode("utf-16") + b"\x00\xd8" + "end\n".encode("utf-16-le")
    doc, problems = _read_bytes(tmp_path, data)
    assert problems == [
        "doc.md:5: warning: removed 1 character(s) XML cannot hold, the first U+D800"
        " [control-characters]"
    ]
    assert doc is not None
    assert doc.body == "body\nend\n"


def test_replacement_character_is_reported(tmp_path: Path) -> None:
    data = _declaration().replace(b"Andres", "Andr\ufffds".encode())
    doc, problems = _read_bytes(tmp_path, data)
    assert doc is not None
    assert problems == [
        "doc.md:9: warning: contains U+FFFD, the mark of text lost in an earlier conversion"
        " [replacement-character]"
    ]


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_BYTES", 3_000_000)
    doc, problems = _read_bytes(tmp_path, b"a" * 3_000_001)
    assert doc is None
    assert problems == ["doc.md: error: larger than 3 MB; split it up [too-large]"]


def test_unreadable(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    doc, problems = reader.read(tmp_path / "folder.md", tmp_path)
    assert doc is None
    assert [p.format() for p in problems] == [
        "folder.md: error: cannot read the file: not a regular file but a folder [not-regular-file]"
    ]


# --- front matter -----------------------------------------------------------------------------

ERRORS = {
    "bad-yaml.md": "bad-yaml.md:3: error: invalid front matter: mapping values are not allowed"
    + (" in this context" if LIBYAML else " here")
    + " [front-matter-invalid]",
    "unclosed-quote.md": "unclosed-quote.md:3: error: invalid front matter: "
    + ("did not find expected key" if LIBYAML else "expected <block end>, but found '<scalar>'")
    + " (while parsing a block mapping started on line 2) [front-matter-invalid]",
    "unterminated.md": "unterminated.md:1: error: front matter opened with '---' is never closed"
    " [front-matter-unterminated]",
    "list.md": "list.md:2: error: front matter must be a mapping of keys to values, not a list"
    " [front-matter-not-mapping]",
    "python-tag.md": "python-tag.md:3: error: invalid front matter: tag"
    " !!python/object/apply:os.system is not allowed; front matter holds plain data only"
    " [front-matter-invalid]",
    "alias-bomb.md": "alias-bomb.md:4: error: front matter uses a YAML alias (*name); write the"
    " value out instead [yaml-aliases]",
    "bad-toml.md": "bad-toml.md:4: error: invalid front matter: Invalid value"
    " [front-matter-invalid]",
    "bad-json.md": "bad-json.md:4: error: invalid front matter: Expecting property name enclosed"
    " in double quotes [front-matter-invalid]",
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_front_matter_errors(name: str) -> None:
    doc, problems = _read(name)
    assert doc is None
    assert problems == [ERRORS[name]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\nplain words\n---\nbody\n",
            "doc.md:2: error: front matter must be a mapping of keys"
            " to values, not a single value [front-matter-not-mapping]",
        ),
        (
            "\n\n---\ntitle: x\ncount: !!int many\n---\nbody\n",
            "doc.md:5: error: invalid front matter: bad value for 'count': invalid literal for"
            " int() with base 10: 'many' [front-matter-invalid]",
        ),
        (
            "---\ntags: [a, b\ntitle: x\n---\nbody\n",
            "doc.md:3: error: invalid front matter: "
            + (
                "did not find expected ',' or ']'"
                if LIBYAML
                else "expected ',' or ']', but got ':'"
            )
            + " (while parsing a flow sequence started on line 2) [front-matter-invalid]",
        ),
        (
            "---\n? [a, b]\n: x\n---\nbody\n",
            "doc.md:2: error: invalid front matter: key is not text [front-matter-invalid]",
        ),
        (
            "---\nflag: !!bool maybe\n---\nbody\n",
            "doc.md:2: error: invalid front matter: the value of 'flag' does not fit its tag"
            " [front-matter-invalid]",
        ),
        (
            '{"title": ' + "[" * 100_000 + "\n}\nbody\n",
            "doc.md:1: error: invalid front matter: nested too deeply [front-matter-invalid]",
        ),
        (
            "---\nx: " + "[" * 60 + "]" * 60 + "\n---\nbody\n",
            "doc.md:2: error: invalid front matter:"
            " nested more than 50 levels deep [front-matter-invalid]",
        ),
        (
            "+++\ntitle = 'x'\n",
            "doc.md:1: error: front matter opened with '+++' is never closed"
            " [front-matter-unterminated]",
        ),
        (
            "+++\ntitle = 'x\n+++\nbody\n",
            'doc.md:3: error: invalid front matter: Expected "\'" [front-matter-invalid]',
        ),
        (
            "+++\ntitle = 'x'\ndate = 2021-13-01\n+++\nbody\n",
            "doc.md:3: error: invalid front matter: Expected newline or end of document after a"
            " statement [front-matter-invalid]",
        ),
        (
            '{"title": "x"} trailing\nbody\n',
            "doc.md:1: error: invalid front matter: text after the"
            " JSON object on its last line [front-matter-invalid]",
        ),
        (
            '{"title": "x"\nbody\n',
            "doc.md:2: error: invalid front matter: Expecting ',' delimiter [front-matter-invalid]",
        ),
        (
            "---\nsummary: |\n  " + "x" * 70_000 + "\n---\nbody\n",
            "doc.md:1: error: front matter is larger than 64 KB [front-matter-too-large]",
        ),
    ],
    ids=[
        "scalar",
        "leading-blank-lines",
        "open-flow-list",
        "complex-key",
        "bad-bool",
        "json-deep",
        "deep",
        "toml-unterminated",
        "toml-string",
        "toml-date",
        "json-trailing",
        "json-bad",
        "too-large",
    ],
)
def test_more_front_matter_errors(tmp_path: Path, text: str, expected: str) -> None:
    doc, problems = _read_bytes(tmp_path, text.encode())
    assert doc is None
    assert problems == [expected]


def test_duplicate_key_warns_and_last_wins() -> None:
    doc, problems = _read("duplicate-key.md")
    assert problems == [
        "duplicate-key.md:4: warning: key 'title' is repeated; the value on this line wins"
        " [duplicate-key]"
    ]
    assert doc is not None
    assert doc.meta["title"] == "U.S.-Mexico Joint Declaration"
    assert doc.key_lines == {"title": 4, "date": 3}


def test_empty_front_matter() -> None:
    doc, problems = _read("empty-front-matter.md")
    assert problems == []
    assert doc is not None
    assert doc.has_front_matter
    assert doc.meta == {}
    assert doc.body_line == 3
    assert doc.body == "\nBody without a title.\n"


def test_no_front_matter() -> None:
    doc, problems = _read("no-front-matter.md")
    assert problems == [
        "no-front-matter.md:1: warning: no front matter; title taken from the first heading or"
        " the file name [no-front-matter]"
    ]
    assert doc is not None
    assert not doc.has_front_matter
    assert doc.meta == {}
    assert doc.body_line == 1
    assert doc.body == (FIXTURES / "no-front-matter.md").read_text()


def test_toml_front_matter() -> None:
    doc, problems = _read("toml.md")
    assert problems == []
    assert doc is not None
    assert doc.meta["title"] == "U.S.-Mexico Joint Declaration"
    assert doc.meta["date"] == dt.date(2021, 3, 1)
    assert doc.meta["params"]["source_url"].startswith("https://www.whitehouse.gov/")
    assert doc.key_lines == {"title": 2, "date": 3, "tags": 4, "params": 6}
    assert doc.body_line == 9
    assert doc.body.startswith("\nPresident Joe Biden")


def test_json_front_matter() -> None:
    doc, problems = _read("json.md")
    assert problems == []
    assert doc is not None
    assert doc.meta == {
        "title": "U.S.-Mexico Joint Declaration",
        "date": "2021-03-01",
        "tags": ["statements-releases"],
    }
    assert doc.key_lines == {"title": 2, "date": 3, "tags": 4}
    assert doc.body_line == 6
    assert doc.body.startswith("\nPresident Joe Biden")


def test_yaml_keys_are_kept_as_written(tmp_path: Path) -> None:
    doc, problems = _read_bytes(tmp_path, b"---\nyes: 1\n2021: year\n'null': x\n---\nbody\n")
    assert problems == []
    assert doc is not None
    assert doc.meta == {"yes": 1, "2021": "year", "null": "x"}


def test_yaml_document_end_marker_closes(tmp_path: Path) -> None:
    doc, problems = _read_bytes(tmp_path, b"---\ntitle: x\n...\nbody\n")
    assert problems == []
    assert doc is not None
    assert (doc.meta, doc.body, doc.body_line) == ({"title": "x"}, "body\n", 4)


def test_front_matter_without_body(tmp_path: Path) -> None:
    doc, problems = _read_bytes(tmp_path, b"---\ntitle: x\n---")
    assert problems == []
    assert doc is not None
    assert (doc.body, doc.body_line) == ("", 4)


def test_thematic_break_is_not_front_matter(tmp_path: Path) -> None:
    doc, problems = _read_bytes(tmp_path, b"----\n# Title\n")
    assert doc is not None
    assert not doc.has_front_matter
    assert [p.split(" [")[-1] for p in problems] == ["no-front-matter]"]


def test_yaml_line_separators_do_not_shift_lines(tmp_path: Path) -> None:
    text = '---\ntitle: "One\u2028Two\x85Three"\ndate: x\nbad: a: b\n---\nbody\n'
    _, problems = _read_bytes(tmp_path, text.encode())
    assert [p.split(": error:")[0] for p in problems] == ["doc.md:4"]
