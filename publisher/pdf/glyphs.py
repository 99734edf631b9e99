"""Characters the bundled fonts lack, written for print with the plain ones they stand for.

The theme's fonts (Liberation, in ``styles/fonts``) lack a few characters that have a plain
equivalent they do have: "C-130J" written with a non-breaking hyphen (U+2011) took its hyphen
from whatever system font had one, in another design, or printed an empty box where none had.
For print the character is replaced by its equivalent, with a word joiner (drawn as nothing)
where the original forbade a line break. The EPUB keeps the text as written: it carries none of
these fonts, and reading systems take the character from the reader's own fonts, which have it;
screen readers and search still see the character the author wrote.
"""

from __future__ import annotations

import re

_WORD_JOINER = "\u2060"

EQUIVALENTS = {
    "\u2011": "\u2010" + _WORD_JOINER,  # non-breaking hyphen: a hyphen no break may follow
    "\u2027": "\u00b7",  # hyphenation point: a middle dot
    "\u2047": "??",  # double question mark
    "\u2048": "?!",  # question exclamation mark
    "\u2049": "!?",  # exclamation question mark
}
"""Each character the bundled fonts lack, and what is printed for it."""

_MISSING = re.compile(f"[{''.join(EQUIVALENTS)}]")
_MARKUP = re.compile(r"(<[^>]*>)")


def plain(text: str) -> str:
    """Text with the characters the bundled fonts lack replaced by their equivalents."""
    return _MISSING.sub(lambda match: EQUIVALENTS[match[0]], text)


def plain_markup(xhtml: str) -> str:
    """An XHTML fragment with ``plain`` text; tags and attribute values (URLs) are kept."""
    if not _MISSING.search(xhtml):
        return xhtml
    return "".join(
        piece if piece.startswith("<") else plain(piece) for piece in _MARKUP.split(xhtml)
    )
