"""Located problems found while reading a file, before they become Diagnostics."""

from __future__ import annotations

from typing import NamedTuple


class Note(NamedTuple):
    """A located problem before it becomes a Diagnostic."""

    line: int | None
    code: str
    message: str


class Unusable(Exception):
    """The document cannot be used; ``reader.read`` reports the note as an error."""

    def __init__(self, line: int | None, code: str, message: str) -> None:
        super().__init__(message)
        self.note = Note(line, code, message)


def line_at(text: str, index: int) -> int:
    """1-based line of the character at index."""
    return text.count("\n", 0, index) + 1
