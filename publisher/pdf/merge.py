"""Laid-out units → one PDF (pikepdf): pages, page numbers, destinations, links, outline, fonts.

The result is the PDF a single pass would write: the same pages, numbered through, with one
name tree of destinations, links between units resolved against it, the outline nested as
WeasyPrint nests it, one program per font face, and the information dictionary of the first
unit (the one laid out with the publication's metadata).
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pikepdf
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix

from publisher.cache.store import Store
from publisher.pdf import fontdates as pdf_fontdates
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf.units import Laid

_MISSING_ANCHOR = "No anchor #%s for internal URI reference"
"""WeasyPrint's own message for a link to nowhere, so both passes report it alike."""


def assemble(
    units: Sequence[Laid], identifier: bytes, programs: Store, store: Store | None = None
) -> tuple[bytes, list[logging.LogRecord]]:
    """The units' pages as one PDF, and the messages a single pass would have logged.

    ``programs`` holds the font files the units' fonts were cut from (``pdf_fonts.keep``);
    ``store`` keeps merged font programs, which are slow to make and rarely change.
    """
    sources = [pikepdf.open(io.BytesIO(unit.pdf)) for unit in units]
    try:
        return _assemble(units, sources, identifier, programs, store)
    finally:
        for source in sources:
            source.close()


def _assemble(
    units: Sequence[Laid],
    sources: list[pikepdf.Pdf],
    identifier: bytes,
    programs: Store,
    store: Store | None,
) -> tuple[bytes, list[logging.LogRecord]]:
    pdf = pikepdf.new()
    starts = []
    with warnings.catch_warnings():
        # pikepdf warns that copied pages lose their destinations: they are rebuilt below.
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        for source in sources:
            starts.append(len(pdf.pages))
            pdf.pages.extend(source.pages)
    total = len(pdf.pages)
    pages = [page.obj for page in pdf.pages]
    dests: dict[str, pikepdf.Array] = {}
    marks = []
    for unit, start in zip(units, starts, strict=True):
        for index, info in enumerate(unit.pages, start):
            for stream, stamp in info.stamps:
                pages[index].Contents[stream].write(stamp.fill(index + 1, total))
            for name, x, y in info.anchors:
                dests.setdefault(name, pikepdf.Array([pages[index], pikepdf.Name.XYZ, x, y, 0]))
            bookmarks = [(lvl, label, (x, y), state) for lvl, label, x, y, state in info.bookmarks]
            marks.append(SimpleNamespace(bookmarks=bookmarks))
    records = _links(pdf, units, starts, dests)
    if dests:
        # One flat, sorted name tree, as WeasyPrint writes it; built in one go (appending to a
        # pikepdf array one item at a time takes quadratic time).
        names = [item for name in sorted(dests) for item in (pikepdf.String(name), dests[name])]
        tree = pikepdf.Dictionary(Names=pikepdf.Array(names))
        pdf.Root.Names = pikepdf.Dictionary(Dests=tree)
    _outline(pdf, marks, pages)
    uses = [
        pdf_fonts.Use(pages[start].Resources, f"/{key}", font)
        for unit, start in zip(units, starts, strict=True)
        if unit.pages
        for key, font in unit.fonts.items()
    ]
    pdf_fonts.merge(pdf, [use for use in uses if "/Font" in use.resources], programs, store)
    pdf_fontdates.settle(pdf)
    first = sources[0]
    if "/Info" in first.trailer:
        pdf.trailer.Info = pdf.copy_foreign(first.trailer.Info)
    if "/Lang" in first.Root:
        pdf.Root.Lang = first.Root.Lang
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
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
    return out.getvalue(), records


def _links(
    pdf: pikepdf.Pdf, units: Sequence[Laid], starts: Sequence[int], dests: dict[str, Any]
) -> list[logging.LogRecord]:
    """Add the links between units; a link to no anchor is left out and reported."""
    records = []
    for unit, start in zip(units, starts, strict=True):
        for index, info in enumerate(unit.pages, start):
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
