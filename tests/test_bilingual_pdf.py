"""Bilingual PDFs from corpus translations and the Hebrew fixture, read back with pypdf."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from test_pdf import links

from publisher import i18n
from publisher.assembling import bilingual
from publisher.assembling.assemble import BookInfo, assemble
from publisher.build import load
from publisher.model import Compilation, Document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"
CORPUS_FILES = (
    "en/2022-06-10-los-angeles-declaration-on-migration-and-protection.md",
    "es/2022-06-10-declaracion-sobre-migracion-y-proteccion-de-los-angeles.md",
    "en/2024-01-31-statement-from-president-joe-biden-on-the-passing-of-chita-rivera.md",
    "es/2024-01-31-declaracion-del-presidente-joe-biden-ante-el-fallecimiento-de-chita-rivera.md",
)
SECONDARY = ("es", "he")
LAYOUTS = {"sequential": "book", "interleaved": "brief", "parallel": "book", "primary": "brief"}


@dataclass(frozen=True)
class Book:
    """One bilingual PDF, read back, and the compilation it was built from."""

    reader: pypdf.PdfReader
    compilation: Compilation
    pages: tuple[str, ...]
    """Each page's letters."""

    def page_of(self, text: str, start: int = 0) -> int:
        """The first page from ``start`` on that holds the text."""
        needle = letters(text)
        found = (n for n in range(start, len(self.pages)) if needle in self.pages[n])
        page = next(found, None)
        assert page is not None, f"{text!r} is on no page from {start + 1} on"
        return page


def letters(text: str) -> str:
    """Only the letters of a text, case-folded: what survives extraction from any line of a PDF.

    Spaces, hyphens added at line ends, punctuation and numbers go: in right-to-left lines,
    extraction puts numbers and punctuation where the eye sees them, not where they were typed.
    """
    return re.sub(r"[\W\d_]+", "", text).casefold()


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """Two White House pairs (English and Spanish) and the hand-written English and Hebrew pair."""
    folder = tmp_path_factory.mktemp("bilingual-pdf-sources")
    shutil.copytree(FIXTURES, folder, dirs_exist_ok=True)
    (folder / "es").mkdir()
    for name in CORPUS_FILES:
        shutil.copy(sample_corpus / "bilingual" / "whitehouse" / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory, sources: Path) -> dict[str, Book]:
    """Every layout, built at once by the command line in processes of their own."""
    out = tmp_path_factory.mktemp("bilingual-pdf")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    running = {
        mode: subprocess.Popen(
            [sys.executable, "-m", "publisher", "build", str(sources), "-f", "pdf", "--no-cache"]
            + ["-o", str(out / f"{mode}.pdf"), "--layout", layout, "--bilingual", mode]
            + [arg for lang in SECONDARY for arg in ("--secondary", lang)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for mode, layout in LAYOUTS.items()
    }
    loaded = load([str(sources)])
    compilation, _ = assemble(loaded.documents, BookInfo(title="Collection"))
    found = {}
    for mode, process in running.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        reader = pypdf.PdfReader(out / f"{mode}.pdf")
        pages = tuple(letters(page.extract_text()) for page in reader.pages)
        found[mode] = Book(reader, compilation, pages)
    return found


def entry_of(book: Book, lang: str, title_start: str) -> bilingual.View:
    entry = next(e for e in book.compilation.entries if e.primary.title.startswith(title_start))
    assert lang in entry.variants
    return bilingual.view(entry, "parallel", SECONDARY)


def opening(html: str, lang: str) -> str:
    """The first characters of a block's text: enough to find it, short enough for one line.

    A right-to-left line is extracted in visual runs, so its opening stops at the first number or
    punctuation mark, where the runs change.
    """
    text = " ".join("".join(ET.fromstring(f"<div>{html}</div>").itertext()).split())[:24]
    return re.split(r"[\d\W](?<!\s)", text)[0] if i18n.is_rtl(lang) else text


@pytest.mark.parametrize("mode", LAYOUTS)
def test_the_pdf_language_is_the_primary_one(mode: str, books: dict[str, Book]) -> None:
    assert str(books[mode].reader.trailer["/Root"]["/Lang"]) == "en"


@pytest.mark.parametrize(
    ("lang", "title"), [("es", "Los Angeles Declaration"), ("he", "Joint Statement on Water")]
)
def test_parallel_rows_start_on_the_same_page(
    lang: str, title: str, books: dict[str, Book]
) -> None:
    book = books["parallel"]
    view = entry_of(book, lang, title)
    first = book.page_of(view.lead.title, 2)
    assert book.page_of(view.partner.title, 2) == first
    left = right = first
    pages = set()
    for row in view.rows:
        if row.primary:
            left = book.page_of(opening(row.primary, view.lead.lang), left)
        if row.secondary:
            right = book.page_of(opening(row.secondary, view.partner.lang), right)
        if row.primary and row.secondary:
            assert left == right, (row.primary[:80], row.secondary[:80])
        pages.add(left)
    # The declaration's rows run over several pages, some of them split across a page break.
    assert len(pages) > (4 if lang == "es" else 0)


def test_interleaved_puts_each_translation_right_after_its_original(books: dict[str, Book]) -> None:
    book = books["interleaved"]
    text = "".join(book.pages)
    for lang, title in (("es", "Los Angeles Declaration"), ("he", "Joint Statement on Water")):
        view = entry_of(book, lang, title)
        position = text.index(letters(view.partner.title))
        for row in view.rows:
            for side, code in ((row.primary, "en"), (row.secondary, view.partner.lang)):
                if side:
                    # Found in order, or index() fails: each side follows the one before it.
                    position = text.index(letters(opening(side, code)), position)


def test_every_block_of_every_variant_is_printed(books: dict[str, Book]) -> None:
    for mode in ("sequential", "interleaved", "parallel"):
        text = "".join(books[mode].pages)
        for doc in books[mode].compilation.documents:
            for html, _ in bilingual.blocks(doc.body):
                needle = opening(html, doc.lang)
                assert letters(needle) in text, (mode, doc.path, needle)


def pages_of(book: Book, doc: Document) -> int:
    return book.page_of(doc.title, 2)


def test_sequential_keeps_translations_together_and_links_them(books: dict[str, Book]) -> None:
    book = books["sequential"]
    view = entry_of(book, "es", "Statement from President Joe Biden")
    english, spanish = pages_of(book, view.lead), pages_of(book, view.partner)
    assert spanish == english + 1
    contents = book.pages[1]
    assert (
        contents.count(letters(view.lead.title)) == contents.count(letters(view.partner.title)) == 1
    )
    assert letters("EN " + view.lead.title) in contents
    targets = {dest for _, dest, _ in links(book.reader.pages[english]) if dest}
    assert f"doc-{view.partner.id}" in targets
    back = {dest for _, dest, _ in links(book.reader.pages[spanish]) if dest}
    assert f"doc-{view.lead.id}" in back
    destinations = book.reader.named_destinations
    assert (
        book.reader.get_destination_page_number(destinations[f"doc-{view.partner.id}"]) == spanish
    )


def test_primary_prints_one_language_and_links_each_translation_online(
    books: dict[str, Book],
) -> None:
    book = books["primary"]
    text = "".join(book.pages)
    view = entry_of(book, "es", "Statement from President Joe Biden")
    assert letters(opening(bilingual.blocks(view.partner.body)[0][0], "es")) not in text
    assert letters("Leer en español") in text
    uris = {uri for page in book.reader.pages for _, _, uri in links(page) if uri}
    assert view.partner.source_url in uris
    assert letters("Only in English") in text
