"""Long flowing units laid out in chunks, and again only from the chunk where they changed.

Two kinds of unit flow on from page to page: a long part (the contents, the sources), whose
blocks are its children (a list standing for its items), and a run of documents that follow each
other without page breaks (the brief), whose blocks are the documents. Adding a document changes
such a unit, often only at its end. Its pages are written as chunks of a few pages, each opened
by a block; a later build compares the blocks with those of the last layout and lays the unit
out again only from the last chunk before the first change, from a copy of the unit that leaves
out the blocks before that chunk and starts it on a new page (a part keeps its heading, on the
page before, for the running heads). The chunks do not depend on where a layout started (a chunk
ends at the first page opened by a block ``CHUNK`` pages or more after its start), so the same
input gives the same chunks, and the same PDF, whatever the cache held.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = frozenset({"toc", "sources"})
"""Kinds of parts whose children make a flow (the contents and the at-a-glance table are both
of kind ``toc``)."""
CHUNK = 3
"""Fewest pages in a chunk (but the last)."""
STEADY = 2
"""Blocks from a page's first on that must be unchanged for the break before it to hold: a
heading that avoids a break after it goes with the block after it."""
MARKER = "publisher-resume"
"""Id given to the block a layout resumes from."""

_LISTS = frozenset({"ol", "ul"})
_BREAK = "break-before: page; margin-break: discard"
_START_TAG = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<[\w:.-]+(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?>)", re.S
)
_STYLE = re.compile(r"""(\sstyle=)(["'])(.*?)\2""", re.S)


@dataclass(frozen=True, slots=True)
class Counted:
    """Which elements are the blocks of a flowing unit, as a worker finds them in its HTML."""

    ids: tuple[str, ...]
    """The parts of a run (each one a block), or of a long part and what follows it."""
    children: bool
    """Whether the blocks are the children of the first part (the parts after it belong to its
    last block: the colophon that follows the sources in the brief)."""
    first: int = 0
    """Number of the first block laid out; those before it are left out (but a part's heading)."""

    def number(self, local: int) -> int:
        """The number in the whole unit of a block found in the HTML."""
        if self.children and (local == 0 or self.first == 0):
            return local
        return local + self.first - (1 if self.children else 0)


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a flow's new layout starts: after some chunks of the last one."""

    kept: int
    """Chunks of the last layout kept."""
    block: int
    """The block the new layout starts from."""


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


@dataclass(frozen=True, slots=True)
class _Group:
    """Blocks that share a holder: a list's items, a table's rows, or one child of the part."""

    holder: Any
    """The element they are children of."""
    members: list[Any]
    """The blocks."""
    signature: str
    """What else of the holders shapes them: their start tags, a table's header."""
    parent: Any = None
    """The holder's parent, when the holder goes once it holds nothing."""


def _groups(root: ET.Element) -> list[_Group]:
    groups = []
    for child in root:
        tag = _local(child.tag)
        if tag in _LISTS:
            groups.append(_Group(child, list(child), _start(child), root))
        elif tag == "table":
            # Rows are blocks; the header, captions and columns go with every one of them.
            rest = [c for c in child if _local(c.tag) not in ("tbody", "tr")]
            shape = _start(child) + "".join(ET.tostring(c, encoding="unicode") for c in rest)
            bodies = [c for c in child if _local(c.tag) == "tbody"]
            for body in bodies:
                groups.append(_Group(body, list(body), shape + _start(body), child))
            rows = [c for c in child if _local(c.tag) == "tr"]
            if rows:
                groups.append(_Group(child, rows, shape, root if not bodies else None))
        else:
            groups.append(_Group(root, [child], ""))
    return groups


def blocks(root: ET.Element) -> list[Any]:
    """The blocks of a part: its children, a list standing for its items, a table its rows."""
    return [member for group in _groups(root) for member in group.members]


def digests(html: str, after: Sequence[str] = ()) -> tuple[str, ...] | None:
    """A digest of each block of a part, with what of the elements holding it shapes it; the
    parts ``after`` it count with its last block.

    None if the part is not XML that serializes back to the same HTML (a theme's template may
    write HTML, or inline SVG): such a part is laid out whole every time.
    """
    try:
        root = ET.fromstring(html)
    except ET.ParseError:
        return None
    if any("}" in str(element.tag) for element in root.iter()):
        return None
    found = []
    for group in _groups(root):
        for block in group.members:
            text = f"{_start(root)}\0{group.signature}\0{ET.tostring(block, encoding='unicode')}"
            found.append(hashlib.sha256(text.encode()).hexdigest())
    if after and found:
        found[-1] = hashlib.sha256("\0".join((found[-1], *after)).encode()).hexdigest()
    return tuple(found)


def _start(element: ET.Element) -> str:
    return f"{element.tag}{sorted(element.attrib.items())}"


def tail(html: str, block: int, stop: int | None = None) -> tuple[str, str]:
    """The part without its blocks from the second to the one before ``block`` (and from
    ``stop`` on), and the id of ``block``, where its layout starts.

    The first block (the part's heading) stays for what it sets (running heads); ``block``, if
    not the first, starts a new page, with its top margin dropped as at any page break that flows.
    """
    root = ET.fromstring(html)
    number, opened = 0, str(root.get("id", ""))
    for group in _groups(root):
        before, removed = 0, False
        for member in group.members:
            if 0 < number < block or (stop is not None and number >= stop > 0):
                group.holder.remove(member)
                before, removed = before + (number < block), True
            elif number == block and block:
                # WeasyPrint breaks before no table row but between two: a row left first in
                # its table breaks before the table.
                holder = group.holder
                table = holder if _local(holder.tag) == "table" else group.parent
                opened = _open(member, table if _local(member.tag) == "tr" else member)
            number += 1
        if not removed or group.holder is root:
            continue
        if _local(group.holder.tag) in _LISTS and len(group.holder):
            if before:
                # Items count on from those left out (WeasyPrint reads no ``start`` attribute).
                style = group.holder.get("style", "")
                reset = f"counter-reset: list-item {before}"
                group.holder.set("style", f"{style}; {reset}".lstrip("; "))
        elif len(group.holder) == 0 and group.parent is not None:
            group.parent.remove(group.holder)
            table = group.parent
            if table is not root and not any(_local(c.tag) in ("tbody", "tr") for c in table):
                root.remove(table)
    return ET.tostring(root, encoding="unicode", method="html"), opened


def _open(element: Any, breaking: Any) -> str:
    """Start a page with ``breaking``, and name ``element``, the block a layout starts from."""
    style = breaking.get("style", "")
    breaking.set("style", f"{style}; {_BREAK}".lstrip("; "))
    element.set("id", element.get("id") or MARKER)
    return str(element.get("id"))


def opened(html: str) -> str:
    """A part that starts a new page, its top margin dropped as at a page break that flows."""
    match = _START_TAG.match(html)
    if match is None:
        raise ValueError("a part must be one element")
    tag = match[0]
    style = _STYLE.search(tag)
    if style is not None:
        tag = f"{tag[: style.end(3)]}; {_BREAK}{tag[style.end(3) :]}"
    else:
        tag = f'{tag[: match.start(1)]} style="{_BREAK}"{match[1]}'
    return tag + html[match.end() :]


def run_digests(parts: Sequence[str]) -> tuple[str, ...]:
    """A digest of each part of a run."""
    return tuple(hashlib.sha256(html.encode()).hexdigest() for html in parts)


def openings(root: ET.Element, counted: Counted, pages: Sequence[Any]) -> list[int | None]:
    """For each laid-out page, the block it opens with (none of it on the page before), or None.

    Every box counts for the block it lies in (a footnote carried over to the next page too).
    """
    holders = {str(e.get("id")): e for e in root.iter() if e.get("id") in counted.ids}
    parts = [holders[name] for name in counted.ids if name in holders]
    found_blocks = blocks(parts[0]) if counted.children else parts
    owner = {
        id(element): counted.number(local)
        for local, block in enumerate(found_blocks)
        for element in block.iter()
    }
    if counted.children:
        last = counted.number(len(found_blocks) - 1)
        owner.update((id(element), last) for part in parts[1:] for element in part.iter())
    found: list[int | None] = []
    before = -1
    for page in pages:
        boxes = page._page_box.descendants()
        shown = {owner[id(box.element)] for box in boxes if id(box.element) in owner}
        first = min(shown, default=-1)
        found.append(None if first <= before else first)
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
    differing = (n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    changed = next(differing, min(len(old), len(new)))
    found = None
    for kept, block in enumerate(last):
        if kept and block is not None and block + STEADY <= changed:
            found = Resume(kept, block)
    return found


@dataclass(frozen=True, slots=True)
class Flow:
    """A flowing unit, as the runner lays it out a window at a time, or again from a block on."""

    name: str
    """Name of the unit's first part."""
    context: str
    """What else its pages depend on: the HTML around its blocks, the style sheet beyond theirs."""
    blocks: Callable[[dict[str, int] | None], tuple[str, ...] | None]
    """The blocks' digests, given the page numbers its links print (None: it never resumes)."""
    window: Callable[[dict[str, int] | None, int, int | None], tuple[str, str, Counted]]
    """The HTML document that lays the unit out from a block on (to the one before another, or
    to its end: None), given the page numbers its links print; its first id, and its blocks."""
