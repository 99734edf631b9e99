"""Style sheets as a CSS parser reads them (tinycss2): find values, and edit them in place.

A regular expression over a style sheet also matches inside comments and strings; the tokenizer
knows where those are. An edit rewrites the text of the values it changes and keeps every other
character as written (comments, spacing, quotes, escapes): a sheet with nothing to change comes
back identical, and the PDF cache and the EPUB's packed sheets depend on those bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import tinycss2

Node = Any
"""A component value (token, block or function) of tinycss2, which ships no type information."""
Source = Callable[[Sequence[Node]], str]
"""The text of some sibling values as the sheet writes them."""
Replace = Callable[[Node, Source], str | None]
"""The text that replaces a value, or None to keep it (and look inside it)."""

# What tinycss2 counts as a line break; its columns count characters within a line.
_NEWLINE = re.compile(r"\r\n|[\r\n\f]")


def parse(text: str) -> list[Node]:
    """The component values of a style sheet, comments kept."""
    values: list[Node] = tinycss2.parse_component_value_list(text)
    return values


def walk(values: Sequence[Node]) -> Iterator[Node]:
    """Every value, and every value inside blocks and functions, in the order of the text."""
    for value in values:
        yield value
        yield from walk(_inside(value))


def arguments(function: Node, *, written: bool = False) -> list[list[Node]]:
    """A function's arguments between commas, without whitespace and comments unless ``written``."""
    found: list[list[Node]] = [[]]
    for value in function.arguments:
        if value.type == "literal" and value.value == ",":
            found.append([])
        elif written or value.type not in ("whitespace", "comment"):
            found[-1].append(value)
    return found


def is_function(value: Node, *names: str) -> bool:
    """Whether a value is a call of one of the functions (names in lower case)."""
    return value.type == "function" and value.lower_name in names


def is_ident(values: Sequence[Node], *names: str) -> bool:
    """Whether some values are one identifier, one of ``names`` (case counts, as for counters)."""
    return len(values) == 1 and values[0].type == "ident" and values[0].value in names


def edit(text: str, replace: Replace) -> str:
    """The text with each value that ``replace`` gives new text for replaced by that text."""
    sheet = _read(text)
    pieces: list[str] = []
    position = index = 0
    while index < len(sheet.values):
        new = replace(sheet.values[index], sheet.source)
        if new is None:
            index += 1
            continue
        start, end = sheet.span(index)
        pieces += [text[position:start], new]
        position, index = end, sheet.after[index]
    return "".join(pieces) + text[position:] if pieces else text


@dataclass(frozen=True, slots=True)
class _Sheet:
    """A sheet's values in the order of the text, with where each starts."""

    text: str
    values: list[Node]
    """Every value, each before the values inside it (``walk``'s order)."""
    after: list[int]
    """For each value, the index of the first value that is not inside it."""
    starts: list[int]
    """For each value, where it starts in the text."""
    index: dict[int, int]
    """The index of each value, by ``id``."""

    def source(self, values: Sequence[Node]) -> str:
        """The text of some sibling values as written."""
        if not values:
            return ""
        first, last = self.index[id(values[0])], self.index[id(values[-1])]
        return self.text[self.starts[first] : self.span(last)[1]]

    def span(self, index: int) -> tuple[int, int]:
        """Where a value starts and ends in the text."""
        start = self.starts[index]
        # The next value that starts later (a tokenizing error shares its value's start).
        following = next(
            (
                self.starts[i]
                for i in range(self.after[index], len(self.values))
                if self.starts[i] > start
            ),
            len(self.text),
        )
        # Between the value and the next lie only the closing brackets of blocks that end: the
        # value is the first of the piece of text as the tokenizer reads that piece alone.
        piece = self.text[start:following]
        values = parse(piece)
        lines = _line_starts(piece)
        ends = (_offset(lines, value) for value in values[1:])
        return start, start + next((end for end in ends if end > 0), len(piece))


def _read(text: str) -> _Sheet:
    values: list[Node] = []
    after: list[int] = []
    _flatten(parse(text), values, after)
    lines = _line_starts(text)
    starts = [_offset(lines, value) for value in values]
    return _Sheet(text, values, after, starts, {id(value): i for i, value in enumerate(values)})


def _flatten(values: Sequence[Node], into: list[Node], after: list[int]) -> None:
    for value in values:
        number = len(into)
        into.append(value)
        after.append(0)
        _flatten(_inside(value), into, after)
        after[number] = len(into)


def _inside(value: Node) -> Sequence[Node]:
    """The values inside a block or a function; none inside a token."""
    if value.type == "function":
        inner: Sequence[Node] = value.arguments
        return inner
    if value.type in ("{} block", "[] block", "() block"):
        inner = value.content
        return inner
    return ()


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


def _offset(lines: list[int], value: Node) -> int:
    """Where a value starts in the text, from its line and column."""
    start: int = lines[value.source_line - 1] + value.source_column - 1
    return start
