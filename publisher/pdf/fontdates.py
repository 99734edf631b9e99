"""Embedded fonts dated by the font itself, not by when a part was laid out.

Without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools, which stamps each subset's
``head.modified`` with SOURCE_DATE_EPOCH or the clock. A part laid out earlier and cached would
carry another date than the same part laid out now, and the merged PDF would differ by it.
Every embedded OpenType program gets its own creation date (which subsetting keeps) instead.
"""

from __future__ import annotations

import struct

import pikepdf

_SFNT = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_HEAD_SIZE = 54
# The whole font's checksum plus head.checkSumAdjustment is this (OpenType, "head" table).
_MAGIC = 0xB1B0AFBA


def settle(pdf: pikepdf.Pdf) -> None:
    """Give every embedded TrueType or OpenType program its creation date as modification date."""
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        for key in ("/FontFile2", "/FontFile3"):
            stream = obj.get(key)
            if isinstance(stream, pikepdf.Stream):
                data = stream.read_bytes()
                settled = _settled(data)
                if settled != data:
                    stream.write(settled)


def _settled(font: bytes) -> bytes:
    """The font with ``head.modified`` = ``head.created`` and its checksums right again."""
    if font[:4] not in _SFNT or len(font) < 12:
        return font
    (count,) = struct.unpack_from(">H", font, 4)
    for entry in range(12, min(12 + 16 * count, len(font) - 15), 16):
        tag, _, offset, length = struct.unpack_from(">4sLLL", font, entry)
        if tag == b"head":
            break
    else:
        return font
    if length < _HEAD_SIZE or offset + _HEAD_SIZE > len(font):
        return font
    created = font[offset + 20 : offset + 28]
    if font[offset + 28 : offset + 36] == created:
        return font
    out = bytearray(font)
    out[offset + 28 : offset + 36] = created
    # Both checksums are taken with checkSumAdjustment at zero.
    out[offset + 8 : offset + 12] = bytes(4)
    struct.pack_into(">L", out, entry + 4, _checksum(out[offset : offset + length]))
    struct.pack_into(">L", out, offset + 8, (_MAGIC - _checksum(out)) & 0xFFFFFFFF)
    return bytes(out)


def _checksum(data: bytes | bytearray) -> int:
    """The OpenType checksum: the sum of big-endian 32-bit words, the last one zero-padded."""
    padded = bytes(data) + bytes(-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}L", padded)
    return sum(words) & 0xFFFFFFFF
