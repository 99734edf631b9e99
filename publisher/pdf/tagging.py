"""The PDF/UA structure tree made to read right, and the checks that say where it does not.

WeasyPrint (70) tags a page in one pass over its boxes. Three things it leaves wrong are put right
here: the text of margin boxes (running heads, "Page N of M") is marked as content pointing at
structure elements that no tree holds, where PDF/UA wants artifacts; table cells carry no
``/Lang`` and header cells no ``/Scope``; and a table without header cells, which is how the
parallel bilingual layout lines translations up, is tagged as a data table. ``finish`` runs as
WeasyPrint's finisher, while the boxes that know each cell's language and ``scope`` are still at
hand; ``retag`` rewrites the written file with pikepdf; ``check_structure`` reads a file back and
reports what is still wrong as diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types
from weasyprint.formatting_structure import boxes

from publisher.model import Diagnostic
from publisher.pdf import merge as pdf_merge
from publisher.pdf import textruns

ARTIFACT = "pdf-ua-artifact"
LANG = "pdf-ua-lang"
SCOPE = "pdf-ua-scope"
LAYOUT_TABLE = "pdf-ua-layout-table"
HEADINGS = "pdf-ua-headings"

# HTML ``scope`` values as PDF ``/Scope`` names; a header cell without one is a column's header in
# a table head and a row's elsewhere.
_SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}
# A table that lays blocks out in a grid, retagged as nested divisions.
_GRID = {"/Table": "/Div", "/THead": "/Div", "/TBody": "/Div", "/TFoot": "/Div", "/TR": "/Div"}
_GRID_CELLS = ("/TD", "/TH")


def finish(document: Any, pdf: pydyf.PDF) -> None:
    """Header cells' scope, decoration out of the tree, languages and hyphenated words."""
    decoration = []
    for page in document.pages:
        for box, in_head in _boxes(page._page_box, False):
            if _decorates(box):
                decoration.append(box.link_annotation.reference)
            element = getattr(box, "mark", None)
            if element is not None and box.element_tag == "th":
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


def _boxes(box: Any, in_head: bool) -> Iterator[tuple[Any, bool]]:
    """A box and every box inside it, each with whether it is in a table's header rows."""
    in_head = in_head or getattr(box, "is_header", False)
    yield box, in_head
    for child in getattr(box, "children", ()):
        yield from _boxes(child, in_head)


def retag(data: bytes, identifier: bytes) -> bytes:
    """A tagged PDF with what no tree element holds as artifacts, grid tables as divisions."""
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
            if element.S == "/Table" and not _has(element, "/TH"):
                _as_grid(element)
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


def _as_grid(table: pikepdf.Dictionary) -> None:
    """Retag a table, its row groups, rows and cells as divisions."""
    table.S = pikepdf.Name(_GRID.get(str(table.S), "/Div"))
    if str(table.S) == "/Div" and "/A" in table and table.A.get("/O") == "/Table":
        del table["/A"]
    for kid in _kids(table):
        if str(kid.S) in _GRID or str(kid.S) in _GRID_CELLS:
            _as_grid(kid)


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

    def report(code: str, message: str) -> None:
        found.append(Diagnostic(name, None, "error", code, message))

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
                report(LAYOUT_TABLE, "a table without header cells is tagged as a data table")
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
