"""Template tags in a body → Markdown, before markdown-it reads it: Hugo's shortcodes and
Jekyll's Liquid tags.

Hugo's ``{{< name args >}}`` and ``{{% name args %}}``, paired with ``{{< /name >}}`` or closed
in place with ``/>}}``, and Jekyll's ``{% name args %}``, paired with ``{% endname %}``, become
what ``shortcodes`` renders for them. Nothing of a tag is left for a reader: an unknown one
keeps what it holds and loses its tags, with one warning per name. Each line of the result
knows the body line it came from, so that later passes still locate what they report.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from publisher.normalizing import shortcodes
from publisher.normalizing.shortcodes import Call, Context, Expansion, Page
from publisher.normalizing.tags import (
    BROKEN,
    CLOSERS,
    OPENER,
    RAW,
    RAW_END,
    Tag,
    code_ranges,
    plain,
    read,
)
from publisher.reading import limits

Warn = Callable[[int | None, str, str], None]

_LINE_HEAD = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?")
_MARKER = re.compile(r"[-+*]|\d{1,9}[.)]")
_MAX_DEPTH = 8
_MAX_NESTING = limits.MARKDOWN_NESTING


@dataclass(slots=True)
class _Node:
    """A tag and, once its closing tag is found, what it holds and where that ends."""

    tag: Tag
    children: list[_Node | tuple[int, int]] = field(default_factory=list)
    close: Tag | None = None


@dataclass(slots=True)
class _Out:
    """The expanded text as pieces: source text keeps its offset, generated text its line."""

    text: list[str] = field(default_factory=list)
    origin: list[tuple[int, bool]] = field(default_factory=list)

    def source(self, piece: str, offset: int) -> None:
        self.text.append(piece)
        self.origin.append((offset, True))

    def made(self, piece: str, offset: int) -> None:
        self.text.append(piece)
        self.origin.append((offset, False))


def expand(
    text: str, page: Page, first_line: int, warn: Warn
) -> tuple[str, tuple[int, ...] | None, set[str]]:
    """The body with its template tags rendered, the body line (0-based) of each of its lines,
    and the link targets that name documents (from ``ref`` and the like).

    A body without tags comes back as it is, with None for the lines.
    """
    if not OPENER.search(text):
        return text, None, set()
    starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    warned: set[str] = set()

    def report(offset: int, code: str, message: str) -> None:
        warn(first_line + line_of(offset), code, message)

    context = Context(page, lambda line, code, message: warn(first_line + line, code, message))
    out = _Out()
    _Expander(text, context, line_of, report, warned, out).run(0)
    return "".join(out.text), _line_map(out, line_of), context.references


def _line_map(out: _Out, line_of: Callable[[int], int]) -> tuple[int, ...]:
    """The source line of each line of the expanded text."""
    lines = [0]
    for piece, (offset, is_source) in zip(out.text, out.origin, strict=True):
        at = piece.find("\n")
        while at >= 0:
            lines.append(line_of(offset + at + 1) if is_source else line_of(offset))
            at = piece.find("\n", at + 1)
    return tuple(lines)


@dataclass(slots=True)
class _Expander:
    """Reads the tags of one body and writes its expansion."""

    text: str
    context: Context
    line_of: Callable[[int], int]
    report: Callable[[int, str, str], None]
    warned: set[str]
    out: _Out
    code: Sequence[tuple[int, int]] = ()
    starts: Sequence[int] = ()

    def run(self, depth: int) -> None:
        """Expand the text into the output."""
        self.code = code_ranges(self.text)
        self.starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        for node in self._tree(len(self.text)):
            self._write(node, depth)

    def _in_code(self, offset: int) -> bool:
        index = bisect.bisect_right(self.code, (offset, len(self.text))) - 1
        return index >= 0 and self.code[index][0] <= offset < self.code[index][1]

    def _tree(self, end: int) -> list[_Node | tuple[int, int]]:
        """Text and tags, each paired tag holding what is between it and its closing tag."""
        root = _Node(plain(0, 0, ""))
        stack = [root]
        position = 0
        for tag in self._tags(0, end):
            if tag.start > position:
                stack[-1].children.append((position, tag.start))
            position = tag.end
            if tag.closing:
                at = next(
                    (i for i in range(len(stack) - 1, 0, -1) if _closes(tag, stack[i].tag)), 0
                )
                if not at:
                    continue  # a closing tag with nothing to close says nothing to a reader
                while len(stack) > at + 1:
                    _flatten(stack)
                stack[-1].close = tag
                stack.pop()
            elif tag.self_closing or len(stack) > _MAX_NESTING:
                # Past the nesting limit a tag holds nothing: expanding it recurses.
                stack[-1].children.append(_Node(tag))
            else:
                node = _Node(tag)
                stack[-1].children.append(node)
                stack.append(node)
        if end > position:
            stack[-1].children.append((position, end))
        while len(stack) > 1:
            _flatten(stack)
        return root.children

    def _tags(self, start: int, end: int) -> list[Tag]:
        """The template tags of text[start:end], in order; a raw block is text."""
        found: list[Tag] = []
        position = start
        # No tag ends past its kind's last closer: a run of lone openers is not scanned again.
        ends = {o: min(end, self.text.rfind(c) + len(c)) for o, c in CLOSERS.items()}
        raw_ends = [(m.start(), m.end()) for m in RAW_END.finditer(self.text, start, end)]
        while (match := OPENER.search(self.text, position, end)) is not None:
            opener, at = match.group(), match.start()
            tag = read(self.text, at, opener, ends[opener], self._in_code(at))
            if tag.name == BROKEN and not tag.in_code:
                self._broken(tag.start, opener)
            found.append(tag)
            position = tag.end
            if tag.liquid and tag.name == "raw" and not tag.closing:
                index = bisect.bisect_left(raw_ends, (position, position))
                if index == len(raw_ends):
                    # Liquid refuses a raw block that never ends; its opener goes, nothing else.
                    found[-1] = plain(tag.start, tag.end, BROKEN, tag.in_code)
                    if not tag.in_code:
                        self._broken(tag.start, "{% raw %}")
                    continue
                stop, after = raw_ends[index]
                found.append(plain(position, stop, RAW))
                found.append(Tag(stop, after, "raw", (), {}, True, False, True, False))
                position = after
        return found

    def _broken(self, at: int, what: str) -> None:
        """Warn, once per body, of a tag opener that opens nothing and is removed."""
        if BROKEN not in self.warned:
            self.warned.add(BROKEN)
            self.report(at, "shortcode-broken", f"{what!r} that opens no well-formed tag: removed")

    def _write(self, node: _Node | tuple[int, int], depth: int) -> None:
        """Write a text span, or a tag's expansion with what it holds."""
        if isinstance(node, tuple):
            self.out.source(self.text[node[0] : node[1]], node[0])
            return
        tag = node.tag
        if tag.name == RAW or (tag.name == BROKEN and tag.in_code):
            self.out.source(self.text[tag.start : tag.end], tag.start)
            return
        if tag.name == BROKEN:
            return
        if tag.name.startswith(("{{<", "{{%")):
            self.out.made(tag.name, tag.start)  # an escaped shortcode, shown as written
            return
        if tag.liquid and tag.in_code and tag.name not in shortcodes.LIQUID:
            self._keep(node, depth)
            return
        inner = self._inner(node, depth) if node.close is not None else None
        text = "".join(inner.text) if inner is not None else None
        call = Call(tag.name, tag.args, tag.named, text, self.line_of(tag.start))
        expansion = self._expansion(tag, call, depth)
        if expansion is None:
            if tag.name not in self.warned:
                self.warned.add(tag.name)
                kind = "tag" if tag.liquid else "shortcode"
                message = f"unknown {kind} {tag.name!r}: its tags dropped, what it holds kept"
                self.report(tag.start, "unknown-shortcode", message)
            expansion = Expansion("", "")
        self._place(node, expansion, inner)

    def _expansion(self, tag: Tag, call: Call, depth: int) -> Expansion | None:
        """What the registry (or the project's snippet) makes of a call; None when unknown."""
        if not tag.liquid and tag.name in self.context.page.snippets:
            return shortcodes.snippet(self.context.page.snippets[tag.name], call, self.context)
        registry = shortcodes.LIQUID if tag.liquid else shortcodes.HUGO
        render = registry.get(tag.name)
        if render is None:
            return None
        expansion = render(call, self.context)
        if expansion.include is None:
            return expansion
        if depth >= _MAX_DEPTH:
            self.report(tag.start, "include-too-deep", f"includes nested over {_MAX_DEPTH} deep")
            return Expansion("")
        return Expansion(self._included(expansion.include, tag.start, depth))

    def _included(self, text: str, at: int, depth: int) -> str:
        """An included file's text with its own tags expanded; what they report is located at
        the include."""
        nested = _Out()
        line = self.line_of(at)
        _Expander(
            text,
            self.context,
            lambda _: line,
            lambda _, code, message: self.report(at, code, message),
            self.warned,
            nested,
        ).run(depth + 1)
        return "".join(nested.text)

    def _inner(self, node: _Node, depth: int) -> _Out:
        """What a paired tag holds, its own tags expanded (once: an expansion may wrap it)."""
        nested = _Out()
        saved, self.out = self.out, nested
        for child in node.children:
            self._write(child, depth + 1)
        self.out = saved
        return nested

    def _keep(self, node: _Node, depth: int) -> None:
        """Write a tag that stays as it is (Liquid in code), with what it holds."""
        tag = node.tag
        self.out.source(self.text[tag.start : tag.end], tag.start)
        for child in node.children:
            self._write(child, depth + 1)
        if node.close is not None:
            self.out.source(self.text[node.close.start : node.close.end], node.close.start)

    def _place(self, node: _Node, expansion: Expansion, inner: _Out | None) -> None:
        """Write an expansion in place of the tags, as blocks of their own when it is one."""
        tag = node.tag
        end = node.close.end if node.close is not None else tag.end
        line = bisect.bisect_right(self.starts, tag.start) - 1
        head = self.text[self.starts[line] : tag.start]
        last = bisect.bisect_right(self.starts, end)
        after = self.text[
            end : self.starts[last] - 1 if last < len(self.starts) else len(self.text)
        ]
        alone = bool(_LINE_HEAD.fullmatch(head)) and not after.strip()
        block = expansion.block
        indent = _MARKER.sub(lambda m: " " * len(m[0]), head) if alone else ""
        wrap = "\n" + indent

        def made(piece: str) -> None:
            if piece:
                self.out.made(piece.replace("\n", wrap) if block else piece, tag.start)

        if block:
            made("" if alone else "\n\n")
        made(expansion.head + (wrap if block and expansion.tail is not None else ""))
        if expansion.tail is not None:
            if inner is not None:
                self.out.text.extend(inner.text)
                self.out.origin.extend(inner.origin)
            made((wrap if block else "") + expansion.tail)
        if block:
            # An HTML block runs on to the next blank line; one ends it here.
            self.out.made(wrap.rstrip() + "\n" if alone else "\n\n", tag.start)


def _closes(closing: Tag, opening: Tag) -> bool:
    """Whether a closing tag closes an open one: same name, same language."""
    return opening.name == closing.name and opening.liquid == closing.liquid


def _flatten(stack: list[_Node]) -> None:
    """Close the innermost open tag as one that holds nothing: what it held follows it."""
    node = stack.pop()
    stack[-1].children.extend(node.children)
    node.children = []
