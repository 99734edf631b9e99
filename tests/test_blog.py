"""A real Hugo blog (fluxcd.io's) to EPUB and PDF: none of its source syntax reaches a reader.

The text is read back from both outputs by independent readers (the EPUB's XHTML with
ElementTree, the PDF's pages and bookmarks with pypdf): no shortcode, template tag, attribute
list or alert marker may be left in it, and EPUBCheck finds nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_epub import NS, build, built, run_epubcheck

SOURCE_SYNTAX = ("{{<", "{{%", "{%", "{#", "[!NOTE]")


@pytest.fixture(scope="session")
def blog(tmp_path_factory: pytest.TempPathFactory, each_corpus: Path) -> tuple[Path, Path]:
    """The blog built to EPUB and PDF: the bundled posts, then the whole blog."""
    out = tmp_path_factory.mktemp("blog")
    result = build(str(each_corpus / "blog" / "fluxcd"), "-o", str(out))
    built(result, out / "collection.epub")
    assert (out / "collection.pdf").is_file(), result.output
    return out / "collection.epub", out / "collection.pdf"


def epub_texts(path: Path) -> Iterator[tuple[str, str]]:
    """The text of every XHTML file of an EPUB, navigation included."""
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.endswith(".xhtml"):
                yield name, " ".join(ET.fromstring(package.read(name)).itertext())


def pdf_texts(path: Path) -> Iterator[tuple[str, str]]:
    """The text of every page of a PDF, then its bookmarks' titles."""
    reader = PdfReader(path)
    for number, page in enumerate(reader.pages, 1):
        # pypdf reads some subset fonts' text as UTF-16 with the zero bytes left in.
        yield f"page {number}", page.extract_text().replace("\x00", "")

    def titles(items: list[Any]) -> Iterator[str]:
        for item in items:
            yield from titles(item) if isinstance(item, list) else [str(item.title)]

    yield "bookmarks", "\n".join(titles(reader.outline))


def leftovers(texts: Iterator[tuple[str, str]]) -> list[str]:
    """Each piece of source syntax found, with where and around what."""
    found = []
    for where, text in texts:
        for syntax in SOURCE_SYNTAX:
            for match in re.finditer(re.escape(syntax), text):
                found.append(f"{where}: {text[max(0, match.start() - 40) : match.end() + 40]!r}")
    return found


def test_no_source_syntax_in_the_epub(blog: tuple[Path, Path]) -> None:
    assert leftovers(epub_texts(blog[0])) == []


def test_no_source_syntax_in_the_pdf(blog: tuple[Path, Path]) -> None:
    assert leftovers(pdf_texts(blog[1])) == []


def test_epubcheck_finds_nothing_in_the_blog(blog: tuple[Path, Path]) -> None:
    assert run_epubcheck({"blog": blog[0]}) == {"blog": []}


def test_admonitions_figures_and_embeds_are_in_both_outputs(blog: tuple[Path, Path]) -> None:
    epub, pdf = blog
    with zipfile.ZipFile(epub) as package:
        pages = [
            ET.fromstring(package.read(name))
            for name in package.namelist()
            if name.startswith("EPUB/doc-")
        ]
    asides = [a for page in pages for a in page.iterfind(".//x:aside", NS)]
    titles = {
        " ".join(a.find("x:p", NS).itertext()) for a in asides if a.find("x:p", NS) is not None
    }
    assert {"Note", "Enterprise support"} <= titles
    assert all(a.get("role") == "note" and "admonition" in a.get("class", "") for a in asides)
    figures = [f for page in pages for f in page.iterfind(".//x:figure", NS)]
    assert any(f.get("class") == "embed" for f in figures)
    assert any(f.find("x:img", NS) is not None and f.get("class") is None for f in figures)
    text = "\n".join(text for _, text in pdf_texts(pdf))
    assert "Enterprise support" in text
    assert "https://www.youtube.com/watch?v=Ums3Q9kMPd8" in text
