"""Line breaks inside paragraphs, as CSS Text 3 says a reader should see them.

A line break in a source paragraph (a "segment break") reads as a space between words, except
between two Chinese or Japanese characters, where it reads as nothing: CJK text has no spaces
between words or sentences. CSS Text 3 (4.1.3, segment break transformation rules) says so, and
Firefox applies it, but WeasyPrint and most reading systems turn every break into a space. So the
breaks it removes are removed here, in the text both outputs get. Code keeps its lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from publisher.normalizing.tree import INLINE

# White space around a segment break collapses with it (CSS Text 3, 4.1.1 phase I).
_BREAK = re.compile(r"[ \t]*\n[ \t\n]*")
_WIDE = frozenset({"F", "W", "H"})
# Korean is written with spaces between words, so a break between two Hangul characters stays.
_HANGUL = (
    (0x1100, 0x11FF),
    (0x3130, 0x318F),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xFFA0, 0xFFDC),
)
# Scripts written without spaces, whose ambiguous-width punctuation joins too (the third rule).
_NO_SPACES = frozenset({"ja", "zh", "yue", "ii"})
_CODE = frozenset({"pre", "code", "kbd", "samp"})


@dataclass(slots=True)
class _Slot:
    """One text or tail of an element, in reading order."""

    element: Element
    name: str
    text: str


def join_lines(root: Element, lang: str) -> None:
    """Remove the line breaks between CJK characters outside code; other breaks stay."""
    joins = lang.replace("_", "-").split("-")[0].lower() in _NO_SPACES
    for run in _runs(root):
        _join(run, joins)


def _runs(root: Element) -> Iterator[list[_Slot]]:
    """Runs of text that lay out as one line of text: blocks, breaks, images and code end one."""
    run: list[_Slot] = []

    def walk(element: Element) -> Iterator[list[_Slot]]:
        nonlocal run
        if element.text:
            run.append(_Slot(element, "text", element.text))
        for child in element:
            inline = child.tag in INLINE and child.tag not in _CODE
            if not inline:
                yield run
                run = []
            if child.tag not in _CODE:
                yield from walk(child)
            if not inline:
                yield run
                run = []
            if child.tail:
                run.append(_Slot(child, "tail", child.tail))

    yield from walk(root)
    yield run


def _join(run: list[_Slot], joins: bool) -> None:
    """Remove the removable breaks of one run, in the slots they fall in."""
    if not any("\n" in slot.text for slot in run):
        return
    text = "".join(slot.text for slot in run)
    cut = bytearray(len(text))
    for match in _BREAK.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _removed(before, after, joins):
            cut[match.start() : match.end()] = b"\1" * (match.end() - match.start())
    start = 0
    for slot in run:
        end = start + len(slot.text)
        kept = "".join(ch for ch, gone in zip(slot.text, cut[start:end], strict=True) if not gone)
        if kept != slot.text:
            setattr(slot.element, slot.name, kept or None)
        start = end


def _removed(before: str, after: str, joins: bool) -> bool:
    """Whether a segment break between two characters is removed (CSS Text 3, 4.1.3)."""
    if not before or not after:
        return False
    if "\u200b" in (before, after):
        return True
    if _wide(before) and _wide(after):
        return True
    return joins and (
        (_ambiguous_mark(before) and _wide(after)) or (_wide(before) and _ambiguous_mark(after))
    )


def _wide(char: str) -> bool:
    """Fullwidth, Wide or Halfwidth, and not Hangul."""
    code = ord(char)
    if any(low <= code <= high for low, high in _HANGUL):
        return False
    return unicodedata.east_asian_width(char) in _WIDE


def _ambiguous_mark(char: str) -> bool:
    """Punctuation or a symbol of ambiguous width, such as “ or …."""
    category = unicodedata.category(char)[0]
    return category in "PS" and unicodedata.east_asian_width(char) == "A"
