"""A rendered part as EPUB pages: split between elements where it is too long, links resolved.

Reading systems slow down on large content files, so a part longer than ``MAX_XHTML_BYTES`` is
written as several pages, split between its outermost elements first.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from publisher.model import Diagnostic, Document
from publisher.rendering import cover, render

MAX_XHTML_BYTES = 250_000
"""Largest content file written: longer parts are split between elements, outermost first."""

# The page template adds a head and the html/body elements around a part.
_PAGE_OVERHEAD = 2_000


@dataclasses.dataclass(frozen=True, slots=True)
class Laid:
    """A part cut into pages: each page's markup, or its tree while a link in it waits for the
    ids of the whole book; the pages' file stems, and which page holds each id of the part."""

    part: render.Part
    chunks: list[ET.Element | str]
    stems: list[str]
    where: dict[str, str]


def lay(
    part: render.Part, images: cover.Images, names: set[str], problems: list[Diagnostic]
) -> Laid:
    """A part cut into pages small enough for reading systems, its images embedded; written at
    once unless a link points at an id of another part (``names``: every page's file name)."""
    root = ET.fromstring(part.html)
    if part.document is not None:
        images.embed(root, part.document, problems)
    room = MAX_XHTML_BYTES - _PAGE_OVERHEAD
    # Re-serializing never doubles a fragment, so one under half the room needs no measuring.
    chunks = [root] if 2 * len(part.html.encode()) < room else split(root, room)
    stems = [part.name if n == 0 else f"{part.name}_{n + 1}" for n in range(len(chunks))]
    for stem, chunk in zip(stems, chunks, strict=True):
        # The rendering contract: a part's root id is its file stem, continuations included.
        chunk.set("id", stem)
    where = {
        str(el.get("id")): stem
        for stem, chunk in zip(stems, chunks, strict=True)
        for el in chunk.iter()
        if el.get("id")
    }
    if part.document is not None and _foreign(chunks, where):
        return Laid(part, list(chunks), stems, where)
    # Written now, not held as trees: those of a book of thousands took half the EPUB's memory.
    if part.document is not None:
        for stem, chunk in zip(stems, chunks, strict=True):
            _resolve_links(chunk, stem, where, names, part.document, problems)
    return Laid(part, [ET.tostring(c, encoding="unicode") for c in chunks], stems, where)


def _foreign(chunks: Sequence[ET.Element], where: Mapping[str, str]) -> bool:
    """Whether a link points at an id the part does not hold: another part may hold it."""
    for chunk in chunks:
        for link in chunk.iter("a"):
            target, _, fragment = (link.get("href") or "").partition("#")
            if not target and fragment and fragment not in where:
                return True
    return False


def pages(
    laid: Laid, where: Mapping[str, str], names: set[str], problems: list[Diagnostic]
) -> list[render.Part]:
    """A laid-out part as pages, its links pointed at the page that holds their target.

    ``where`` tells which page holds each id of the whole book: a document may link to another.
    """
    part = laid.part
    found = []
    for stem, chunk in zip(laid.stems, laid.chunks, strict=True):
        if isinstance(chunk, str):
            found.append(dataclasses.replace(part, name=stem, html=chunk))
            continue
        if part.document is not None:
            _resolve_links(chunk, stem, where, names, part.document, problems)
        html = ET.tostring(chunk, encoding="unicode")
        found.append(dataclasses.replace(part, name=stem, html=html))
    return found


def _resolve_links(
    chunk: ET.Element,
    stem: str,
    where: Mapping[str, str],
    names: set[str],
    doc: Document,
    problems: list[Diagnostic],
) -> None:
    """Point in-document links at the page that holds their target; unlink what points nowhere."""
    for link in chunk.iter("a"):
        href = link.get("href")
        if href is None:
            continue
        target, _, fragment = href.partition("#")
        if not target and fragment in where:
            if where[fragment] != stem:
                link.set("href", f"{where[fragment]}.xhtml#{fragment}")
        elif not (urlsplit(target).scheme or (target in names and not fragment)):
            message = f"link {href!r} points nowhere inside the EPUB; kept its text"
            problems.append(Diagnostic(doc.path, None, "warning", "link-unresolved", message))
            for attribute in ("href", "hreflang", "rel", "target", "type", "download"):
                link.attrib.pop(attribute, None)


def split(element: ET.Element, room: int, first: int | None = None) -> list[ET.Element]:
    """The element if it fits, else copies of it that share its children in order.

    The first copy fits in ``first`` bytes (default ``room``), the others in ``room``. A child
    that fits no page on its own is split the same way, so a long body breaks between its
    top-level blocks and goes deeper only where one block alone is too long.
    """
    first = room if first is None else first
    if len(element) == 0 or _size(element) <= first:
        return [element]
    overhead = _size(_shell(element))
    fresh = room - overhead
    groups: list[list[ET.Element]] = [[]]
    limit, used = first - overhead, 0
    for child in element:
        size = _size(child)
        whole = used + size <= limit or size <= fresh or len(child) == 0
        for piece in [child] if whole else split(child, fresh, limit - used):
            size = _size(piece)
            # The first copy may stay empty when even the first piece misses the room left.
            if used + size > limit and (groups[-1] or limit < fresh):
                groups.append([])
                limit, used = fresh, 0
            groups[-1].append(piece)
            used += size
    copies: list[ET.Element] = []
    items = 0
    for group in filter(None, groups):
        shell = _shell(element)
        if copies:
            shell.text = None
            shell.attrib.pop("id", None)
            start = element.get("start", "1")
            if shell.tag == "ol" and start.isdigit():
                shell.set("start", str(int(start) + items))
        items += sum(piece.tag == "li" for piece in group)
        shell.extend(group)
        copies.append(shell)
    copies[-1].tail = element.tail
    return copies


def _size(element: ET.Element) -> int:
    # Serializing to str and encoding once is several times faster than ElementTree's byte writer.
    return len(ET.tostring(element, encoding="unicode").encode())


def _shell(element: ET.Element) -> ET.Element:
    """A copy of the element without its children or tail."""
    shell = element.makeelement(element.tag, element.attrib)
    shell.text = element.text
    return shell
