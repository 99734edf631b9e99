"""Page numbers printed after the merge: the margin-box text that counts pages, kept as a template.

A part laid out on its own cannot know its page numbers, and "Page N of M" changes on every page
whenever a page is added anywhere. So parts are laid out with marks where the style sheets count
pages; each text block holding a mark is cut out of the page's content into a stream of its own,
and once the units are merged (``merge``), ``stamp`` rewrites that small stream with the real
numbers. The cached layout of a part therefore never depends on where the part lands in the book.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pikepdf

PAGE_MARK = "0123456789"
"""Printed for ``counter(page)``: all ten digits, so that every digit's glyph is known."""
PAGES_MARK = "9876543210"
"""Printed where a style sheet prints ``counter(pages)``."""

_COUNTER = re.compile(r"\bcounter\(\s*(pages?)\s*(?:,\s*decimal\s*)?\)")
_TM = re.compile(rb"1 0 0 -1 (\S+) (\S+) Tm")
_TF = re.compile(rb"/(\S+) (\S+) Tf")
_TJ_ITEM = re.compile(rb"<([0-9a-fA-F]*)>|(-?[0-9.]+)")


def mark_counters(css: str) -> str:
    """A style sheet with its page counters printed as marks."""
    return _COUNTER.sub(lambda m: f'"{PAGES_MARK if m[1] == "pages" else PAGE_MARK}"', css)


@dataclass(frozen=True, slots=True)
class Run:
    """One positioned piece of text (``Tm``, ``Tf``, ``TJ``) in a block that prints a mark."""

    tm: int
    """Index of its text-matrix line in the block."""
    tj: int
    """Index of its show-text line."""
    x: float
    """Horizontal start, CSS pixels."""
    y: bytes
    """Baseline, as written."""
    glyphs: tuple[tuple[int, float], ...]
    """Glyph ids with the adjustment written after each."""
    marks: tuple[tuple[int, bool], ...]
    """Where each mark starts among the glyphs, and whether it is the total."""
    digits: tuple[tuple[int, float], ...]
    """Glyph id and advance (CSS pixels) of 0 to 9 in the run's font."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """A text block that prints page numbers, with what changes in it."""

    lines: tuple[bytes, ...]
    """The block as laid out, one operator a line."""
    runs: tuple[Run, ...]
    """Runs that hold a mark, in drawing order."""
    align: float
    """Which point of the text stays put as its width changes: 0 start, 0.5 centre, 1 end."""

    def fill(self, page: int, pages: int) -> bytes:
        """The block with the real page number and total."""
        lines = list(self.lines)
        shift, total = 0.0, 0.0
        widths = []
        for run in self.runs:
            glyphs = list(run.glyphs)
            delta = 0.0
            for start, is_total in sorted(run.marks, reverse=True):
                number = str(pages if is_total else page)
                after = glyphs[start + len(PAGE_MARK) - 1][1]
                new = [(run.digits[int(d)][0], 0.0) for d in number]
                new[-1] = (new[-1][0], after)
                glyphs[start : start + len(PAGE_MARK)] = new
                delta += sum(run.digits[int(d)][1] for d in number)
                delta -= sum(advance for _, advance in run.digits)
            widths.append((glyphs, delta))
            total += delta
        for run, (glyphs, delta) in zip(self.runs, widths, strict=True):
            x = run.x - self.align * total + shift
            lines[run.tm] = b"1 0 0 -1 %s %s Tm" % (_number(x), run.y)
            lines[run.tj] = _show(glyphs)
            shift += delta
        return b"\n".join(lines)


def stamp(pdf: pikepdf.Pdf, stamps: Sequence[Sequence[tuple[int, Stamp]]]) -> None:
    """Print the page numbers: each page's ``stamps`` (the index of the stream in the page's
    content array, and what it prints) filled in with the page's number and the total."""
    total = len(pdf.pages)
    for number, (page, found) in enumerate(zip(pdf.pages, stamps, strict=True), 1):
        for stream, block in found:
            page.obj.Contents[stream].write(block.fill(number, total))


