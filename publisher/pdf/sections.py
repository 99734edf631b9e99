"""A long brief's run of documents, cut into sections that each start a new page.

The brief's documents flow on from page to page: however it is cut into units, each unit must
start where the one before it ended, so the run could only be laid out one window after another
(``runner.WINDOW``), on one worker. In a run of more than ``SHORTEST`` documents, some documents
start a new page instead, and each section of the run is a unit of its own, laid out beside the
others. One pass lays out the same cuts: only where they fall do the pages differ from a brief
whose run is never cut.

A document starts a section when ``SHORTEST`` documents or more come before it in its section and
a digest of its name picks it (one in ``ODDS``), or when its section holds ``LONGEST`` documents
already. So a cut depends on the documents of its own section alone: adding or changing a document
moves no cut beyond the next one, and the sections after it stay cached. A cut falls only where a
document ended, never between a section heading and its first document.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from publisher.pdf import flow as pdf_flow
from publisher.rendering.render import Part

SHORTEST = 32
"""Fewest documents in a section of the run, but the last."""
ODDS = 16
"""One document in this many (by a digest of its name) starts a section, past ``SHORTEST``."""
LONGEST = 96
"""Most documents in a section: the next one starts a new section, picked or not."""

_RUN = frozenset({"document", "section"})


def cut(parts: Sequence[Part], layout: str) -> tuple[tuple[Part, ...], frozenset[str]]:
    """The parts, those that start a section of a brief's run starting a new page; their names."""
    if layout != "brief":
        return tuple(parts), frozenset()
    shown: list[Part] = []
    starts: set[str] = set()
    held = 0
    for part in parts:
        follows = bool(shown) and shown[-1].kind == "document"
        if part.kind not in _RUN:
            held = 0
        elif follows and held >= SHORTEST and (held >= LONGEST or _picked(part.name)):
            part = dataclasses.replace(part, html=pdf_flow.opened(part.html))
            starts.add(part.name)
            held = 0
        held += part.kind == "document"
        shown.append(part)
    return tuple(shown), frozenset(starts)


def _picked(name: str) -> bool:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") % ODDS == 0
