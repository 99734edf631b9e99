"""PDF backend: Compilation → .pdf.

In: a ``Compilation`` and ``OutputOptions``. Out: a PDF file (WeasyPrint, pikepdf), written
atomically, and the diagnostics of writing it. A build goes prepare → plan units → lay out
(a process pool or an executor) → merge → stamp page numbers → write: see ``writer.write``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.model import Compilation, Diagnostic
    from publisher.rendering.options import OutputOptions


def write(compilation: Compilation, output: Path, options: OutputOptions) -> list[Diagnostic]:
    """Write the compilation as a PDF (the engine is imported on first use: it is slow to load)."""
    from publisher.pdf import writer

    return writer.write(compilation, output, options)
