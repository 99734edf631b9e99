"""The system fonts a layout can see, as a digest that the PDF cache keys include.

A document in a script the theme's fonts lack is laid out in whatever system font fontconfig
offers for it, so installing one (as the README advises for CJK) must make cached layouts miss.
The list comes from the fontconfig state that Pango lays out with, through WeasyPrint's own
bindings: no program to run, no font to read, one ``stat`` per font file (a few milliseconds for
thousands of fonts), and a font replaced in place changes its size or time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from weasyprint.text.ffi import ffi, fontconfig


def digest() -> str:
    """A digest of the path, size and modification time of every font fontconfig offers."""
    fonts = fontconfig.FcConfigGetFonts(ffi.NULL, fontconfig.FcSetSystem)
    paths: set[bytes] = set()
    found = ffi.new("FcChar8 **")
    for index in range(fonts.nfont if fonts != ffi.NULL else 0):
        if fontconfig.FcPatternGetString(fonts.fonts[index], b"file", 0, found) == 0:
            paths.add(ffi.string(found[0]))
    result = hashlib.sha256()
    for path in sorted(paths):
        try:
            info = Path(os.fsdecode(path)).stat()
            result.update(b"%s\0%d\0%d\0" % (path, info.st_size, info.st_mtime_ns))
        except OSError:
            result.update(b"%s\0missing\0" % path)
    return result.hexdigest()
