"""Attribute lists (``{#id .class}``) as Hugo, kramdown and Pandoc write them, never printed.

At the end of a heading (``## Title {#custom-id}``), on a line of their own next to a block
(after it, as Hugo and kramdown write them, or before it, as Djot does; ``{.some-class}`` under
a table), and right after an image or a link. The id is carried to the tree in ``ID_ATTR``,
where it becomes the element's anchor; a class stays for the sanitizer's class allowlist; every
other attribute is dropped.

The lists are read leniently, not with mdit-py-plugins' Djot grammar, which refuses kramdown's
``{: .class}`` and Pandoc's ``{width=50%}``: those would be printed.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from publisher.normalizing.tree import ID_ATTR

# One item of a list: #id, .class, or key=value (quoted or bare).
_ITEM = r"""(?:[#.][^\s{}#.="']+|[\w:-]+=(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s{}"']+))"""
_LIST = rf"\{{:?[ \t]*{_ITEM}(?:[ \t]+{_ITEM})*[ \t]*\}}"
_WHOLE = re.compile(_LIST)
_TRAILING = re.compile(rf"(?:^|[ \t]+)({_LIST})[ \t]*$")
_LEADING = re.compile(_LIST)
_LINE = re.compile(rf"[ \t]{{0,3}}({_LIST})[ \t]*")
_NAMED = re.compile(r"""([\w:-]+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))""")


def setup(md: MarkdownIt) -> None:
    """Read attribute lists on headings, on lines of their own, after images and links."""
    # A line of attributes ends a paragraph or a table, which would otherwise take it in.
    md.block.ruler.before(
        "table", "attribute_line", _attribute_line, {"alt": ["paragraph", "blockquote"]}
    )
    md.core.ruler.after("block", "attribute_lists", _attach)
    md.core.ruler.after("inline", "inline_attribute_lists", _attach_inline)


def _parsed(text: str) -> dict[str, str] | None:
    """The id and classes of a whole ``{…}``, or None when it is not an attribute list."""
    if not _WHOLE.fullmatch(text):
        return None
    inside = text[1:-1].lstrip(":")
    found: dict[str, str] = {}
    classes: list[str] = []
    for match in _NAMED.finditer(inside):
        value = next(v for v in match.groups()[1:] if v is not None)
        if match[1] == "id":
            found["id"] = value
        elif match[1] == "class":
            classes += value.split()
    words = _NAMED.sub(" ", inside).split()
    for word in words:
        if word.startswith("#"):
            found["id"] = word[1:]
        elif word.startswith("."):
            classes.append(word[1:])
    if classes:
        found["class"] = " ".join(classes)
    return found


def _attribute_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line holding only an attribute list."""
    del end
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    line = state.src[state.bMarks[start] : state.eMarks[start]]
    match = _LINE.fullmatch(line)
    if not match:
        return False
    if not silent:
        token = state.push("attribute_line", "", 0)
        token.meta = {"attributes": _parsed(match.group(1))}
        token.map = [start, start + 1]
        state.line = start + 1
    return True


def _attach(state: StateCore) -> None:
    """Move heading-end and line attribute lists onto their blocks."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and tokens[index + 1].type == "inline":
            inline = tokens[index + 1]
            match = _TRAILING.search(inline.content)
            attributes = _parsed(match.group(1)) if match else None
            if match and attributes is not None:
                inline.content = inline.content[: match.start()]
                _apply(token, attributes)
        elif token.type == "attribute_line":
            target = _neighbour(tokens, index)
            if target is not None:
                _apply(target, token.meta["attributes"])
    state.tokens = [token for token in tokens if token.type != "attribute_line"]


def _neighbour(tokens: list[Token], index: int) -> Token | None:
    """The block an attribute line belongs to: the one it touches, the one before first."""
    line = tokens[index]
    before = _block_before(tokens, index)
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if after is not None and (after.nesting == -1 or not after.map):
        after = None
    assert line.map is not None
    if before is not None and before.map and before.map[1] == line.map[0]:
        return before
    if after is not None and after.map and after.map[0] == line.map[1]:
        return after
    return before or after


def _block_before(tokens: list[Token], index: int) -> Token | None:
    """The opening token of the block that ends just before index, at the same level."""
    if index == 0:
        return None
    previous = tokens[index - 1]
    if previous.nesting == 1 or previous.type == "attribute_line":
        return None
    if previous.nesting == 0:
        return previous if previous.map else None
    depth = 0
    for position in range(index - 1, -1, -1):
        depth += tokens[position].nesting
        if depth == 0:
            return tokens[position]
    return None


def _attach_inline(state: StateCore) -> None:
    """Move an attribute list written right after an image or a link onto it."""
    for token in state.tokens:
        children = token.children or []
        for index, child in enumerate(children[1:], 1):
            before = children[index - 1]
            if child.type != "text" or before.type not in ("image", "link_close"):
                continue
            match = _LEADING.match(child.content)
            attributes = _parsed(match.group()) if match else None
            if match is None or attributes is None:
                continue
            child.content = child.content[match.end() :]
            target = before if before.type == "image" else _link_open(children, index - 1)
            if target is not None:
                _apply(target, attributes)


def _link_open(children: list[Token], close: int) -> Token | None:
    """The link_open of the link that closes at index close."""
    depth = 0
    for position in range(close, -1, -1):
        depth += children[position].nesting
        if depth == 0:
            return children[position]
    return None


def _apply(token: Token, attributes: dict[str, str]) -> None:
    """Keep the id (in ID_ATTR, which the sanitizer lets through) and classes of a list."""
    if "id" in attributes:
        token.attrSet(ID_ATTR, attributes["id"])
    if "class" in attributes:
        token.attrJoin("class", attributes["class"])
