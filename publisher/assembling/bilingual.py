"""Bilingual layouts: which variants of an entry are shown, in what order, and how they line up."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import Element, ParseError, fromstring

from publisher import i18n
from publisher.assembling import align
from publisher.model import Diagnostic, Document, Entry
from publisher.normalizing.tree import to_xhtml

Mode = Literal["sequential", "interleaved", "parallel", "primary"]
MODES: tuple[Mode, ...] = ("sequential", "interleaved", "parallel", "primary")


@dataclass(frozen=True, slots=True)
class Row:
    """One aligned bead as markup: blocks of the lead and the blocks that translate them."""

    primary: str
    """XHTML blocks of the lead variant; empty when the translation adds something."""
    secondary: str
    """XHTML blocks of the partner; empty when it leaves something out."""


@dataclass(frozen=True, slots=True)
class View:
    """How one entry is laid out."""

    shown: tuple[Document, ...]
    """Variants the publication holds, lead first (the primary language when there is one)."""
    paired: bool
    """Whether the first two are set together, paragraph by paragraph, in one part."""
    rows: tuple[Row, ...]
    """The pair's aligned blocks, when paired."""

    @property
    def lead(self) -> Document:
        """The variant that opens the entry."""
        return self.shown[0]

    @property
    def partner(self) -> Document:
        """The variant set beside the lead, when paired."""
        return self.shown[1]


def ordered(entry: Entry, secondary: Sequence[str] = ()) -> tuple[Document, ...]:
    """An entry's variants: the lead, then the first secondary language it has, then the rest."""
    lead, *others = entry.documents
    wanted = [i18n.base(lang) for lang in secondary]

    def preference(doc: Document) -> int:
        base = i18n.base(doc.lang)
        return wanted.index(base) if base in wanted else len(wanted)

    return (lead, *sorted(others, key=preference))


def view(entry: Entry, mode: Mode, secondary: Sequence[str] = ()) -> View:
    """How an entry is laid out in a mode."""
    shown = ordered(entry, secondary)
    if mode == "primary":
        # The translations left out are linked where they were published.
        return View(shown[:1], False, ())
    if mode == "sequential" or len(shown) < 2:
        return View(shown, False, ())
    return View(shown, True, rows(shown[0], shown[1]))


def rows(lead: Document, partner: Document) -> tuple[Row, ...]:
    """The two bodies cut into blocks and aligned."""
    left, right = blocks(lead.body), blocks(partner.body)
    beads = align.align([b for _, b in left], [b for _, b in right])
    return tuple(
        Row("".join(left[i][0] for i in bead.left), "".join(right[j][0] for j in bead.right))
        for bead in beads
    )


def unpaired(
    entries: Sequence[Entry], primary: str, secondary: Sequence[str] = ()
) -> list[Diagnostic]:
    """A warning for each entry that lacks the primary language, or every secondary one."""
    first = i18n.base(primary)
    wanted = {i18n.base(lang) for lang in secondary}
    problems = []
    for entry in entries:
        langs = {i18n.base(lang) for lang in entry.variants}
        if first not in langs:
            missing = f"no {i18n.language_name(first, 'en')} version"
        elif wanted and not langs & wanted:
            names = " or ".join(sorted(i18n.language_name(lang, "en") for lang in wanted))
            missing = f"no {names} translation"
        elif not wanted and langs == {first}:
            missing = "no translation"
        else:
            continue
        doc = entry.primary
        message = f"{missing}; a bilingual layout shows it in {doc.lang!r} only"
        problems.append(Diagnostic(doc.path, None, "warning", "translation-unpaired", message))
    return problems


def blocks(body: str) -> list[tuple[str, align.Block]]:
    """A body's top-level elements, each as markup (with the text after it) and as a block."""
    try:
        root = fromstring(f"<div>{body}</div>")
    except ParseError:
        # The EPUB writer leaves such bodies out; in print the whole body is one block.
        return [(body, align.block(re.sub(r"<[^>]+>", " ", body)))]
    found = []
    for child in root:
        holder = Element("div")
        holder.append(child)
        found.append((to_xhtml(holder), align.block("".join(child.itertext()), str(child.tag))))
    if root.text and root.text.strip():
        holder = Element("div")
        holder.text = root.text
        lead = to_xhtml(holder)
        if found:
            found[0] = (lead + found[0][0], found[0][1])
        else:
            found.append((lead, align.block(root.text)))
    return found
