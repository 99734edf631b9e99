"""Fonts of PDF units: the glyphs each unit draws, and one embedded program per face in the
merged PDF, however many units used it.

Each unit embeds its own subset of a face, cut from the same font file with glyph ids kept. The
merged program is cut once more from that original file, with every glyph any unit draws, by
fontTools keeping glyph ids: the units' content streams name glyphs by those ids, so they stay
valid, and each glyph comes with its components, whichever subsetter made the units (both give
the same program). Workers keep each original file in a store by its digest (``keep``); a face
whose file is not there, or that WeasyPrint changes after subsetting (CFF, bitmap, variable,
colour, or missing glyphs drawn by a substitute), keeps one program per unit: correct, larger.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import fontTools
import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError
from weasyprint.text.fonts import get_hb_object_data

from publisher.cache.store import FORMAT, Store

_kept: set[tuple[str, str]] = set()
"""Font files this process has kept: (store folder, digest)."""


@dataclass(frozen=True, slots=True)
class Font:
    """One font as a unit uses it."""

    name: str
    """The PDF BaseFont: the same for the same face in every unit."""
    widths: dict[int, float]
    """Advance of each glyph used, in thousandths of an em."""
    text: dict[int, str]
    """Text of each glyph used."""
    program: str
    """Digest of the font file the subset was cut from, kept for the merge; "" if its subsets
    cannot be merged (not a static TrueType outline font, or with glyphs not found)."""
    index: int
    """The face's index in that file (a collection holds several)."""


@dataclass(frozen=True, slots=True)
class Use:
    """One unit's font of one face, in the merged PDF."""

    resources: pikepdf.Object
    """The resource dictionary that names it."""
    key: str
    """Its resource name."""
    font: Font
    """Its glyphs."""


def keep(programs: Store, data: bytes) -> str:
    """Keep a font file where the merge finds it; its digest."""
    digest = hashlib.sha256(data).hexdigest()
    # Checked once per build and process (a damaged copy is dropped and written again), and
    # written again whenever the cache has lost it since (evicted by its cap).
    if (str(programs.folder), digest) not in _kept or not programs.has(_program_key(digest)):
        if not available(programs, digest):
            programs.put(_program_key(digest), data)
        _kept.add((str(programs.folder), digest))
    return digest


def forget() -> None:
    """Check the kept font files again in this build: the cache may have lost some since."""
    _kept.clear()


def available(programs: Store, digest: str) -> bool:
    """Whether the font file of ``digest`` is kept whole, as the merge will need it."""
    original = programs.get(_program_key(digest))
    return isinstance(original, bytes) and hashlib.sha256(original).hexdigest() == digest


def used(fonts: Iterable[Any], programs: Store | None) -> dict[str, Font]:
    """The fonts a unit used, by resource name; a face drawn at several sizes shares one."""
    found: dict[str, Font] = {}
    for font in fonts:
        seen = found.get(font.hash)
        program = _program(font, programs)
        if seen is None:
            name = font.name.decode().lstrip("/")
            widths, text = dict(font.widths), dict(font.to_unicode)
            found[font.hash] = Font(name, widths, text, program, font.index)
            continue
        seen.widths.update(font.widths)
        seen.text.update(font.to_unicode)
        if not program:
            found[font.hash] = dataclasses.replace(seen, program="")
    return found


def _program(font: Any, programs: Store | None) -> str:
    """The digest of the file a font was subset from, kept in ``programs``; "" if not mergeable."""
    # WeasyPrint reworks these after subsetting (instances, emptied colour glyphs, a substitute
    # .notdef, whole fonts in forms): a new subset of the file would not match what units drew.
    reworked = "fvar" in font.tables or font.png or font.svg or font.colr or font.used_in_forms
    if programs is None or font.type != "ttf" or font.bitmap or font.missing or reworked:
        return ""
    data = get_hb_object_data(font.hb_face)
    return keep(programs, data) if data else ""


def merge(
    pdf: pikepdf.Pdf, uses: Sequence[Use], programs: Store, store: Store | None = None
) -> None:
    """Make every use of a face point at one font dictionary with one merged program.

    ``programs`` holds the original font files (``keep``); ``store`` keeps merged programs.
    """
    faces: dict[tuple[str, str, str, int], list[Use]] = {}
    for use in uses:
        if use.font.program and use.key in use.resources.Font:
            face = (use.key, use.font.name, use.font.program, use.font.index)
            faces.setdefault(face, []).append(use)
    # A face drawn by one unit is cut again too: fontTools stamps the subsets it makes with the
    # time of the build, which would make a rebuild from the cache differ from a fresh one.
    for group in faces.values():
        _merge_face(pdf, group, programs, store)


def _merge_face(pdf: pikepdf.Pdf, group: list[Use], programs: Store, store: Store | None) -> None:
    widths: dict[int, float] = {}
    text: dict[int, str] = {}
    for use in group:
        widths.update(use.font.widths)
        text.update(use.font.text)
    if not widths:
        return
    data = _subset(group[0].font, widths, programs, store)
    if data is None:
        return
    font = group[0].resources.Font[group[0].key]
    descriptor = font.DescendantFonts[0].FontDescriptor
    stream = pdf.make_stream(data)
    stream.Length1 = len(data)
    descriptor.FontFile2 = stream
    font.DescendantFonts[0].W = _widths(widths)
    bbox = descriptor.FontBBox
    descriptor.FontBBox = pikepdf.Array([0, bbox[1], max(widths.values()), bbox[3]])
    font.ToUnicode = pdf.make_stream(_to_unicode(text))
    for use in group:
        use.resources.Font[use.key] = font


def _program_key(digest: str) -> str:
    return hashlib.sha256(f"{FORMAT}\0font file\0{digest}".encode()).hexdigest()


def _subset(font: Font, gids: Iterable[int], programs: Store, store: Store | None) -> bytes | None:
    """The face's original program cut down to ``gids``, or None if the original is not kept."""
    wanted = sorted(gids)
    fields = f"{FORMAT}\0{fontTools.version}\0subset\0{font.program}\0{font.index}\0{wanted}"
    key = hashlib.sha256(fields.encode()).hexdigest()
    cached = store.get(key) if store is not None else None
    if isinstance(cached, bytes):
        return cached
    original = programs.get(_program_key(font.program))
    if not isinstance(original, bytes) or hashlib.sha256(original).hexdigest() != font.program:
        return None
    # WeasyPrint's own options for its fontTools path, so both paths embed the same tables.
    options = subset.Options(
        retain_gids=True,
        passthrough_tables=True,
        ignore_missing_glyphs=True,
        hinting=False,
        desubroutinize=True,
        notdef_outline=False,
    )
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=wanted)
    try:
        program = TTFont(io.BytesIO(original), fontNumber=font.index, recalcTimestamp=False)
        subsetter.subset(program)
        out = io.BytesIO()
        program.save(out)
    except TTLibError:
        return None
    merged = out.getvalue()
    if store is not None:
        store.put(key, merged)
    return merged


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
