"""What building a project's editions gives back: one record per edition, for programs."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.model import Diagnostic, Document


@dataclass(frozen=True, slots=True)
class Included:
    """A document an edition holds."""

    id: str
    """The document's unique slug."""
    path: str
    """Its file, relative to its source root."""
    title: str
    """Its title."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A source file that did not become a document, and why."""

    path: str
    """The file, relative to its source root (or the input as given)."""
    diagnostics: tuple[Diagnostic, ...]
    """The errors that left it out."""


@dataclass(frozen=True, slots=True)
class Output:
    """One edition's file after a build."""

    edition: str
    """Edition name."""
    path: Path
    """The file."""
    documents: int
    """Documents it holds."""
    pages: int | None
    """Pages, for a PDF."""
    fresh: bool
    """False when the file was already up to date and nothing was rendered."""
    format: str = ""
    """``epub`` or ``pdf``."""
    included: tuple[Included, ...] = ()
    """The documents it holds, in book order."""
    skipped: tuple[Skipped, ...] = ()
    """Source files of the project left out of this build (and so of every edition built)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems of this edition: its documents' and its own (assembling, rendering, writing)."""
    failed: bool = False
    """True when no file was written (its diagnostics say why); ``path`` is where it would be."""


def included(documents: Iterable[Document]) -> tuple[Included, ...]:
    """The records of the documents an edition holds."""
    return tuple(Included(d.id, d.path, d.title) for d in documents)


def skipped(loaded: Sequence[Diagnostic]) -> tuple[Skipped, ...]:
    """The files that loading left out: those it found an error in, with those errors."""
    errors: dict[str, list[Diagnostic]] = {}
    for diagnostic in loaded:
        if diagnostic.severity == "error":
            errors.setdefault(diagnostic.path, []).append(diagnostic)
    return tuple(Skipped(path, tuple(found)) for path, found in errors.items())


def own(
    loaded: Sequence[Diagnostic], built: Sequence[Diagnostic], paths: Collection[str]
) -> tuple[Diagnostic, ...]:
    """An edition's diagnostics: loading's about the documents it holds, then its build's."""
    return tuple(dict.fromkeys((*(d for d in loaded if d.path in paths), *built)))
