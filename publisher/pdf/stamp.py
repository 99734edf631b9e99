"""Page numbers printed after the merge: the margin-box text that counts pages, kept as a template.

A part laid out on its own cannot know its page numbers, and "Page N of M" changes on every page
whenever a page is added anywhere. So parts are laid out with marks where the style sheets count
pages; each text block holding a mark is cut out of the page's content into a stream of its own,
and once the units are merged (``merge``), ``stamp`` rewrites that small stream with the real
numbers. The cached layout of a part therefore never depends on where the part lands in the book.

The content is read with pikepdf's content-stream parser, which tells where each instruction is
written, so that the cut keeps every byte of the page as WeasyPrint wrote it; of the instructions
that change, the text matrix is written again by ``pikepdf.unparse_content_stream`` and the shown
glyphs as WeasyPrint writes them (``_shown``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pikepdf

from publisher import css

PAGE_MARK = "0123456789"
"""Printed for ``counter(page)``: all ten digits, so that every digit's glyph is known."""
PAGES_MARK = "9876543210"
"""Printed where a style sheet prints ``counter(pages)``."""


def mark_counters(sheet: str) -> str:
    """A style sheet with its page counters printed as marks."""
    return css.edit(sheet, _mark)


def _mark(value: css.Node, _: css.Source) -> str | None:
    """The mark, as a CSS string, that stands for ``counter(page)`` or ``counter(pages)``."""
    if not css.is_function(value, "counter"):
        return None
    arguments = css.arguments(value)
    if len(arguments) > 2 or not css.is_ident(arguments[0], "page", "pages"):
        return None
    if len(arguments) == 2 and not css.is_ident(arguments[1], "decimal"):
        return None
    return f'"{PAGES_MARK if arguments[0][0].value == "pages" else PAGE_MARK}"'


_WHITE_SPACE = b"\0\t\n\f\r "
"""The white-space characters of PDF syntax."""
_MARGIN_MATRIX = [1, 0, 0, -1]
"""How WeasyPrint places every run of text: unscaled, the y axis flipped."""

Fonts = Mapping[str, tuple[Mapping[int, str], Mapping[int, float]]]
"""Glyphs' text and widths (thousandths of an em) by font resource name."""


@dataclass(frozen=True, slots=True)
class Run:
    """One positioned piece of text (``Tm``, ``Tf``, ``TJ``) in a block that prints a mark."""

    tm: int
    """Index of its text-matrix instruction in the block."""
    tj: int
    """Index of its show-text instruction."""
    x: float
    """Horizontal start, CSS pixels."""
    y: float
    """Baseline, CSS pixels."""
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
    """The block as laid out: each instruction as written, with the white space after it."""
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
            matrix = [*_MARGIN_MATRIX, _real(x), _real(run.y)]
            lines[run.tm] = _written(lines[run.tm], matrix, "Tm")
            lines[run.tj] = _shown(lines[run.tj], glyphs)
            shift += delta
        return b"".join(lines)


def stamp(pdf: pikepdf.Pdf, stamps: Sequence[Sequence[tuple[int, Stamp]]]) -> None:
    """Print the page numbers: each page's ``stamps`` (the index of the stream in the page's
    content array, and what it prints) filled in with the page's number and the total."""
    total = len(pdf.pages)
    for number, (page, found) in enumerate(zip(pdf.pages, stamps, strict=True), 1):
        for stream, block in found:
            page.obj.Contents[stream].write(block.fill(number, total))


def find(
    page: pikepdf.Page, fonts: Fonts, outside: Callable[[float], bool], page_center: float
) -> list[tuple[int, int, Stamp]]:
    """Every text block of a page's content that prints a mark: (start, end, stamp).

    ``start`` and ``end`` are offsets in the page's content; ``outside`` tells whether a
    baseline lies outside the page area, where only margin boxes are drawn: body text that
    happens to hold the same digits is left alone.
    """
    content = page.obj.Contents.read_bytes()
    parser = _Parser()
    page.parse_contents(parser)
    found = []
    opened: int | None = None
    for index, instruction in enumerate(parser.instructions):
        if instruction.operator == "BT":
            opened = index
        elif instruction.operator == "ET" and opened is not None:
            block = parser.instructions[opened : index + 1]
            opened = None
            placed = block[1].operands if len(block) > 1 and block[1].operator == "Tm" else []
            if not _is_margin_matrix(placed) or not outside(float(placed[5])):
                continue
            start, end = block[0].start, block[-1].end
            stamp = _stamp(block, content, fonts, page_center)
            if stamp is not None:
                found.append((start, end, stamp))
    return found


