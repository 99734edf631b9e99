"""The PDF/UA structure tree made to read right, and the checks that say where it does not.

WeasyPrint (70) tags a page in one pass over its boxes, and leaves some of it wrong for PDF/UA:
the text of margin boxes (running heads, "Page N of M") is marked as content pointing at
structure elements that no tree holds, where PDF/UA wants artifacts; leaders and images that
style sheets add are content too; header cells have no ``/Scope``; a table that only lays blocks
out (the parallel bilingual layout, ``role="presentation"``) is a data table; no element says its
language. ``finish`` runs as WeasyPrint's finisher, while the boxes that know all this are at hand
(with ``textruns`` for languages and hyphenated words); ``retag`` rewrites the written file with
pikepdf; ``check_structure`` reads a file back and reports what is still wrong as diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types
from weasyprint.formatting_structure import boxes

from publisher.model import Diagnostic, Severity
from publisher.pdf import merge as pdf_merge
from publisher.pdf import textruns

ARTIFACT = "pdf-ua-artifact"
LANG = "pdf-ua-lang"
SCOPE = "pdf-ua-scope"
TABLE_HEADERS = "pdf-ua-table-headers"
HEADINGS = "pdf-ua-headings"

# HTML ``scope`` values as PDF ``/Scope`` names; a header cell without one is a column's header in
# a table head and a row's elsewhere.
_SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}
# What a layout table's cells, rows and the table itself are retagged from (as divisions).
_TABLE_PARTS = ("/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TD", "/TH")


def finish(document: Any, pdf: pydyf.PDF) -> None:
    """Header cells' scope, decoration out of the tree, languages and hyphenated words."""
    decoration = []
    for page in document.pages:
        for box, in_head, grid in _boxes(page._page_box, False, False):
            if _decorates(box):
                decoration.append(box.link_annotation.reference)
            element = getattr(box, "mark", None)
            if element is not None and grid:
                _as_division(pdf, element)
            elif element is not None and box.element_tag == "th":
                asked = _SCOPES.get(str(box.element.get("scope", "")).lower())
                element["A"]["Scope"] = asked or ("/Column" if in_head else "/Row")
    if decoration:
        _detach(pdf, set(decoration))
    textruns.tag_runs(document, pdf)


def _decorates(box: Any) -> bool:
    """Whether a box inside a link is decoration: a dot leader, or an image a style sheet adds.

    Only boxes inside links can be found in the tree (through their link annotation); in these
    style sheets that is where the contents' leaders and the sources' QR codes are.
    """
    if getattr(box, "link_annotation", None) is None:
        return False
    generated = (box.element_tag or "").endswith(("::before", "::after"))
    generated_image = generated and isinstance(box, boxes.ReplacedBox)
    return bool(box.is_leader) or generated_image


def _detach(pdf: pydyf.PDF, annotations: set[bytes]) -> None:
    """Take the elements of these link annotations out of the tree, their annotations kept.

    What no element of the tree holds is turned into artifacts by ``retag``; each annotation goes
    to the element above, so that it stays tagged.
    """
    objects = pdf.objects
    holders = {
        obj.reference: obj
        for obj in objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Obj") in annotations
    }
    nums = objects[_number(pdf.catalog["StructTreeRoot"])]
    nums = objects[_number(nums["ParentTree"])]["Nums"]
    for element in objects:
        if not isinstance(element, pydyf.Dictionary) or element.get("Type") != "/StructElem":
            continue
        held = [kid for kid in element["K"] if kid in holders]
        if not held:
            continue
        parent = objects[_number(element["P"])]
        parent["K"] = pydyf.Array(kid for kid in parent["K"] if kid != element.reference)
        parent["K"].extend(held)
        for index, value in enumerate(nums):
            if value == element.reference:
                nums[index] = parent.reference


def _number(reference: bytes) -> int:
    """The object number of an indirect reference as pydyf writes one."""
    return int(reference.split()[0])


def _boxes(box: Any, in_head: bool, grid: bool) -> Iterator[tuple[Any, bool, bool]]:
    """A box and every box inside it, each with whether it is in a table's header rows and
    whether in a table that only lays things out (``role="presentation"``)."""
    in_head = in_head or getattr(box, "is_header", False)
    if box.element is not None and box.element_tag == "table":
        grid = box.element.get("role") == "presentation"
    yield box, in_head, grid
    for child in getattr(box, "children", ()):
        yield from _boxes(child, in_head, grid)


def _as_division(pdf: pydyf.PDF, cell: pydyf.Dictionary) -> None:
    """A layout table's cell, and the rows and table above it, tagged as divisions."""
    element = cell
    while element["S"] in _TABLE_PARTS:
        table = element["S"] == "/Table"
        element["S"] = "/Div"
        element.pop("A", None)
        if table:
            return
        element = pdf.objects[_number(element["P"])]


