"""PDF backend: Compilation → .pdf.

In: a ``Compilation`` and ``OutputOptions``. Out: a PDF file (WeasyPrint, pikepdf), written
atomically, and the diagnostics of writing it. A build goes prepare → plan units → lay out
(a process pool or an executor) → merge → stamp page numbers → write: see ``writer.write``.
"""

from publisher.pdf.writer import write

__all__ = ["write"]
