"""Laid-out units → one PDF (pikepdf): pages, destinations, links, outline, fonts; then its bytes.

The result is the PDF a single pass would write, but for the page numbers, stamped next
(``stamp``): the same pages, with one name tree of destinations, links between units resolved
against it, the outline nested as WeasyPrint nests it, one program per font face, and the
information dictionary of the first unit (the one laid out with the publication's metadata).
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pikepdf
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix

from publisher.pdf import fontdates as pdf_fontdates
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf.parallel import Stores
from publisher.pdf.units import Laid

_MISSING_ANCHOR = "No anchor #%s for internal URI reference"
"""WeasyPrint's own message for a link to nowhere, so both passes report it alike."""


@dataclass(frozen=True, slots=True)
class Merged:
    """The units' pages as one PDF, open until it is saved."""

    pdf: pikepdf.Pdf
    """The merged PDF: its pages still read their content from the units' PDFs."""
    records: tuple[logging.LogRecord, ...]
    """The messages a single pass would have logged: links to no anchor."""


@contextlib.contextmanager
def merge(pieces: Sequence[Laid], stores: Stores) -> Iterator[Merged]:
    """The pieces' pages as one PDF, with the units' PDFs open as long as it is.

    ``stores.programs`` holds the font files the units' fonts were cut from
    (``pdf_fonts.keep``); ``stores.cache`` keeps merged font programs, which are slow to make
    and rarely change.
    """
    with contextlib.ExitStack() as stack:
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(piece.pdf))) for piece in pieces]
        yield _merge(pieces, sources, stores)


def save(pdf: pikepdf.Pdf, identifier: bytes) -> bytes:
    """The PDF's bytes, its /ID made of the permanent ``identifier`` and a digest of the content."""
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    out = io.BytesIO()
    pdf.save(
        out,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version="1.7",
        # Keeps the permanent first half of /ID and derives the second from the content.
        deterministic_id=True,
    )
    return out.getvalue()


def _merge(pieces: Sequence[Laid], sources: list[pikepdf.Pdf], stores: Stores) -> Merged:
    pdf = pikepdf.new()
    starts = []
    with warnings.catch_warnings():
        # pikepdf warns that copied pages lose their destinations: they are rebuilt below.
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        for source in sources:
            starts.append(len(pdf.pages))
            pdf.pages.extend(source.pages)
    pages = [page.obj for page in pdf.pages]
    dests: dict[str, pikepdf.Array] = {}
    marks = []
    for piece, start in zip(pieces, starts, strict=True):
        for index, info in enumerate(piece.pages, start):
            for name, x, y in info.anchors:
                dests.setdefault(name, pikepdf.Array([pages[index], pikepdf.Name.XYZ, x, y, 0]))
            bookmarks = [(lvl, label, (x, y), state) for lvl, label, x, y, state in info.bookmarks]
            marks.append(SimpleNamespace(bookmarks=bookmarks))
    records = _links(pdf, pieces, starts, dests)
    if dests:
        # One flat, sorted name tree, as WeasyPrint writes it; built in one go (appending to a
        # pikepdf array one item at a time takes quadratic time).
        names = [item for name in sorted(dests) for item in (pikepdf.String(name), dests[name])]
        tree = pikepdf.Dictionary(Names=pikepdf.Array(names))
        pdf.Root.Names = pikepdf.Dictionary(Dests=tree)
    _outline(pdf, marks, pages)
    uses = [
        pdf_fonts.Use(pages[start].Resources, f"/{key}", font)
        for piece, start in zip(pieces, starts, strict=True)
        if piece.pages
        for key, font in piece.fonts.items()
    ]
    fonts = [use for use in uses if "/Font" in use.resources]
    pdf_fonts.merge(pdf, fonts, stores.programs, stores.cache)
    pdf_fontdates.settle(pdf)
    first = sources[0]
    if "/Info" in first.trailer:
        pdf.trailer.Info = pdf.copy_foreign(first.trailer.Info)
    if "/Lang" in first.Root:
        pdf.Root.Lang = first.Root.Lang
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    return Merged(pdf, tuple(records))


def _links(
    pdf: pikepdf.Pdf, pieces: Sequence[Laid], starts: Sequence[int], dests: dict[str, Any]
) -> list[logging.LogRecord]:
    """Add the links between units; a link to no anchor is left out and reported."""
    records = []
    for piece, start in zip(pieces, starts, strict=True):
        for index, info in enumerate(piece.pages, start):
            annotations = []
            for name, rect in info.links:
                if name not in dests:
                    records.append(_record(_MISSING_ANCHOR, name))
                    continue
                link = pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=pikepdf.Array(rect),
                    BS=pikepdf.Dictionary(W=0),
                    Dest=pikepdf.String(name),
                )
                annotations.append(pdf.make_indirect(link))
            if annotations:
                page = pdf.pages[index].obj
                kept = list(page.Annots) if "/Annots" in page else []
                page.Annots = pikepdf.Array(kept + annotations)
    return records


def _outline(pdf: pikepdf.Pdf, marks: list[SimpleNamespace], pages: list[Any]) -> None:
    """The outline, nested by bookmark level exactly as WeasyPrint nests one document's."""
    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    level = 0
    for number, page in enumerate(marks):
        level = make_page_bookmark_tree(page, skipped, last_by_depth, level, number, Matrix())
    if not root:
        return
    outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    items, count = _items(pdf, root, outlines, pages)
    outlines.First, outlines.Last, outlines.Count = items[0], items[-1], count
    pdf.Root.Outlines = outlines


def _items(
    pdf: pikepdf.Pdf, tree: list[Any], parent: Any, pages: list[Any]
) -> tuple[list[Any], int]:
    """Outline items for one level, linked as WeasyPrint links them, and their visible count."""
    items: list[Any] = []
    count = len(tree)
    for label, (number, x, y), children, state in tree:
        item = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(label),
                Dest=pikepdf.Array([pages[number], pikepdf.Name.XYZ, x, y, 0]),
                Parent=parent,
            )
        )
        below, below_count = _items(pdf, children, item, pages)
        item.Count = -below_count if state == "closed" else below_count
        if state != "closed":
            count += below_count
        if below:
            item.First, item.Last = below[0], below[-1]
        if items:
            item.Prev, items[-1].Next = items[-1], item
        items.append(item)
    return items, count


def _record(message: str, *args: str) -> logging.LogRecord:
    return logging.makeLogRecord(
        {"name": "weasyprint", "levelno": logging.ERROR, "levelname": "ERROR", "msg": message,
         "args": args}
    )  # fmt: skip
