"""Page numbers stamped into a unit that WeasyPrint laid out, read and written with pikepdf."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from decimal import Decimal

import pikepdf
import pytest

from publisher.pdf import plan as pdf_plan
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf import units as pdf_units
from publisher.pdf.units import Job, Laid

CSS = """
@page { size: a5; margin: 2cm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages) } }
body { font-family: "DejaVu Sans", sans-serif; }
"""
HTML = (
    '<html lang="en"><body><section id="unit"><h1>A unit</h1>'
    "<p>Its body prints the digits 0123456789 and 9876543210 too.</p></section></body></html>"
)


@pytest.fixture(scope="module")
def laid() -> Laid:
    """One page laid out by the worker, its running foot cut out as a stamp."""
    styles = ((pdf_plan.rewrite(CSS) or "", None),)
    (piece,) = pdf_units.lay_out(Job(HTML, "unit", styles, "", (), None))
    return piece


def text(laid: Laid, content: bytes) -> str:
    """The text a content stream shows, through the unit's fonts."""
    with pikepdf.new() as pdf:
        shown, font = [], ""
        for operands, operator in pikepdf.parse_content_stream(pikepdf.Stream(pdf, content)):
            if str(operator) == "Tf":
                font = str(operands[0]).removeprefix("/")
            elif str(operator) == "TJ":
                for item in operands[0]:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        glyphs = [
                            int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)
                        ]
                        shown += [laid.fonts[font].text.get(glyph, "?") for glyph in glyphs]
    return "".join(shown)


def test_the_running_foot_is_a_stamp_and_the_body_is_not(laid: Laid) -> None:
    (page,) = laid.pages
    (stream, stamp), *others = page.stamps
    assert others == []
    with pikepdf.open(io.BytesIO(laid.pdf)) as pdf:
        parts = [part.read_bytes() for part in pdf.pages[0].obj.Contents]
    assert b"".join(stamp.lines) == parts[stream]
    assert text(laid, parts[stream]) == "Page 0123456789 of 9876543210"
    # The same digits in the body are left as they are.
    rest = text(laid, b"".join(parts[:stream] + parts[stream + 1 :]))
    assert "0123456789" in rest and "9876543210" in rest


@pytest.mark.parametrize(("number", "total"), [(1, 1), (7, 12), (123, 4567)])
def test_a_stamp_prints_the_page_number_and_the_total(laid: Laid, number: int, total: int) -> None:
    ((_, stamp),) = laid.pages[0].stamps
    assert text(laid, stamp.fill(number, total)) == f"Page {number} of {total}"


def test_the_stamp_step_fills_every_page_of_the_merged_pdf(laid: Laid) -> None:
    ((stream, _),) = laid.pages[0].stamps
    with contextlib.ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.new())
        for _ in range(3):
            pdf.pages.extend(stack.enter_context(pikepdf.open(io.BytesIO(laid.pdf))).pages)
        pdf_stamp.stamp(pdf, [laid.pages[0].stamps] * 3)
        shown = [text(laid, page.obj.Contents[stream].read_bytes()) for page in pdf.pages]
    assert shown == ["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"]


def test_only_the_instructions_that_change_are_written_again(laid: Laid) -> None:
    ((_, stamp),) = laid.pages[0].stamps
    filled = stamp.fill(7, 12)
    changed = {index for run in stamp.runs for index in (run.tm, run.tj)}
    with pikepdf.new() as pdf:
        before = pikepdf.parse_content_stream(pikepdf.Stream(pdf, b"".join(stamp.lines)))
        after = pikepdf.parse_content_stream(pikepdf.Stream(pdf, filled))
        assert [str(i.operator) for i in before] == [str(i.operator) for i in after]
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if index not in changed:
                assert pikepdf.unparse_content_stream([old]) == pikepdf.unparse_content_stream(
                    [new]
                )
    kept = [line for index, line in enumerate(stamp.lines) if index not in changed]
    assert all(line in filled for line in kept)
    # The text matrix keeps WeasyPrint's numbers: the baseline as it was, x to six decimals.
    (run,) = stamp.runs
    matrix = after[run.tm].operands
    assert matrix[5] == Decimal(stamp.lines[run.tm].split()[5].decode())
    assert str(matrix[4]) == f"{float(matrix[4]):f}".rstrip("0").rstrip(".")


@pytest.mark.parametrize("space", [b"\r\n", b" ", b"\t\n"])
def test_a_block_is_found_whatever_white_space_its_instructions_are_written_with(
    laid: Laid, space: bytes
) -> None:
    ((stream, stamp),) = laid.pages[0].stamps
    fonts = {name: (font.text, font.widths) for name, font in laid.fonts.items()}
    with pikepdf.open(io.BytesIO(laid.pdf)) as pdf:
        page = pdf.pages[0]
        parts = [part.read_bytes() for part in page.obj.Contents]
        block = parts[stream].replace(b"\n", space)
        content = b"".join([*parts[:stream], block, *parts[stream + 1 :]])
        page.obj.Contents = pdf.make_stream(content)
        width = float(page.mediabox[2]) / 0.75
        baseline = stamp.runs[0].y
        found = pdf_stamp.find(page, fonts, lambda y: y == baseline, width / 2)
    ((start, end, again),) = found
    assert content[start:end] == block
    assert dataclasses.replace(again, lines=stamp.lines) == stamp
    assert again.fill(7, 12) == stamp.fill(7, 12).replace(b"\n", space)
