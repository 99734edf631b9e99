"""XHTML element trees: HTML's void and inline elements, splicing children, text, source
lines, and serializing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from xml.etree.ElementTree import Element

Replacement = Element | tuple[str, list[Element]]
"""What `splice` puts in place of a child: an element, or text and elements (the tail stays)."""

LINE_ATTR = "data-publisher-line"
"""Carries the source line of a block from the Markdown renderer through nh3 to the tree passes."""

REF_ATTR = "data-publisher-ref"
"""Marks a link to another document with the path it names, for the assembling stage to point
at the document where the compilation holds it."""

ID_ATTR = "data-publisher-id"
"""Carries the id an attribute list gives an element through nh3, which drops ids, to the pass
that makes anchors."""

# fmt: off
VOID = frozenset({
    "br", "hr", "img", "col", "area", "base", "embed", "input", "link", "meta", "param", "source",
    "track", "wbr",
})
INLINE = frozenset({
    "em", "strong", "b", "i", "u", "s", "del", "ins", "sup", "sub", "small", "mark", "q",
    "cite", "abbr", "code", "kbd", "span", "a",
})
# fmt: on


def splice(parent: Element, decide: Callable[[Element], Replacement]) -> None:
    """Replace each child of parent by what decide returns, keeping text and tails in place."""
    children = list(parent)
    if not children:
        return
    new: list[Element] = []
    head = parent.text or ""

    def add(text: str) -> None:
        nonlocal head
        if new:
            new[-1].tail = (new[-1].tail or "") + text
        else:
            head += text

    for child in children:
        replacement = decide(child)
        if isinstance(replacement, Element):
            new.append(replacement)
            continue
        text, elements = replacement
        add(text)
        new.extend(elements)
        add(child.tail or "")
    parent[:] = new
    parent.text = head or None


def unwrap(element: Element) -> Replacement:
    """The content of an element without the element."""
    return element.text or "", list(element)


def remove(_: Element) -> Replacement:
    """Nothing in place of the element (its tail stays)."""
    return "", []


def bottom_up(root: Element) -> Iterable[Element]:
    """Every element, descendants before ancestors, so a splice sees finished children."""
    return reversed(list(root.iter()))


def text_of(element: Element) -> str:
    """The text inside an element, without note calls; breaks and blocks as single spaces."""
    parts: list[str] = []
    _gather(element, parts)
    return " ".join("".join(parts).split())


def _gather(element: Element, parts: list[str]) -> None:
    """Append the text of an element for text_of."""
    parts.append(element.text or "")
    for child in element:
        gap = "" if child.tag in INLINE else " "
        parts.append(gap)
        if child.get("role") != "doc-noteref":
            _gather(child, parts)
        parts.append(gap + (child.tail or ""))


def line_map(root: Element) -> dict[Element, int]:
    """The source line of every element: that of the nearest marked block at or before it."""
    lines: dict[Element, int] = {}
    line: int | None = None
    for element in root.iter():
        mark = element.get(LINE_ATTR, "")
        if mark.isdigit():
            line = int(mark)
        if line is not None:
            lines[element] = line
    return lines


def to_xhtml(root: Element) -> str:
    """Serialize the content of root as XML: every element closed, only & < > " escaped."""
    out: list[str] = []
    _write_content(root, out)
    return "".join(out).strip()


def _write_content(element: Element, out: list[str]) -> None:
    """Append the XML of an element's text and children (not of the element itself)."""
    if element.text:
        out.append(_escape(element.text))
    for child in element:
        tag = str(child.tag)
        attrs = "".join(f' {name}="{_escape(value, True)}"' for name, value in child.attrib.items())
        if tag in VOID:
            out.append(f"<{tag}{attrs}/>")
        else:
            out.append(f"<{tag}{attrs}>")
            _write_content(child, out)
            out.append(f"</{tag}>")
        if child.tail:
            out.append(_escape(child.tail))


def _escape(text: str, attribute: bool = False) -> str:
    """Escape for XML text, or for a double-quoted attribute with white space as spaces."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", " ").replace("\t", " ").replace("\r", " ")
    return text
