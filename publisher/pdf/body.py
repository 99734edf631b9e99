"""Document bodies made ready for print: footnotes at their call, images found under a root,
characters the bundled fonts lack written as their plain equivalents."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError, fromstring

from publisher.model import Compilation, Document
from publisher.normalizing.tree import Replacement, bottom_up, remove, splice, to_xhtml
from publisher.pdf import glyphs

_BLOCKS = frozenset({"p", "div", "ul", "ol", "li", "blockquote", "section", "figure", "table"})


def prepare(compilation: Compilation, roots: Sequence[Path]) -> tuple[Compilation, dict[str, str]]:
    """The compilation with print-ready bodies, and which document uses each local image URL."""
    used_by: dict[str, str] = {}
    resolved = tuple(root.resolve() for root in roots)

    def document(doc: Document) -> Document:
        # A document's images are looked for under its own root first: two roots may both have
        # a pictures/p.png, and each document means its own.
        own = [root for root in resolved if (root / doc.path).is_file()][:1]
        body = glyphs.plain_markup(_print_body(doc.body, (*own, *resolved), used_by, doc.path))
        title = glyphs.plain(doc.title)
        if body == doc.body and title == doc.title:
            return doc
        return dataclasses.replace(doc, body=body, title=title)

    sections = tuple(
        dataclasses.replace(
            section,
            entries=tuple(
                dataclasses.replace(
                    entry, variants={lang: document(d) for lang, d in entry.variants.items()}
                )
                for entry in section.entries
            ),
        )
        for section in compilation.sections
    )
    return dataclasses.replace(compilation, sections=sections), used_by


def _print_body(body: str, roots: Sequence[Path], used_by: dict[str, str], path: str) -> str:
    """Move footnotes to their calls and make image sources absolute; other bodies are kept."""
    if "doc-noteref" not in body and "<img" not in body:
        return body
    try:
        root = fromstring(f"<div>{body}</div>")
    except ParseError:
        # Bodies come from markup's own serializer; one that does not parse is printed as it is.
        return body
    for img in root.iter("img"):
        src = img.get("src", "")
        if src and not urlsplit(src).scheme:
            url = _image_url(unquote(src), roots)
            img.set("src", url)
            used_by[url] = path
        elif src:
            used_by[src] = path
    _footnotes(root)
    return to_xhtml(root)


def _image_url(relative: str, roots: Sequence[Path]) -> str:
    """The file URL of a root-relative image under the first root that has it."""
    for root in roots:
        candidate = root / relative
        if candidate.is_file():
            return candidate.as_uri()
    return (roots[0] / relative).as_uri() if roots else relative


def _footnotes(root: Element) -> None:
    """Replace each footnote's first call with the note itself, for CSS ``float: footnote``.

    Markdown footnotes arrive as endnotes (a ``doc-endnotes`` list); the print layout wants them
    at the foot of the page that calls them, which WeasyPrint does for an element in the flow.
    """
    notes: dict[str, Element] = {}
    for section in root.iter("section"):
        if section.get("role") == "doc-endnotes":
            notes.update((li.get("id", ""), li) for li in section.iter("li"))
    if not notes:
        return
    moved: set[str] = set()

    def decide(child: Element) -> Replacement:
        link = child.find("a") if child.tag == "sup" else None
        if link is None or link.get("role") != "doc-noteref":
            return child
        target = link.get("href", "").removeprefix("#")
        if target not in notes or target in moved:
            return child
        moved.add(target)
        return _note(notes[target], target, child.tail)

    for parent in bottom_up(root):
        splice(parent, decide)
    if moved == set(notes):

        def drop(child: Element) -> Replacement:
            endnotes = child.tag == "section" and child.get("role") == "doc-endnotes"
            return remove(child) if endnotes else child

        splice(root, drop)


def _note(item: Element, anchor: str, tail: str | None) -> Element:
    """A footnote as one inline element: its blocks become spans, its back link goes."""
    note = Element("span", {"class": "footnote", "id": anchor})
    note.text = item.text
    note.extend(item)
    for parent in bottom_up(note):
        splice(parent, _inline)
    note.tail = tail
    return note


def _inline(child: Element) -> Replacement:
    """Blocks inside a note as spans (a footnote is inline where it is called); no back links."""
    if child.tag == "a" and child.get("role") == "doc-backlink":
        return remove(child)
    if child.tag in _BLOCKS:
        child.tag = "span"
        child.tail = f" {child.tail or ''}"
    return child
