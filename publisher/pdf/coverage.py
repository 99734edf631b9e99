"""Characters no installed font has, reported per document and script with the package to install.

WeasyPrint draws such a character as an empty box and logs it once per character: a Japanese
document on a machine without a CJK font gave hundreds of warnings that named characters, not
the cause. They are grouped here by the Debian package whose fonts cover them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fontTools import unicodedata

from publisher.model import Diagnostic, Document

CODE = "pdf-glyph-missing"

# Debian's Noto packages: the CJK scripts, colour emoji, and every other living script (core).
_CJK = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})
# Blocks of common characters (punctuation, fullwidth forms) that only CJK fonts carry, besides
# those named "CJK …".
_CJK_BLOCKS = frozenset(
    {
        "Halfwidth and Fullwidth Forms",
        "Kanbun",
        "Vertical Forms",
        "Ideographic Description Characters",
    }
)
_EMOJI_BLOCKS = frozenset(
    {
        "Emoticons",
        "Miscellaneous Symbols and Pictographs",
        "Supplemental Symbols and Pictographs",
        "Symbols and Pictographs Extended-A",
        "Transport and Map Symbols",
        "Miscellaneous Symbols",
        "Miscellaneous Symbols and Arrows",
        "Dingbats",
    }
)
_PACKAGES = {"cjk": "fonts-noto-cjk", "emoji": "fonts-noto-color-emoji", "": "fonts-noto-core"}
_SHOWN = 3
"""Characters quoted in a message, as examples of the rest."""


def missing(chars: Iterable[str], documents: Sequence[Document]) -> list[Diagnostic]:
    """Warnings for the characters no font has: one per document and package, naming scripts."""
    found: list[Diagnostic] = []
    groups: dict[str, list[str]] = {}
    unknown: list[str] = []
    for char in dict.fromkeys(chars):
        kind = group(char)
        if kind is None:
            unknown.append(char)
        else:
            groups.setdefault(kind, []).append(char)
    for doc in documents:
        text = doc.title + doc.body
        for kind, members in groups.items():
            used = [char for char in members if char in text]
            if used:
                found.append(Diagnostic(doc.path, None, "warning", CODE, _message(kind, used)))
        for char in unknown:
            if char in text:
                message = (
                    f"no font has {char} (U+{ord(char[0]):04X}); it is printed as an empty box"
                )
                found.append(Diagnostic(doc.path, None, "warning", CODE, message))
    return found


def group(char: str) -> str | None:
    """The fonts a character is in: "cjk", "emoji", "" (every other script: Noto's core), or None
    (private use, unassigned: no font to install)."""
    script = unicodedata.script(char)
    scripts = {script} if script not in ("Zyyy", "Zinh") else unicodedata.script_extension(char)
    block = unicodedata.block(char)
    if scripts & _CJK or "CJK" in block or block in _CJK_BLOCKS:
        return "cjk"
    if block in _EMOJI_BLOCKS or (ord(char[0]) >= 0x1F000 and script == "Zyyy"):
        return "emoji"
    if script in ("Zzzz", "Zinh") or unicodedata.category(char) in ("Co", "Cn", "Cs"):
        return None
    return ""


def _message(group: str, chars: list[str]) -> str:
    """What is missing, such as which characters, and what to install."""
    names = sorted(
        {
            unicodedata.script_name(unicodedata.script(char))
            for char in chars
            if unicodedata.script(char) not in ("Zyyy", "Zinh")
        }
    )
    what = "emoji" if group == "emoji" else _listed(names) if names else "symbol"
    shown = ", ".join(chars[:_SHOWN]) + (" …" if len(chars) > _SHOWN else "")
    return (
        f"no font has the {what} characters of this document ({len(chars)} distinct: {shown}); "
        "they are "
        f"printed as empty boxes: install a font for them (Debian: {_PACKAGES[group]})"
    )


def _listed(names: list[str]) -> str:
    """Names joined as "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
