"""Sanitized tree → the same content nested as XHTML allows: no block inside a paragraph or inline.

An HTML5 parser closes an open paragraph at a block start, but keeps a block inside ``<u>``,
``<span>``, a heading or ``<pre>``, and list items outside a list, all of which EPUBCheck
rejects. Each such element is split around the block, as a parser splits a paragraph.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from publisher.normalizing.tree import INLINE, Replacement, bottom_up, splice

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose content model is phrasing content only.
PHRASING_ONLY = INLINE | _HEADINGS | {"p", "pre"}
# Every allowlisted element that is not phrasing content.
# fmt: off
BLOCKS = _HEADINGS | {
    "p", "hr", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "section",
    "aside",
}
# fmt: on
# A list's items, and the element its other content is wrapped in.
_LISTS = {
    "ul": (frozenset({"li"}), "li"),
    "ol": (frozenset({"li"}), "li"),
    "dl": (frozenset({"dt", "dd"}), "dd"),
}
# Items met outside their list, and the element that gathers them.
_ORPHANS = {
    "ul": frozenset({"li"}),
    "dl": frozenset({"dt", "dd"}),
    "figure": frozenset({"figcaption"}),
}


def repair(root: Element) -> None:
    """Move every block out of the phrasing elements that hold it; put list items in lists."""
    for parent in bottom_up(root):
        splice(parent, _split)
        if parent.tag == "dt":
            # A term may hold no heading: it keeps its words, set in bold.
            for child in parent:
                if child.tag in _HEADINGS:
                    child.tag = "strong"
        if parent.tag in _LISTS:
            items, wrapper = _LISTS[parent.tag]
            _group(parent, items, wrapper, in_list=True)
        for holder, orphans in _ORPHANS.items():
            if parent.tag != holder and not (parent.tag in _LISTS and holder == "ul"):
                _group(parent, orphans, holder, in_list=False)


def _split(element: Element) -> Replacement:
    """A phrasing element with blocks in it as pieces of itself between those blocks."""
    if element.tag not in PHRASING_ONLY or not any(child.tag in BLOCKS for child in element):
        return element
    pieces = [_shell(element, element.get("id"), element.text)]
    for child in list(element):
        if child.tag not in BLOCKS:
            pieces[-1].append(child)
            continue
        tail, child.tail = child.tail, None
        if element.tag in INLINE and child.tag in PHRASING_ONLY:
            # The formatting goes on inside the block, as an HTML5 parser reconstructs it.
            inner = _shell(element, None, child.text)
            inner.extend(list(child))
            child[:] = [inner]
            child.text = None
        pieces += [child, _shell(element, None, tail)]
    kept = [p for p in pieces if p.tag in BLOCKS or p.get("id") or _has_content(p)]
    return "", kept


def _shell(element: Element, element_id: str | None, text: str | None) -> Element:
    """An empty copy of element with the given id (or none) and text."""
    attributes = {k: v for k, v in element.attrib.items() if k != "id"}
    if element_id:
        attributes["id"] = element_id
    shell = element.makeelement(element.tag, attributes)
    shell.text = text
    return shell


def _has_content(element: Element) -> bool:
    return len(element) > 0 or bool((element.text or "").strip())


def _group(parent: Element, items: frozenset[str], tag: str, *, in_list: bool) -> None:
    """Wrap each run of children in a new element of that tag.

    In a list, the runs are what is not an item, loose text included (text may not stand in a
    list); elsewhere, the runs are items without their list, and text after one ends its run.
    """

    def wrapped(child: Element) -> bool:
        return (child.tag not in items) if in_list else (child.tag in items)

    if not any(wrapped(child) for child in parent) and not (in_list and _loose_text(parent)):
        return
    new: list[Element] = []
    run: Element | None = None
    head = parent.text
    if in_list and head and head.strip():
        run = parent.makeelement(tag, {})
        run.text, head = head, None
        new.append(run)
    for child in list(parent):
        if not wrapped(child):
            run = None
            new.append(child)
            if in_list and child.tail and child.tail.strip():
                run = parent.makeelement(tag, {})
                run.text, child.tail = child.tail, None
                new.append(run)
            continue
        if run is None:
            run = parent.makeelement(tag, {})
            new.append(run)
        run.append(child)
        if not in_list and child.tail and child.tail.strip():
            run.tail, child.tail = child.tail, None
            run = None
    parent[:] = new
    parent.text = head


def _loose_text(parent: Element) -> bool:
    """Whether parent holds text outside its children."""
    texts = [parent.text, *(child.tail for child in parent)]
    return any(text and text.strip() for text in texts)
