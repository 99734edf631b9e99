"""Progress of a build, told as plain events to whoever listens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Stage = Literal["reading", "normalizing", "layout", "merging", "writing"]
STAGES: tuple[Stage, ...] = ("reading", "normalizing", "layout", "merging", "writing")


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one stage of a build has come."""

    stage: Stage
    """Reading files, normalizing documents, laying out PDF parts, merging them, writing."""
    done: int
    """Items done so far: 0 when the stage starts, ``total`` when it ends."""
    total: int
    """Items in the stage."""
    edition: str | None = None
    """The edition being built, or None for the work all editions share (and outside a project)."""


Listener = Callable[[Progress], None]
"""What hears the events; it must return quickly, the build waits for it."""
