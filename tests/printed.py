"""What a PDF prints, character by character with the font that draws it (PDFium), and which
faces fontconfig has: for the tests of fonts and scripts."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
from weasyprint.text.ffi import ffi, fontconfig

MARGIN_TOP_MM = 20
MARGIN_BOTTOM_MM = 18
"""The print style's page margins, where the running heads and feet are."""


@dataclass(frozen=True)
class Glyph:
    """One printed character."""

    char: str
    font: str
    """The PDF font's base name without its subset tag: ``Noto-Serif-CJK-JP``."""
    in_margin: bool
    """Printed in the page's top or bottom margin (running head or foot)."""
    color: tuple[int, int, int] = (0, 0, 0)
    """Its fill colour, RGB."""
    box: tuple[float, float, float, float] = (0, 0, 0, 0)
    """Left, bottom, right and top, in points from the page's bottom left corner."""
    baseline: float = 0
    """Height of its baseline above the page's bottom edge, in points."""


def glyphs(path: Path) -> list[list[Glyph]]:
    """Every page's characters, in reading order, with their fonts."""
    document = pypdfium2.PdfDocument(path)
    pages = []
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    x, y = ctypes.c_double(), ctypes.c_double()
    for page in document:
        height = page.get_height()
        text = page.get_textpage()
        found = []
        for index in range(pdfium.FPDFText_CountChars(text)):
            char = chr(pdfium.FPDFText_GetUnicode(text, index))
            if not char.strip():
                continue
            pdfium.FPDFText_GetFontInfo(text, index, name, 256, ctypes.byref(flags))
            boxes = (ctypes.byref(v) for v in (left, right, bottom, top))
            pdfium.FPDFText_GetCharBox(text, index, *boxes)
            margin = top.value > height - _points(MARGIN_TOP_MM) or bottom.value < _points(
                MARGIN_BOTTOM_MM
            )
            font = name.value.decode(errors="replace").split("+")[-1]
            rgba = (ctypes.byref(v) for v in (red, green, blue, alpha))
            pdfium.FPDFText_GetFillColor(text, index, *rgba)
            color = (red.value, green.value, blue.value)
            box = (left.value, bottom.value, right.value, top.value)
            pdfium.FPDFText_GetCharOrigin(text, index, ctypes.byref(x), ctypes.byref(y))
            found.append(Glyph(char, font, margin, color, box, y.value))
        pages.append(found)
    return pages


def _points(mm: float) -> float:
    return mm / 25.4 * 72


def has_font(family: str) -> bool:
    """Whether fontconfig (as WeasyPrint sees it) has a face of this family."""
    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        match = fontconfig.FcFontMatch(ffi.NULL, pattern, ffi.new("FcResult *"))
        if match == ffi.NULL:
            return False
        found = ffi.new("FcChar8 **")
        named = fontconfig.FcPatternGetString(match, b"family", 0, found) == 0
        same = named and ffi.string(found[0]).decode() == family
        fontconfig.FcPatternDestroy(match)
        return same
    finally:
        fontconfig.FcPatternDestroy(pattern)


NO_CJK = "needs fonts-noto-cjk (Debian), for Japanese, Chinese and Korean faces"
CJK_FACES = ("Noto Serif CJK JP", "Noto Sans CJK SC", "Noto Serif CJK KR", "Noto Sans CJK TC")
"""Faces the CJK tests look for: all of them come with fonts-noto-cjk."""


def has_cjk() -> bool:
    """Whether the Noto CJK faces are installed."""
    return all(has_font(family) for family in CJK_FACES)
