"""Random bytes and random front matter: the reader and normalizer report, they never raise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.model import Diagnostic, RawDocument
from publisher.normalizing import normalize
from publisher.reading import reader

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    # The folder is shared on purpose: one file, rewritten for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
KEYS = [
    "title",
    "date",
    "published",
    "published_time",
    "tags",
    "category",
    "source_url",
    "url",
    "lang",
    "language",
    "author",
    "authors",
    "translation_key",
    "translation_of",
]
SCALARS = (
    st.text(max_size=40)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=True)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(dt.UTC))
    | st.sampled_from(["en", "pt-BR", "https://example.org/a", "2021-02-30", "no", "../x.png"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
META = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), VALUES, max_size=8)
BODIES = st.text(max_size=200) | st.sampled_from(["# Heading\n\ntext", "<p onclick=x>hi</p>", ""])
# Front-matter openers steer random bytes past the decoder into each front-matter parser.
PREFIXES = st.sampled_from([b"", b"---\n", b"+++\n", b"{", b"\xef\xbb\xbf---\n", b"\xff\xfe"])


def _formatted(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        assert diagnostic.format()


@SETTINGS
@given(prefix=PREFIXES, data=st.binary(max_size=300), suffix=st.sampled_from([".md", ".html"]))
def test_reader_reports_any_bytes(tmp_path: Path, prefix: bytes, data: bytes, suffix: str) -> None:
    """Whatever the bytes, read() returns a document or diagnostics that format."""
    path = tmp_path / f"doc{suffix}"
    path.write_bytes(prefix + data)
    raw, diagnostics = reader.read(path, tmp_path)
    _formatted(diagnostics)
    if raw is None:
        assert any(d.severity == "error" for d in diagnostics)
    else:
        _formatted(normalize.normalize([raw])[1])


@SETTINGS
@given(meta=st.text(max_size=200), body=BODIES)
def test_reader_reports_any_yaml_text(tmp_path: Path, meta: str, body: str) -> None:
    """Any text between ``---`` lines is loaded or reported, then normalized without raising."""
    path = tmp_path / "doc.md"
    path.write_text(f"---\n{meta}\n---\n{body}", encoding="utf-8")
    raw, diagnostics = reader.read(path, tmp_path)
    _formatted(diagnostics)
    if raw is not None:
        _formatted(normalize.normalize([raw])[1])


@SETTINGS
@given(meta=META, body=BODIES, front=st.booleans())
def test_normalize_reports_any_mapping(
    tmp_path: Path, meta: dict[str, Any], body: str, front: bool
) -> None:
    """Any mapping of keys to nested values becomes a document or a located error."""
    raw = RawDocument("doc.md", tmp_path, meta, body, "markdown", 5, {}, front)
    documents, problems = normalize.normalize([raw])
    _formatted(problems)
    assert len(documents) == 1 or any(p.severity == "error" for p in problems)


@pytest.mark.parametrize("title", ["", " ", "\u202e", "\u0301", "\x00", "a" * 10_000])
def test_normalize_reports_odd_titles(tmp_path: Path, title: str) -> None:
    """Titles that are empty, invisible or huge are kept or reported, not raised on."""
    raw = RawDocument("doc.md", tmp_path, {"title": title}, "body", "markdown", 4)
    _, problems = normalize.normalize([raw])
    _formatted(problems)