@dataclass(slots=True)
class _Instruction:
    """One instruction of a content stream, and where it is written."""

    operands: list[Any]
    """Its operands, as pikepdf gives them (int and Decimal for numbers)."""
    operator: str
    """Its operator."""
    start: int
    """Offset of its first byte in the content."""
    end: int
    """Offset just past its operator."""


class _Parser(pikepdf.StreamParser):
    """Collects the instructions of a page's content with where each one is written."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[_Instruction] = []
        self._operands: list[Any] = []
        self._start = -1

    def handle_object(self, obj: Any, offset: int, length: int) -> None:
        if self._start < 0:
            self._start = offset
        if isinstance(obj, pikepdf.Operator):
            end = offset + length
            self.instructions.append(_Instruction(self._operands, str(obj), self._start, end))
            self._operands, self._start = [], -1
        else:
            self._operands.append(obj)

    def handle_eof(self) -> None:
        """Operands after the last operator belong to no instruction: they are left out."""


def _is_margin_matrix(operands: Sequence[Any]) -> bool:
    """Whether a ``Tm`` places text as WeasyPrint does, at a number x and y."""
    numbers = all(isinstance(value, int | Decimal) for value in operands[4:])
    return len(operands) == 6 and list(operands[:4]) == _MARGIN_MATRIX and numbers


def _stamp(
    block: Sequence[_Instruction], content: bytes, fonts: Fonts, page_center: float
) -> Stamp | None:
    """A text block as a stamp, or None if none of its runs prints a mark."""
    runs: list[Run] = []
    tm, x, y, font, size = -1, 0.0, 0.0, "", 0.0
    first, last = float("inf"), float("-inf")
    for index, instruction in enumerate(block):
        operator, operands = instruction.operator, instruction.operands
        if operator == "Tm" and _is_margin_matrix(operands):
            tm, x, y = index, float(operands[4]), float(operands[5])
        elif operator == "Tf" and len(operands) == 2:
            font, size = str(operands[0]).removeprefix("/"), float(operands[1])
        elif operator == "TJ" and font in fonts and len(operands) == 1:
            texts, widths = fonts[font]
            glyphs = _glyphs(operands[0])
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
    starts = [instruction.start for instruction in block[1:]] + [block[-1].end]
    lines = tuple(content[i.start : end] for i, end in zip(block, starts, strict=True))
    return Stamp(lines, tuple(runs), align)


def _glyphs(shown: Any) -> list[tuple[int, float]]:
    """The glyph ids of a ``TJ`` array (two bytes each), each with the adjustment after it."""
    glyphs: list[tuple[int, float]] = []
    for item in shown if isinstance(shown, pikepdf.Array) else ():
        if isinstance(item, pikepdf.String):
            data = bytes(item)
            glyphs.extend(
                (int.from_bytes(data[i : i + 2], "big"), 0.0) for i in range(0, len(data), 2)
            )
        elif isinstance(item, int | Decimal) and glyphs:
            glyphs[-1] = (glyphs[-1][0], float(item))
    return glyphs


def _shown(old: bytes, glyphs: Sequence[tuple[int, float]]) -> bytes:
    """A ``TJ`` instruction as WeasyPrint writes one, with the white space after the old one.

    pikepdf would write the array as ``[ <0013> <0014> -3 ]`` where WeasyPrint writes
    ``[<0013><0014>-3]``: the same tokens, but a stamped foot written as WeasyPrint writes its own
    text keeps a PDF laid out in units byte for byte what it was before stamping moved here.
    """
    items = []
    for glyph, adjustment in glyphs:
        items.append(b"<%04x>" % glyph)
        if adjustment:
            items.append(str(_real(adjustment)).encode())
    space = old[len(old.rstrip(_WHITE_SPACE)) :]
    return b"[" + b"".join(items) + b"] TJ" + space


def _written(old: bytes, operands: list[Any], operator: str) -> bytes:
    """An instruction as pikepdf writes it, with the white space that followed the old one."""
    instruction = pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(operator))
    space = old[len(old.rstrip(_WHITE_SPACE)) :]
    return pikepdf.unparse_content_stream([instruction]) + space


def _real(value: float) -> Decimal:
    """A number as WeasyPrint (pydyf) writes one: six decimals at most, no trailing zeros."""
    return Decimal(f"{value:f}".rstrip("0").rstrip(".") or "0")
