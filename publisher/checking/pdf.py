"""A PDF opened and parsed with pikepdf, then handed to the structure checks in ``CHECKS``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf

from publisher.model import Diagnostic
from publisher.pdf import tagging

Check = Callable[[Path, pikepdf.Pdf], list[Diagnostic]]
"""A check of an opened PDF: what it finds, located in the file."""


def _tagged(path: Path, pdf: pikepdf.Pdf) -> list[Diagnostic]:
    """The PDF/UA clauses (artifacts, languages, header scopes, heading order) of a tagged PDF.

    An untagged PDF claims no accessibility: the ordinary brief and book are not held to them.
    """
    if "/StructTreeRoot" not in pdf.Root:
        return []
    return tagging.check_structure(path)


CHECKS: tuple[Check, ...] = (_tagged,)
"""The structure checks run on every PDF that parses (tags, languages, artifacts: PDF/UA)."""


def check(path: Path, checks: tuple[Check, ...] = CHECKS) -> list[Diagnostic]:
    """Problems of a PDF: unreadable, damaged (qpdf's own check), then what each check finds."""
    try:
        with pikepdf.open(path) as pdf:
            if not len(pdf.pages):
                return [Diagnostic(str(path), None, "error", "pdf-empty", "the PDF has no page")]
            found = [
                Diagnostic(str(path), None, "error", "pdf-damaged", _plain(problem, path))
                for problem in pdf.check_pdf_syntax()
            ]
            for each in checks:
                found.extend(each(path, pdf))
            return found
    except (pikepdf.PdfError, OSError) as error:
        message = f"not a PDF that can be read: {_plain(str(error), path)}"
        return [Diagnostic(str(path), None, "error", "pdf-unreadable", message)]


def _plain(text: str, path: Path) -> str:
    """qpdf's message without the severity and the file name it starts with."""
    return text.removeprefix("WARNING: ").removeprefix(f"{path}: ").removeprefix(f"{path} ")