def find(
    content: bytes,
    fonts: Mapping[str, tuple[Mapping[int, str], Mapping[int, float]]],
    outside: Callable[[float], bool],
    page_center: float,
) -> list[tuple[int, int, Stamp]]:
    """Every text block of a page's content that prints a mark: (start, end, stamp).

    ``fonts`` maps a font resource name to its glyphs' text and widths (thousandths of an em);
    ``outside`` tells whether a baseline lies outside the page area, where only margin boxes
    are drawn: body text that happens to hold the same digits is left alone.
    """
    found = []
    start = content.find(b"BT\n")
    while start != -1:
        end = content.find(b"\nET", start)
        if end == -1:
            break
        end += 3
        tm = _TM.fullmatch(content, start + 3, content.find(b"\n", start + 3))
        if tm and outside(float(tm[2])):
            stamp = _stamp(content[start:end].split(b"\n"), fonts, page_center)
            if stamp is not None:
                found.append((start, end, stamp))
        start = content.find(b"BT\n", end)
    return found


def _stamp(
    lines: list[bytes],
    fonts: Mapping[str, tuple[Mapping[int, str], Mapping[int, float]]],
    page_center: float,
) -> Stamp | None:
    runs: list[Run] = []
    tm, x, y, font, size = -1, 0.0, b"0", "", 0.0
    first, last = float("inf"), float("-inf")
    for index, line in enumerate(lines):
        if (match := _TM.fullmatch(line)) is not None:
            tm, x, y = index, float(match[1]), match[2]
        elif (match := _TF.fullmatch(line)) is not None:
            font, size = match[1].decode(), float(match[2])
        elif line.endswith(b"TJ") and font in fonts:
            texts, widths = fonts[font]
            glyphs = _glyphs(line)
            advance = sum(widths.get(g, 0) * size / 1000 - a * size / 1000 for g, a in glyphs)
            first, last = min(first, x), max(last, x + advance)
            chars = [texts.get(g, "") for g, _ in glyphs]
            marks = tuple(
                (i, chars[i : i + len(PAGE_MARK)] == list(PAGES_MARK))
                for i in range(len(chars))
                if chars[i : i + len(PAGE_MARK)] in (list(PAGE_MARK), list(PAGES_MARK))
            )
            if marks:
                start = marks[0][0]
                ids = {chars[i]: g for i, (g, _) in enumerate(glyphs[start : start + 10], start)}
                digits = tuple((ids[str(d)], widths[ids[str(d)]] * size / 1000) for d in range(10))
                runs.append(Run(tm, index, x, y, tuple(glyphs), marks, digits))
    if not runs:
        return None
    middle = (first + last) / 2
    align = 0.5 if abs(middle - page_center) < 1 else 0.0 if first < page_center else 1.0
    return Stamp(tuple(lines), tuple(runs), align)


def _glyphs(line: bytes) -> list[tuple[int, float]]:
    """The glyph ids of a ``[...] TJ`` line, each with the adjustment written after it."""
    glyphs: list[tuple[int, float]] = []
    for match in _TJ_ITEM.finditer(line, 0, line.rfind(b"]")):
        if match[1] is not None:
            text = match[1]
            glyphs.extend((int(text[i : i + 4], 16), 0.0) for i in range(0, len(text), 4))
        elif glyphs:
            glyphs[-1] = (glyphs[-1][0], float(match[2]))
    return glyphs


def _show(glyphs: list[tuple[int, float]]) -> bytes:
    items = []
    for glyph, adjustment in glyphs:
        items.append(b"<%04x>" % glyph)
        if adjustment:
            items.append(_number(adjustment))
    return b"[" + b"".join(items) + b"] TJ"


def _number(value: float) -> bytes:
    return (b"%f" % value).rstrip(b"0").rstrip(b".") or b"0"
