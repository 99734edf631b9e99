"""One embedded font per face in an assembled PDF, however many units used it.

Each unit embeds its own subset of a face. WeasyPrint subsets keeping glyph ids, so the subsets
of one face differ only in which glyphs have outlines: the merged program is the subset with the
most glyphs, with the outlines it lacks copied in from the others. Only units that add a glyph
are read. Faces that cannot be merged this way (CFF, bitmap, or with missing glyphs drawn by a
substitute) keep one program per unit: correct, only larger.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import fontTools
import pikepdf
from fontTools.ttLib import TTFont

from publisher.cache import FORMAT, Store
from publisher.pdf_units import Font


@dataclass(frozen=True, slots=True)
class Use:
    """One unit's font of one face, in the assembled PDF."""

    unit: int
    """Index of the unit."""
    resources: pikepdf.Object
    """The resource dictionary that names it."""
    key: str
    """Its resource name."""
    font: Font
    """Its glyphs."""


def merge(pdf: pikepdf.Pdf, uses: Sequence[Use], store: Store | None = None) -> None:
    """Make every use of a face point at one font dictionary with one merged program."""
    faces: dict[tuple[str, str], list[Use]] = {}
    for use in uses:
        if use.font.mergeable and use.key in use.resources.Font:
            faces.setdefault((use.key, use.font.name), []).append(use)
    for group in faces.values():
        if len(group) > 1:
            _merge_face(pdf, group, store)


def _merge_face(pdf: pikepdf.Pdf, group: list[Use], store: Store | None) -> None:
    widths: dict[int, float] = {}
    text: dict[int, str] = {}
    for use in group:
        widths.update(use.font.widths)
        text.update(use.font.text)
    if not widths:
        return
    base = max(group, key=lambda use: (max(use.font.widths, default=0), -use.unit))
    covered = set(base.font.widths)
    adding = []
    # The subsets with the most glyphs first: each one read is slow, and they cover the most.
    for use in sorted(group, key=lambda u: (-len(u.font.widths), u.unit)):
        new = set(use.font.widths) - covered
        if new:
            adding.append((_program(use), new))
            covered |= new
    font = base.resources.Font[base.key]
    descriptor = font.DescendantFonts[0].FontDescriptor
    if adding:
        data = _merged(_program(base), adding, store)
        stream = pdf.make_stream(data)
        stream.Length1 = len(data)
        descriptor.FontFile2 = stream
    font.DescendantFonts[0].W = _widths(widths)
    bbox = descriptor.FontBBox
    descriptor.FontBBox = pikepdf.Array([0, bbox[1], max(widths.values()), bbox[3]])
    font.ToUnicode = pdf.make_stream(_to_unicode(text))
    for use in group:
        use.resources.Font[use.key] = font


def _program(use: Use) -> bytes:
    descriptor = use.resources.Font[use.key].DescendantFonts[0].FontDescriptor
    return bytes(descriptor.FontFile2.read_bytes())


def _merged(base: bytes, adding: list[tuple[bytes, set[int]]], store: Store | None) -> bytes:
    """The base subset with the outlines (and their components) of other subsets copied in."""
    digest = hashlib.sha256(f"{FORMAT}\0{fontTools.version}\0".encode() + base)
    for data, gids in adding:
        digest.update(hashlib.sha256(data).digest() + str(sorted(gids)).encode())
    key = digest.hexdigest()
    cached = store.get(key) if store is not None else None
    if isinstance(cached, bytes):
        return cached
    merged = _merge_programs(base, adding)
    if store is not None:
        store.put(key, merged)
    return merged


def _merge_programs(base: bytes, adding: list[tuple[bytes, set[int]]]) -> bytes:
    font = TTFont(io.BytesIO(base), recalcTimestamp=False)
    order = font.getGlyphOrder()
    glyf, hmtx = font["glyf"], font["hmtx"]
    for data, gids in adding:
        other = TTFont(io.BytesIO(data), recalcTimestamp=False)
        other_order = other.getGlyphOrder()
        other_glyf, other_hmtx = other["glyf"], other["hmtx"]
        todo, done = sorted(gids), set()
        while todo:
            gid = todo.pop()
            if gid in done or gid >= len(other_order) or gid >= len(order):
                continue
            done.add(gid)
            glyph = other_glyf[other_order[gid]]
            if glyph.isComposite():
                for component in glyph.components:
                    part = other.getGlyphID(component.glyphName)
                    component.glyphName = order[part]
                    todo.append(part)
            glyf[order[gid]] = glyph
            hmtx[order[gid]] = other_hmtx[other_order[gid]]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _widths(widths: dict[int, float]) -> pikepdf.Array:
    """A /W array, consecutive glyphs grouped as WeasyPrint writes it."""
    out: list[object] = []
    run: list[float] = []
    previous = None
    for gid in sorted(widths):
        if previous is None or gid != previous + 1:
            run = []
            out.extend((gid, run))
        run.append(widths[gid])
        previous = gid
    return pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in out])


def _to_unicode(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap for the glyphs, in WeasyPrint's form."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, chars in batch:
            lines.append(f"<{glyph:04x}> <{chars.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [
        b"endcmap",
        b"CMapName currentdict /CMap defineresource pop",
        b"end",
        b"end",
    ]
    return b"\n".join(lines)
