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
from dataclasses import dataclass, field, replace

from publisher.normalizing import shortcodes
from publisher.normalizing.shortcodes import Call, Context, Expansion, Page

Warn = Callable[[int | None, str, str], None]

_OPENER = re.compile(r"\{\{[<%]|\{%")
_CLOSERS = {"{{<": ">}}", "{{%": "%}}", "{%": "%}"}
# A tag longer than this is not one: bounds the scan of a lone "{{<" to keep it linear.
_MAX_TAG = 4000
_ARGUMENT = re.compile(r'\s*(?:([\w.-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|\'[^\']*\'|[^\s"`\']+)')
_RAW_END = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
_LINE_HEAD = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?")
_MARKER = re.compile(r"[-+*]|\d{1,9}[.)]")
_MAX_DEPTH = 8
# Names no tag can have: the text of a {% raw %} block, an opener that starts no tag.
_RAW = " raw"
_BROKEN = " broken"


@dataclass(frozen=True, slots=True)
class _Tag:
    """One template tag as written."""

    start: int
    end: int
    name: str
    args: tuple[str, ...]
    named: dict[str, str]
    closing: bool
    self_closing: bool
    liquid: bool
    markdown: bool
    in_code: bool


@dataclass(slots=True)
class _Node:
    """A tag and, once its closing tag is found, what it holds and where that ends."""

    tag: _Tag
    children: list[_Node | tuple[int, int]] = field(default_factory=list)
    close: _Tag | None = None


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
    if not _OPENER.search(text):
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

    def run(self, depth: int) -> None:
        """Expand the text into the output."""
        self.code = _code_ranges(self.text)
        for node in self._tree(len(self.text)):
            self._write(node, depth)

    def _in_code(self, offset: int) -> bool:
        index = bisect.bisect_right(self.code, (offset, len(self.text))) - 1
        return index >= 0 and self.code[index][0] <= offset < self.code[index][1]

    def _tree(self, end: int) -> list[_Node | tuple[int, int]]:
        """Text and tags, each paired tag holding what is between it and its closing tag."""
        root = _Node(_plain(0, 0, ""))
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
            elif tag.self_closing:
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

    def _tags(self, start: int, end: int) -> list[_Tag]:
        """The template tags of text[start:end], in order; a raw block is text."""
        found: list[_Tag] = []
        position = start
        while (match := _OPENER.search(self.text, position, end)) is not None:
            tag = self._tag(match.start(), match.group(), end)
            if tag.name == _BROKEN and not tag.in_code and _BROKEN not in self.warned:
                self.warned.add(_BROKEN)
                message = f"{match.group()!r} that opens no well-formed tag: removed"
                self.report(tag.start, "shortcode-broken", message)
            found.append(tag)
            position = tag.end
            if tag.liquid and tag.name == "raw" and not tag.closing:
                closing = _RAW_END.search(self.text, position, end)
                stop = closing.start() if closing else end
                found.append(_plain(position, stop, _RAW))
                if closing:
                    end_tag = _plain(stop, closing.end(), "raw")
                    found.append(replace(end_tag, closing=True, self_closing=False, liquid=True))
                position = closing.end() if closing else end
        return found

    def _tag(self, start: int, opener: str, end: int) -> _Tag:
        """The tag that starts at start; a broken one when what follows is none."""
        closer = _CLOSERS[opener]
        inside = start + len(opener)
        stop = _find_closer(self.text, inside, min(end, inside + _MAX_TAG), closer)
        if stop < 0:
            return replace(_plain(start, inside, _BROKEN), in_code=self._in_code(start))
        body = self.text[inside:stop].strip()
        liquid = opener == "{%"
        if liquid:
            body = body.removeprefix("-").removesuffix("-").strip()
        elif body.startswith("/*") and body.endswith("*/"):
            # Hugo's escape shows a shortcode as it is written: {{</* name */>}}.
            return _plain(start, stop + len(closer), f"{opener} {body[2:-2].strip()} {closer}")
        closing = body.startswith("/")
        self_closing = not closing and body.endswith("/")
        body = body.strip("/").strip()
        words = _arguments(body)
        if not words or not re.fullmatch(r"[\w./-]+", words[0][1]):
            broken = _plain(start, stop + len(closer), _BROKEN)
            return replace(broken, in_code=self._in_code(start))
        name = words[0][1]
        if liquid and name.startswith("end") and len(name) > 3:
            name, closing = name[3:], True
        args = tuple(value for key, value in words[1:] if key is None)
        named = {key: value for key, value in words[1:] if key is not None}
        in_code = self._in_code(start)
        return _Tag(
            start, stop + len(closer), name, args, named, closing, self_closing, liquid,
            opener == "{{%", in_code,
        )  # fmt: skip

    def _write(self, node: _Node | tuple[int, int], depth: int) -> None:
        """Write a text span, or a tag's expansion with what it holds."""
        if isinstance(node, tuple):
            self.out.source(self.text[node[0] : node[1]], node[0])
            return
        tag = node.tag
        if tag.name == _RAW or (tag.name == _BROKEN and tag.in_code):
            self.out.source(self.text[tag.start : tag.end], tag.start)
            return
        if tag.name == _BROKEN:
            return
        if tag.name.startswith(("{{<", "{{%")):
            self.out.made(tag.name, tag.start)  # an escaped shortcode, shown as written
            return
        if tag.liquid and tag.in_code and tag.name not in shortcodes.LIQUID:
            self._keep(node, depth)
            return
        inner = self._inner(node, depth) if node.close is not None else None
        call = Call(tag.name, tag.args, tag.named, inner, self.line_of(tag.start))
        expansion = self._expansion(tag, call, depth)
        if expansion is None:
            if tag.name not in self.warned:
                self.warned.add(tag.name)
                kind = "tag" if tag.liquid else "shortcode"
                message = f"unknown {kind} {tag.name!r}: its tags dropped, what it holds kept"
                self.report(tag.start, "unknown-shortcode", message)
            expansion = Expansion("", "")
        self._place(node, expansion, depth)

    def _expansion(self, tag: _Tag, call: Call, depth: int) -> Expansion | None:
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

    def _inner(self, node: _Node, depth: int) -> str:
        """The text a paired tag holds, its own tags expanded."""
        nested = _Out()
        saved, self.out = self.out, nested
        for child in node.children:
            self._write(child, depth + 1)
        self.out = saved
        return "".join(nested.text)

    def _keep(self, node: _Node, depth: int) -> None:
        """Write a tag that stays as it is (Liquid in code), with what it holds."""
        tag = node.tag
        self.out.source(self.text[tag.start : tag.end], tag.start)
        for child in node.children:
            self._write(child, depth + 1)
        if node.close is not None:
            self.out.source(self.text[node.close.start : node.close.end], node.close.start)

    def _place(self, node: _Node, expansion: Expansion, depth: int) -> None:
        """Write an expansion in place of the tags, as blocks of their own when it is one."""
        tag = node.tag
        end = node.close.end if node.close is not None else tag.end
        line_start = self.text.rfind("\n", 0, tag.start) + 1
        head = self.text[line_start : tag.start]
        line_end = self.text.find("\n", end)
        after = self.text[end : line_end if line_end >= 0 else len(self.text)]
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
            for child in node.children:
                self._write(child, depth + 1)
            made((wrap if block else "") + expansion.tail)
        if block:
            # An HTML block runs on to the next blank line; one ends it here.
            self.out.made(wrap.rstrip() + "\n" if alone else "\n\n", tag.start)


