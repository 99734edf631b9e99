"""Laid-out PDF units as cache data and back: a unit's PDF kept as raw bytes, the rest as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from publisher.cache import data as d
from publisher.cache.data import Data
from publisher.pdf.fonts import Font
from publisher.pdf.stamp import Run, Stamp
from publisher.pdf.units import Laid, Page

Layout = tuple[Laid, ...]
"""A unit's pages: one laid-out piece, or the chunks of a flowing part."""

A = TypeVar("A")
B = TypeVar("B")

_LAID = ("pdf", "pages", "fonts", "records", "refused")
_PAGE = ("anchors", "bookmarks", "links", "stamps", "opens")
_FONT = ("name", "widths", "text", "program", "index")
_STAMP = ("lines", "runs", "align")
_RUN = ("tm", "tj", "x", "y", "glyphs", "marks", "digits")


def layout_data(layout: Layout) -> Data:
    """A unit's layout as data."""
    return [_laid_data(laid) for laid in layout]


def layout(value: Data) -> Layout:
    """A unit's layout read back, every field checked."""
    return d.each(value, _laid)


def flow_data(blocks: tuple[str, ...], kept: Layout) -> Data:
    """The last layout of a flowing unit, with the digests of its blocks."""
    return {"blocks": list(blocks), "layout": layout_data(kept)}


def flow(value: Data) -> tuple[tuple[str, ...], Layout]:
    """The last layout of a flowing unit read back."""
    blocks, kept = d.fields(value, ("blocks", "layout"))
    return d.each(blocks, d.text), layout(kept)


def lengths(value: Data) -> dict[str, int]:
    """Page counts by part name read back."""
    if not isinstance(value, dict):
        raise d.Damaged("expected an object of page counts")
    return {name: d.integer(count) for name, count in value.items()}


def _laid_data(laid: Laid) -> Data:
    return {
        "pdf": laid.pdf,
        "pages": [_page_data(page) for page in laid.pages],
        "fonts": [[key, _font_data(font)] for key, font in laid.fonts.items()],
        "records": [[level, text, list(args)] for level, text, args in laid.records],
        "refused": [list(pair) for pair in laid.refused],
    }


def _laid(value: Data) -> Laid:
    pdf, pages, fonts, records, refused = d.fields(value, _LAID)
    shown = d.each(pages, _page)
    if not shown:
        raise d.Damaged("a laid-out piece without pages")
    return Laid(
        d.blob(pdf),
        shown,
        dict(d.each(fonts, lambda pair: _pair(pair, d.text, _font))),
        d.each(records, _record),
        d.each(refused, lambda pair: _pair(pair, d.text, d.text)),
    )


def _record(value: Data) -> tuple[int, str, tuple[str, ...]]:
    level, text, args = d.items(value, 3)
    return d.integer(level), d.text(text), d.each(args, d.text)


def _page_data(page: Page) -> Data:
    return {
        "anchors": [list(anchor) for anchor in page.anchors],
        "bookmarks": [list(mark) for mark in page.bookmarks],
        "links": [[name, list(box)] for name, box in page.links],
        "stamps": [[index, _stamp_data(stamp)] for index, stamp in page.stamps],
        "opens": page.opens,
    }


def _page(value: Data) -> Page:
    anchors, bookmarks, links, stamps, opens = d.fields(value, _PAGE)
    return Page(
        d.each(anchors, _anchor),
        d.each(bookmarks, _bookmark),
        d.each(links, lambda pair: _pair(pair, d.text, _box)),
        d.each(stamps, lambda pair: _pair(pair, d.integer, _stamp)),
        d.optional(_block)(opens),
    )


def _block(value: Data) -> int:
    number = d.integer(value)
    if number < 0:
        raise d.Damaged(f"block {number}")
    return number


def _anchor(value: Data) -> tuple[str, float, float]:
    name, x, y = d.items(value, 3)
    return d.text(name), d.number(x), d.number(y)


def _bookmark(value: Data) -> tuple[int, str, float, float, str]:
    level, label, x, y, state = d.items(value, 5)
    return d.integer(level), d.text(label), d.number(x), d.number(y), d.text(state)


def _box(value: Data) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (d.number(n) for n in d.items(value, 4))
    return x1, y1, x2, y2


def _font_data(font: Font) -> Data:
    return {
        "name": font.name,
        "widths": [[glyph, width] for glyph, width in font.widths.items()],
        "text": [[glyph, text] for glyph, text in font.text.items()],
        "program": font.program,
        "index": font.index,
    }


def _font(value: Data) -> Font:
    name, widths, text, program, index = d.fields(value, _FONT)
    return Font(
        d.text(name),
        dict(d.each(widths, lambda pair: _pair(pair, d.integer, d.number))),
        dict(d.each(text, lambda pair: _pair(pair, d.integer, d.text))),
        d.text(program),
        d.integer(index),
    )


def _stamp_data(stamp: Stamp) -> Data:
    return {
        "lines": list(stamp.lines),
        "runs": [
            {
                "tm": run.tm,
                "tj": run.tj,
                "x": run.x,
                "y": run.y,
                "glyphs": [list(glyph) for glyph in run.glyphs],
                "marks": [list(mark) for mark in run.marks],
                "digits": [list(digit) for digit in run.digits],
            }
            for run in stamp.runs
        ],
        "align": stamp.align,
    }


def _stamp(value: Data) -> Stamp:
    lines, runs, align = d.fields(value, _STAMP)
    return Stamp(d.each(lines, d.blob), d.each(runs, _run), d.number(align))


def _run(value: Data) -> Run:
    tm, tj, x, y, glyphs, marks, digits = d.fields(value, _RUN)
    return Run(
        d.integer(tm),
        d.integer(tj),
        d.number(x),
        d.number(y),
        d.each(glyphs, lambda pair: _pair(pair, d.integer, d.number)),
        d.each(marks, lambda pair: _pair(pair, d.integer, d.flag)),
        d.each(digits, lambda pair: _pair(pair, d.integer, d.number)),
    )


def _pair(value: Data, first: Callable[[Data], A], second: Callable[[Data], B]) -> tuple[A, B]:
    one, two = d.items(value, 2)
    return first(one), second(two)