def retag(data: bytes, identifier: bytes) -> bytes:
    """A tagged PDF with what no tree element holds as artifacts, and headings in order."""
    with pikepdf.open(BytesIO(data)) as pdf:
        reachable = _reachable(pdf)
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        for index in range(0, len(nums), 2):
            marks = nums[index + 1]
            if not isinstance(marks, pikepdf.Array):
                continue
            page = pdf.pages[int(nums[index])]
            orphans = {
                mcid: _kind(element, reachable)
                for mcid, element in enumerate(marks)
                if isinstance(element, pikepdf.Dictionary) and element.objgen not in reachable
            }
            if orphans:
                _as_artifacts(pdf, page, orphans)
                for mcid in orphans:
                    marks[mcid] = None
        level = 0
        for element in _elements(pdf):
            found = _level(element)
            if found:
                # A heading may go down one level at a time: a source's h4 under its title is h2.
                level = min(found, level + 1)
                element.S = pikepdf.Name(f"/H{level}")
        return pdf_merge.save(pdf, identifier)


def _kind(element: pikepdf.Object, reachable: set[tuple[int, int]]) -> pikepdf.Name:
    """The kind of artifact an element out of the tree stands for.

    The boxes of margin boxes hang from the document element, outside its kids: pagination.
    Decoration taken out of the tree (``finish``) hangs from an element of the tree: layout.
    """
    parent = element.get("/P")
    while parent is not None and parent.objgen not in reachable:
        parent = parent.get("/P")
    top = parent is None or parent.get("/S") == "/Document"
    return pikepdf.Name.Pagination if top else pikepdf.Name.Layout


def _level(element: pikepdf.Dictionary) -> int:
    """A heading element's level, or 0 for any other element."""
    tag = str(element.S)
    return int(tag[2]) if len(tag) == 3 and tag[:2] == "/H" and tag[2] in "123456" else 0


def _as_artifacts(pdf: pikepdf.Pdf, page: pikepdf.Page, kinds: dict[int, pikepdf.Name]) -> None:
    """Mark the page's marked content with these MCIDs as artifacts of these kinds."""
    instructions: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    for instruction in pikepdf.parse_content_stream(page):
        mcid = _marked(instruction)
        kind = kinds.get(mcid) if mcid is not None else None
        if kind is not None:
            operands = [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=kind)]
            instruction = pikepdf.ContentStreamInstruction(operands, instruction.operator)
        instructions.append(instruction)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _marked(instruction: pikepdf.ContentStreamInstruction | Any) -> int | None:
    """The MCID that a BDC instruction's property list gives, if it is one and gives one."""
    if not isinstance(instruction, pikepdf.ContentStreamInstruction):
        return None
    operands = instruction.operands
    if str(instruction.operator) != "BDC" or len(operands) != 2:
        return None
    if not isinstance(operands[1], pikepdf.Dictionary) or "/MCID" not in operands[1]:
        return None
    return int(operands[1].MCID)


def _kids(element: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """The structure elements directly under one."""
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid


def _elements(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every structure element in the tree, in reading order."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    stack = list(reversed(list(_kids(root))))
    while stack:
        element = stack.pop()
        yield element
        stack.extend(reversed(list(_kids(element))))


def _reachable(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """The object numbers of the structure elements the tree holds."""
    return {element.objgen for element in _elements(pdf)}


def _has(element: pikepdf.Dictionary, tag: str) -> bool:
    """Whether a structure element holds one of this type below it."""
    return any(str(kid.S) == tag or _has(kid, tag) for kid in _kids(element))


def check_structure(path: Path) -> list[Diagnostic]:
    """What a tagged PDF does wrong by the clauses fixed here, as error diagnostics."""
    found: list[Diagnostic] = []
    name = str(path)

    def report(code: str, message: str, severity: Severity = "error") -> None:
        found.append(Diagnostic(name, None, severity, code, message))

    with pikepdf.open(path) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            report(ARTIFACT, "the PDF is not tagged")
            return found
        if not str(pdf.Root.get("/Lang", "")):
            report(LANG, "the document declares no language (/Lang)")
        reachable = _reachable(pdf)
        tree = pdf.Root.StructTreeRoot.get("/ParentTree", pikepdf.Dictionary())
        nums = tree.get("/Nums", pikepdf.Array())
        untagged = 0
        for index in range(0, len(nums), 2):
            marks = nums[index + 1]
            if isinstance(marks, pikepdf.Array):
                page = pdf.pages[int(nums[index])]
                untagged += _untagged(page, marks, reachable)
        if untagged:
            report(ARTIFACT, f"{untagged} marked contents belong to no structure element")
        level = 0
        for element in _elements(pdf):
            tag = str(element.S)
            depth = _level(element)
            if depth > level + 1:
                report(HEADINGS, f"a heading goes from level {level} to {depth}")
            level = depth or level
            if "/Lang" in element and not str(element.Lang):
                report(LANG, "a structure element declares an empty language")
            if tag == "/TH" and "/Scope" not in element.get("/A", pikepdf.Dictionary()):
                report(SCOPE, "a table header cell has no /Scope")
            if tag == "/Table" and not _has(element, "/TH"):
                # A source's table may have none; a layout grid should not be a table at all.
                message = "a table has no header cells: a screen reader cannot name its columns"
                report(TABLE_HEADERS, message, "warning")
    return found


def _untagged(page: pikepdf.Page, marks: pikepdf.Array, reachable: set[Any]) -> int:
    """How many of a page's marked contents point at no element of the tree."""
    count = 0
    for instruction in pikepdf.parse_content_stream(page):
        mcid = _marked(instruction)
        if mcid is None:
            continue
        element = marks[mcid] if mcid < len(marks) else None
        if not isinstance(element, pikepdf.Dictionary) or element.objgen not in reachable:
            count += 1
    return count
