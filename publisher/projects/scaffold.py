"""``publisher init``: a working project to start from."""

from __future__ import annotations

import importlib.resources
import shutil
import sys
from pathlib import Path

SKELETON = Path(str(importlib.resources.files("publisher.projects") / "skeleton"))
# Package data cannot hold dotfiles reliably, so they are stored without the dot.
_RENAMES = {"gitignore": ".gitignore"}


class ScaffoldError(Exception):
    """The folder cannot receive a new project."""


def init(folder: Path) -> list[Path]:
    """Copy the project skeleton into a folder, refusing to overwrite any file."""
    sources = sorted(p for p in SKELETON.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    targets = [
        folder / _RENAMES.get(p.name, p.name)
        if p.parent == SKELETON
        else folder / p.relative_to(SKELETON)
        for p in sources
    ]
    clashes = [t for t in targets if t.exists()]
    if clashes:
        names = ", ".join(str(t) for t in clashes)
        raise ScaffoldError(f"{names} already exist; choose an empty folder")
    for source, target in zip(sources, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.name == "Makefile":
            # The project's make runs the Publisher that made it, whatever is on PATH then.
            text = source.read_text(encoding="utf-8").replace("@PYTHON@", _make_word())
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
    return targets


def _make_word() -> str:
    """This Python's path as make reads it literally: ``$`` and ``#`` escaped."""
    return sys.executable.replace("$", "$$").replace("#", "\\#")
