"""What the text boxes of a tagged PDF know, written on their structure elements.

WeasyPrint (70) keeps no link from a structure element to the box it came from, but it makes the
element of each run of text (a ``/Span`` holding one MCID) as it walks each page's boxes in order,
so the text boxes met in that same walk are those elements in the order they were made. A page
whose runs and boxes do not pair up one for one is left as it is, rather than tagged wrong.

Each run then has its box's language; an element whose runs all share one language has it, and
``/Lang`` is written on the highest element whose language is not the one of the element above
it. A run that ends where a word was hyphenated gets an ``/ActualText`` that ends in a soft hyphen
instead, so that the word is read and copied whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

SOFT_HYPHEN = "\u00ad"
WORD_JOINER = "\u2060"
"""Printed after a hyphen no line may break at; no part of the words."""
_MIXED = ""
"""The language of an element whose runs are in more than one."""


def tag_runs(document: Any, pdf: pydyf.PDF) -> None:
    """``/Lang`` where a language differs from the one above, ``/ActualText`` at hyphens."""
    boxes_of = _runs(document, pdf)
    for number, box in boxes_of.items():
        hyphen = box.style["hyphenate_character"]
        if hyphen and box.text.endswith(hyphen):
            # The word joiners that keep a printed hyphen from breaking (pdf/glyphs.py) are
            # layout, not text: the words read as the page shows them.
            actual = box.text[: -len(hyphen)].replace(WORD_JOINER, "") + SOFT_HYPHEN
            pdf.objects[number]["ActualText"] = pydyf.String(actual)
    runs = {number: box.style["lang"] or "" for number, box in boxes_of.items()}
    if not runs:
        return
    objects = pdf.objects
    kids: dict[int, list[int]] = defaultdict(list)
    for obj in objects:
        if _is_element(obj) and "P" in obj:
            kids[_number(obj["P"])].append(obj.number)
    languages: dict[int, str] = {}

    def language(number: int) -> str | None:
        """The one language of an element's runs, ``_MIXED``, or None for no run at all."""
        if number in runs:
            return runs[number]
        found = {lang for kid in kids[number] if (lang := language(kid)) is not None}
        result = found.pop() if len(found) == 1 else (_MIXED if found else None)
        if result is not None:
            languages[number] = result
        return result

    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    top = [_number(reference) for reference in root["K"]]
    for number in top:
        language(number)
    stack = [(number, document.metadata.lang or "") for number in top]
    while stack:
        number, around = stack.pop()
        own = runs.get(number, languages.get(number))
        element = objects[number]
        if own and own != around:
            element["Lang"] = pydyf.String(own)
        here = own or around
        stack.extend((kid, here) for kid in kids[number])


def _runs(document: Any, pdf: pydyf.PDF) -> dict[int, Any]:
    """The text box of each run's element (by object number), on pages where they pair up."""
    made: dict[bytes, list[int]] = defaultdict(list)
    for obj in pdf.objects:
        if _is_element(obj) and obj["S"] == "/Span" and _one_mcid(obj["K"]):
            made[obj["Pg"]].append(obj.number)
    runs: dict[int, Any] = {}
    for page, reference in zip(document.pages, pdf.page_references, strict=False):
        texts = list(_texts(page._page_box, False))
        if len(texts) == len(made[reference]):
            runs.update(zip(made[reference], texts, strict=True))
    return runs


def _texts(box: Any, in_link: bool) -> Iterator[Any]:
    """The text boxes whose runs get an element of their own, in the order WeasyPrint tags them."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.TextBox):
        if not in_link:
            yield box
        return
    tag = box.element_tag if box.element is not None else None
    # Links hold their runs' MCIDs themselves (``weasyprint.pdf.tags``); only the direct ones.
    link = tag is not None and tag.split(":")[0] == "a"
    for child in getattr(box, "children", ()):
        for grandchild in child.children if isinstance(child, boxes.LineBox) else [child]:
            yield from _texts(grandchild, link)


def _is_element(obj: object) -> bool:
    """Whether a PDF object is a structure element."""
    return isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"


def _one_mcid(kids: object) -> bool:
    """Whether an element's kids are one marked content and nothing else."""
    return isinstance(kids, pydyf.Array) and len(kids) == 1 and isinstance(kids[0], int)


def _number(reference: bytes) -> int:
    """The object number of an indirect reference as pydyf writes one."""
    return int(reference.split()[0])
