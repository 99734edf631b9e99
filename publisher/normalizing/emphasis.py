"""Emphasis repair: pandoc's stray asterisks made into the bold text the source page showed."""

from __future__ import annotations

import re

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# A paragraph, list item or heading starts a new run of emphasis delimiters to pair up.
_NEW_BLOCK = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+\S|[ \t]*$| {0,3}#")
_DELIMITER = re.compile(r"(?<![*\\])\*{1,4}(?!\*)")
_BULLET = re.compile(r"[ \t]*\*[ \t]+\S")
_RULE = re.compile(r"[ \t]*(?:\*[ \t]*){3,}")
_LEAD = re.compile(r"\s*(?:[-+*]|\d{1,9}[.)])?\s*")
_OPENERS = "\u201c\u2018\u00ab(["

MAX_BOLD_HEADING = 120
"""Longest text read as a heading made of a bold paragraph."""


def repair(text: str) -> str:
    """Fix pandoc's emphasis with inner edge spaces (``**Purpose. **The``) outside code fences."""
    out: list[str] = []
    block: list[str] = []
    fence = ""
    for line in text.split("\n"):
        if fence:
            out.append(line)
            fence = "" if line.strip().startswith(fence) else fence
            continue
        opening = _FENCE.match(line)
        if block and (opening or _NEW_BLOCK.match(line)):
            out.append(_repair_block("\n".join(block)))
            block = []
        if opening:
            fence = opening.group(1)
            out.append(line)
        else:
            block.append(line)
    if block:
        out.append(_repair_block("\n".join(block)))
    return "\n".join(out)


def _repair_block(block: str) -> str:
    """Pair a block's emphasis delimiters in order; move edge spaces out, drop empty emphasis.

    CommonMark leaves ``**Purpose. **The``, ``**Name: “**Text`` and ``Pandemics*.*`` as literal
    asterisks where the source page showed bold text and a plain period. Pairs spaced on both
    sides around no real word (``2 * x * 4``) are left alone.
    """
    if "*" not in block or "`" in block:
        return block
    marks = _emphasis_marks(block)
    actions = {at: ("drop", size) for at, size in marks if size == 4}
    close_at_end = ""
    for size in (1, 2, 3):
        starts = [at for at, n in marks if n == size]
        if len(starts) % 2 and not block[starts[-1] + size :].strip():
            actions[starts.pop()] = ("drop", size)
        elif len(starts) % 2 and _LEAD.fullmatch(block[: starts[0]]):
            # An opener whose closer pandoc put in the next block: bold a short line, else drop.
            if len(block) - starts[0] <= MAX_BOLD_HEADING:
                close_at_end = "*" * size
            else:
                actions[starts[0]] = ("drop", size)
            starts.pop(0)
        if len(starts) % 2:
            continue
        for start, end in zip(starts[::2], starts[1::2], strict=True):
            inner, after = block[start + size : end], block[end + size : end + size + 1]
            bad_open = inner[:1].isspace()
            bad_close = inner[-1:].isspace() or (inner[-1:] in _OPENERS and after.isalnum())
            if not any(ch.isalnum() for ch in inner):
                actions[start] = actions[end] = ("drop", size)
                continue
            if bad_open and bad_close and not re.search(r"[^\W\d_]{3}", inner):
                continue
            if bad_open:
                actions[start] = ("open", size)
            if bad_close:
                actions[end] = ("close", size)
    text = _apply_moves(block, actions)
    stripped = text.rstrip()
    return stripped + close_at_end + text[len(stripped) :]


def _apply_moves(block: str, actions: dict[int, tuple[str, int]]) -> str:
    """Drop delimiters or move them past the spaces (and opening quotes) they must not touch."""
    out: list[str] = []
    pending = ""
    i = 0
    while i < len(block):
        if i in actions:
            action, size = actions[i]
            i += size
            if action == "open":
                pending = "*" * size
            elif action == "close":
                moved = []
                while out and (out[-1].isspace() or out[-1] in _OPENERS):
                    moved.append(out.pop())
                out += ["*" * size, *reversed(moved)]
            continue
        if pending and not block[i].isspace():
            out.append(pending)
            pending = ""
        out.append(block[i])
        i += 1
    return "".join(out) + pending


def _emphasis_marks(block: str) -> list[tuple[int, int]]:
    """Index and length of each asterisk run that can be emphasis: not a bullet, not a rule."""
    marks = []
    offset = 0
    for line in block.split("\n"):
        if not _RULE.fullmatch(line):
            bullet = offset + len(line) - len(line.lstrip()) if _BULLET.match(line) else -1
            runs = ((offset + m.start(), len(m.group())) for m in _DELIMITER.finditer(line))
            marks += [(at, size) for at, size in runs if at != bullet]
        offset += len(line) + 1
    return marks
