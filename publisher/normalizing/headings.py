"""Heading levels renumbered so that none is skipped, the outline of the source kept.

The document title is the level-1 heading of every page, so a body's headings start at level 2
and each one is at most one level below the heading it falls under: a source that goes from its
title to an h4 gets an h2, and the h5 under that an h3. Screen readers move by heading level,
and a skipped level reads as a missing part.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def normalize_levels(root: Element) -> None:
    """Renumber the h2 to h6 of a body, in document order, so that no level is skipped."""
    # (level in the source, level given) of the headings the next one may fall under.
    open_: list[tuple[int, int]] = []
    for element in root.iter():
        if element.tag not in _SUBHEADINGS:
            continue
        source = int(str(element.tag)[1])
        while open_ and open_[-1][0] >= source:
            open_.pop()
        level = open_[-1][1] + 1 if open_ else 2
        open_.append((source, level))
        element.tag = f"h{level}"
