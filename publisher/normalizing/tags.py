"""Template tags as written: where each starts and ends, its name, arguments and kind, and
whether it sits in code."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENER = re.compile(r"\{\{[<%]|\{%")
"""What opens a tag: Hugo's {{< and {{%, Liquid's {%."""
RAW_END = re.compile(r"\{%-?\s*endraw\s*-?%\}")
"""The end of a Liquid raw block, whose text holds no tags."""
# Names no tag can have: the text of a {% raw %} block, an opener that starts no tag.
RAW = " raw"
BROKEN = " broken"

CLOSERS = {"{{<": ">}}", "{{%": "%}}", "{%": "%}"}
"""The closer of each opener."""
# A tag longer than this is not one: bounds the scan of a lone "{{<" to keep it linear.
_MAX_TAG = 2000
_ARGUMENT = re.compile(r'\s*(?:([\w.-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|\'[^\']*\'|[^\s"`\']+)')
_QUOTE = re.compile(r'["`]')
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


@dataclass(frozen=True, slots=True)
class Tag:
    """One template tag as written."""

    start: int
    """Offset of its opener in the text."""
    end: int
    """Offset just after its closer."""
    name: str
    """Its name (without "/" or Liquid's "end"), or a name no tag has for text (RAW, BROKEN,
    an escaped shortcode as it is shown)."""
    args: tuple[str, ...]
    """Positional arguments, unquoted."""
    named: dict[str, str]
    """Named arguments, unquoted."""
    closing: bool
    """{{< /name >}} or {% endname %}."""
    self_closing: bool
    """{{< name />}}, or text that holds nothing."""
    liquid: bool
    """A Liquid tag, not a Hugo shortcode."""
    in_code: bool
    """In a fenced code block or a code span."""


def read(text: str, start: int, opener: str, end: int, in_code: bool) -> Tag:
    """The tag whose opener starts at start; a broken one when what follows is none."""
    closer = CLOSERS[opener]
    inside = start + len(opener)
    stop = _find_closer(text, inside, min(end, inside + _MAX_TAG), closer)
    if stop < 0:
        return plain(start, inside, BROKEN, in_code)
    body = text[inside:stop].strip()
    liquid = opener == "{%"
    if liquid:
        body = body.removeprefix("-").removesuffix("-").strip()
    elif body.startswith("/*") and body.endswith("*/"):
        # Hugo's escape shows a shortcode as it is written: {{</* name */>}}.
        return plain(start, stop + len(closer), f"{opener} {body[2:-2].strip()} {closer}")
    closing = body.startswith("/")
    self_closing = not closing and body.endswith("/")
    body = body.strip("/").strip()
    words = _arguments(body)
    if not words or not re.fullmatch(r"[\w./-]+", words[0][1]):
        return plain(start, stop + len(closer), BROKEN, in_code)
    name = words[0][1]
    if liquid and name.startswith("end") and len(name) > 3:
        name, closing = name[3:], True
    args = tuple(value for key, value in words[1:] if key is None)
    named = {key: value for key, value in words[1:] if key is not None}
    after = stop + len(closer)
    return Tag(start, after, name, args, named, closing, self_closing, liquid, in_code)


def plain(start: int, end: int, name: str, in_code: bool = False) -> Tag:
    """A tag that stands for text: a raw block, an escaped shortcode, a broken tag."""
    return Tag(start, end, name, (), {}, False, True, False, in_code)


def _find_closer(text: str, start: int, end: int, closer: str) -> int:
    """Where the closer of a tag is, past quoted arguments; -1 if not before end, or after a
    blank line outside quotes."""
    position = start
    while (stop := text.find(closer, position, end)) >= 0:
        quote = _QUOTE.search(text, position, stop)
        if quote is None:
            return -1 if "\n\n" in text[position:stop] else stop
        if "\n\n" in text[position : quote.start()]:
            return -1
        position = _after_quote(text, quote.start(), end)
        if position < 0:
            return -1
    return -1


def _after_quote(text: str, start: int, end: int) -> int:
    """Just past the quote that closes the one at start; -1 if none before end."""
    mark = text[start]
    stop = text.find(mark, start + 1, end)
    while mark == '"' and stop > 0 and text[stop - 1] == "\\":
        stop = text.find(mark, stop + 1, end)
    return stop + 1 if stop >= 0 else -1


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


def code_ranges(text: str) -> list[tuple[int, int]]:
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
