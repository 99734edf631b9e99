"""Code blocks: highlighted by Pygments with CSS classes, and one element per source line.

Both outputs get the same markup and colour it with the theme's classes (``base.css``). Each
line of a block is a ``<span class="line">`` (its newline inside it), so that print can lay
lines out as blocks and mark the ones that wrap; reading systems see the same text as before.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
"""The classes Pygments marks tokens with: the sanitizer lets them through on ``<span>``."""
LINE = "line"
"""The class of the element that holds one source line."""
MAX_CHARACTERS = 200_000
"""Longest block highlighted: some lexers' patterns take quadratic time on pathological text."""

_FORMATTER = HtmlFormatter(nowrap=True)
_CODE = frozenset({"pre", "code"})
_COPY = "data-copy-of"
"""Marks, while a block is rebuilt, which element an element of a line is a copy of."""


def highlight(content: str, lang: str, _attrs: str) -> str:
    """A fenced block's content as HTML with token classes; "" (plain text) for an unknown lang."""
    lexer = _lexer(lang.split()[0] if lang.strip() else "")
    if lexer is None or len(content) > MAX_CHARACTERS:
        return ""
    html: str = pygments_highlight(content, lexer, _FORMATTER)
    return html


def _lexer(name: str) -> Lexer | None:
    """Pygments' lexer for a fence's language name, or None."""
    if not name:
        return None
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def split_lines(root: Element) -> None:
    """Put each line of every code block in a ``<span class="line">``; drop token classes that
    are not inside code (only code is highlighted)."""
    in_code = {inner for outer in root.iter() if outer.tag in _CODE for inner in outer.iter()}
    for element in root.iter("span"):
        # nh3 leaves class="" where it removed every class.
        if element.get("class") == "" or (
            element not in in_code and element.get("class") in CLASSES
        ):
            del element.attrib["class"]
    for pre in list(root.iter("pre")):
        _split(pre[0] if len(pre) == 1 and pre[0].tag == "code" and _bare(pre) else pre)


def _bare(pre: Element) -> bool:
    """Whether a ``<pre>`` holds nothing but its ``<code>`` (and white space around it)."""
    return not (pre.text or "").strip() and not (pre[0].tail or "").strip()


def _split(container: Element) -> None:
    """Rebuild a block's content as line elements, copying the inline elements a line is in."""
    pieces: list[tuple[tuple[Element, ...], str | Element]] = []
    _flatten(container, (), pieces)
    lines: list[Element] = [Element("span", {"class": LINE})]
    for path, piece in pieces:
        if isinstance(piece, Element):
            _append(lines[-1], path, piece)
            continue
        for number, part in enumerate(piece.split("\n")):
            if number:
                _append_text(lines[-1], path, "\n")
                lines.append(Element("span", {"class": LINE}))
            if part:
                _append_text(lines[-1], path, part)
    if not len(lines[-1]) and not lines[-1].text:
        lines.pop()
    for line in lines:
        for element in line.iter():
            element.attrib.pop(_COPY, None)
    attributes, tail = dict(container.attrib), container.tail
    container.clear()
    container.attrib.update(attributes)
    container.extend(lines)
    container.tail = tail


def _flatten(
    element: Element,
    path: tuple[Element, ...],
    pieces: list[tuple[tuple[Element, ...], str | Element]],
) -> None:
    """The text and empty elements inside ``element``, each with the elements it is inside."""
    if element.text:
        pieces.append((path, element.text))
    for child in element:
        if len(child) or child.text:
            _flatten(child, (*path, child), pieces)
        else:
            pieces.append((path, child))
        if child.tail:
            pieces.append((path, child.tail))


def _open(line: Element, path: tuple[Element, ...]) -> Element:
    """The element of the line that a piece inside ``path`` goes in, opened where needed."""
    parent = line
    for original in path:
        last = parent[-1] if len(parent) else None
        if last is not None and last.get(_COPY) == str(id(original)) and not last.tail:
            parent = last
            continue
        copy = Element(original.tag, dict(original.attrib))
        copy.set(_COPY, str(id(original)))
        parent.append(copy)
        parent = copy
    return parent


def _append_text(line: Element, path: tuple[Element, ...], text: str) -> None:
    """Add text at the end of a line, inside copies of the elements it was in."""
    parent = _open(line, path)
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _append(line: Element, path: tuple[Element, ...], element: Element) -> None:
    """Add an empty element (a break, an image) at the end of a line."""
    copy = Element(element.tag, dict(element.attrib))
    _open(line, path).append(copy)