def _plain(start: int, end: int, name: str) -> _Tag:
    """A tag that stands for text: a raw block, an escaped shortcode."""
    return _Tag(start, end, name, (), {}, False, True, False, False, False)


def _closes(closing: _Tag, opening: _Tag) -> bool:
    """Whether a closing tag closes an open one: same name, same language."""
    return opening.name == closing.name and opening.liquid == closing.liquid


def _flatten(stack: list[_Node]) -> None:
    """Close the innermost open tag as one that holds nothing: what it held follows it."""
    node = stack.pop()
    stack[-1].children.extend(node.children)
    node.children = []


def _find_closer(text: str, start: int, end: int, closer: str) -> int:
    """Where the closer of a tag is, skipping quoted arguments; -1 if not before end."""
    position = start
    while position < end:
        char = text[position]
        if char in '"`':
            stop = text.find(char, position + 1, end)
            while char == '"' and stop > 0 and text[stop - 1] == "\\":
                stop = text.find(char, stop + 1, end)
            if stop < 0:
                return -1
            position = stop + 1
        elif text.startswith(closer, position):
            return position
        elif char == "\n" and text.startswith("\n\n", position):
            return -1  # a tag never spans a blank line
        else:
            position += 1
    return -1


def _arguments(body: str) -> list[tuple[str | None, str]]:
    """The words of a tag: (name or None, value unquoted)."""
    words: list[tuple[str | None, str]] = []
    for match in _ARGUMENT.finditer(body):
        key, value = match.group(1), match.group(2)
        if value[:1] == '"' and value[-1:] == '"' and len(value) > 1:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif value[:1] in "`'" and value[-1:] == value[:1] and len(value) > 1:
            value = value[1:-1]
        words.append((key, value))
    return words


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Where the text is code: fenced blocks and code spans (as far as lines tell)."""
    ranges: list[tuple[int, int]] = []
    fence = ""
    fence_start = 0
    offset = 0
    for line in text.split("\n"):
        end = offset + len(line)
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                ranges.append((fence_start, end))
                fence = ""
        elif match:
            fence, fence_start = match.group(1), offset
        else:
            ranges.extend((offset + m.start(), offset + m.end()) for m in _CODE_SPAN.finditer(line))
        offset = end + 1
    if fence:
        ranges.append((fence_start, len(text)))
    return ranges
