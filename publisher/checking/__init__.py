"""Checking: built outputs → what the validators say about them.

In: EPUB and PDF files, and the validators this machine has (``programs.find``). Out:
``Diagnostic``s located in the files: EPUBCheck's and Ace's findings for an EPUB, and for a PDF
that it opens and parses, then whatever the checks in ``pdf.CHECKS`` find. Nothing here writes a
publication; ``publisher validate`` runs it after ``publisher build``.
"""

from publisher.checking.programs import Programs, find
from publisher.checking.validate import validate

__all__ = ["Programs", "find", "validate"]
