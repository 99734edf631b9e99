"""Long flowing parts (the contents, the sources) laid out in chunks, and again from a chunk on.

The contents and the sources list every document: adding one changes them, yet only at the end.
Such a part is a run of blocks (its children, a list standing for its items), and its pages are
written as chunks of a few pages that each open with a block. A later build compares the blocks
with those of the last layout and lays the part out again only from the last chunk before the
first change: a copy of the part without the blocks before that chunk, which starts on a new
page. The chunks do not depend on where the layout started (a chunk ends at the first page
opened by a block ``CHUNK`` pages or more after its start), so the same input gives the same
chunks, and the same PDF, whatever the cache held.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = frozenset({"toc", "sources"})
"""Kinds of parts laid out as flows, when a unit is one such part."""
CHUNK = 3
"""Fewest pages in a chunk (but the last)."""
STEADY = 2
"""Blocks from a page's first on that must be unchanged for the break before it to hold: a
heading that avoids a break after it goes with the block after it."""
MARKER = "publisher-resume"
"""Id given to the block a layout resumes from."""

_LISTS = frozenset({"ol", "ul"})


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a flow's new layout starts: after some chunks of the last one."""

    kept: int
    """Chunks of the last layout kept."""
    block: int
    """The block the new layout starts from."""


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def blocks(root: ET.Element) -> list[Any]:
    """The blocks of a part: its children, each list standing for its items."""
    found: list[Any] = []
    for child in root:
        if _local(child.tag) in _LISTS:
            found.extend(child)
        else:
            found.append(child)
    return found


def digests(html: str) -> tuple[str, ...]:
    """A digest of each block of a part, with the start tags of the elements holding it."""
    root = ET.fromstring(html)
    found = []
    for child in root:
        inside = _local(child.tag) in _LISTS
        holders = f"{_start(root)}\0{_start(child) if inside else ''}"
        for block in child if inside else (child,):
            text = f"{holders}\0{ET.tostring(block, encoding='unicode')}"
            found.append(hashlib.sha256(text.encode()).hexdigest())
    return tuple(found)


def _start(element: ET.Element) -> str:
    return f"{element.tag}{sorted(element.attrib.items())}"


def tail(html: str, block: int) -> tuple[str, str]:
    """The part without its blocks from the second to the one before ``block``, and the id of
    ``block``, where its layout starts.

    The first block (the part's heading) stays for what it sets (running heads); ``block``
    starts a new page, with its top margin dropped as at any page break that flows.
    """
    root = ET.fromstring(html)
    number, opened = 0, ""
    for child in list(root):
        inside = _local(child.tag) in _LISTS
        removed = 0
        for item in list(child) if inside else [child]:
            if 0 < number < block:
                (child if inside else root).remove(item)
                removed += 1
            elif number == block:
                opened = _open(item)
            number += 1
        if inside and removed and len(child) == 0:
            root.remove(child)
        elif inside and removed:
            # Items count on from those left out (WeasyPrint reads no ``start`` attribute).
            style = child.get("style", "")
            child.set("style", f"{style}; counter-reset: list-item {removed}".lstrip("; "))
    return ET.tostring(root, encoding="unicode", method="html"), opened


def _open(element: Any) -> str:
    style = element.get("style", "")
    element.set("style", f"{style}; break-before: page; margin-break: discard".lstrip("; "))
    element.set("id", element.get("id") or MARKER)
    return str(element.get("id"))


def openings(root: ET.Element, pages: Sequence[Any], shift: int) -> list[int | None]:
    """For each laid-out page, the block it opens with (none of it on the page before), or None.

    Blocks are counted in the whole part: those after the heading are ``shift`` further on.
    """
    index = {id(block): number for number, block in enumerate(blocks(root))}
    found: list[int | None] = []
    before = -1
    for page in pages:
        boxes = page._page_box.descendants()
        shown = {index[id(box.element)] for box in boxes if id(box.element) in index}
        first = min(shown, default=-1)
        found.append(None if first <= before else first + shift if first else 0)
        before = max(shown, default=before)
    return found


def chunks(opens: Sequence[int | None]) -> list[tuple[int, int]]:
    """A layout's pages as chunks, (start, stop). A layout starts at a chunk, so where the part
    was laid out from does not move the chunks after it."""
    bounds = [0]
    for number, block in enumerate(opens):
        if number - bounds[-1] >= CHUNK and block is not None:
            bounds.append(number)
    return list(zip(bounds, [*bounds[1:], len(opens)], strict=True))


def resume(last: Sequence[int | None], old: Sequence[str], new: Sequence[str]) -> Resume | None:
    """Where to lay a flow out again: from the last chunk that nothing changed could move.

    ``last`` has the block opening each chunk of the last layout, whose blocks' digests were
    ``old``; ``new`` are the digests now.
    """
    same = (n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    changed = next(same, min(len(old), len(new)))
    found = None
    for kept, block in enumerate(last):
        if kept and block is not None and block + STEADY <= changed:
            found = Resume(kept, block)
    return found


@dataclass(frozen=True, slots=True)
class Flow:
    """A unit that is one flowing part, and how to make the HTML of a layout of part of it."""

    name: str
    """The part's name, the id of its root element."""
    html: str
    """The part's fragment."""
    page: Callable[[str], str]
    """The unit's HTML document with a fragment in the part's place."""
