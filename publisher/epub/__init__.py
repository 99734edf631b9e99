"""EPUB backend: Compilation → .epub.

In: a ``Compilation`` and ``OutputOptions``. Out: an EPUB 3 file (EbookLib), written atomically,
and the diagnostics of writing it.
"""

from publisher.epub.writer import write

__all__ = ["write"]
