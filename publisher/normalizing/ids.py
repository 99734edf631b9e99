"""Document ids: a stable, unique slug per source file, from its name or its bundle's folder."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

_SLUG_MAX = 80
# Hugo's page bundles: the folder is the document, its index file only holds the text.
_BUNDLE_INDEXES = frozenset({"index", "_index"})

SourceKey = tuple[Path, str]
"""A source file as its root and its path under that root: two roots may hold the same path."""


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "document"


def unique_ids(sources: Sequence[SourceKey]) -> dict[SourceKey, str]:
    """A stable slug per source file; clashes get -2, -3… in path then root order.

    The slug comes from the file name under its root, or from the folder of a page bundle
    (``<slug>/index.md``). The order of the input does not change the result.
    """
    ids: dict[SourceKey, str] = {}
    taken: set[str] = set()
    for root, path in sorted(set(sources), key=lambda source: (source[1], str(source[0]))):
        base = _slug(document_name(path))
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        ids[(root, path)] = candidate
    return ids


def document_name(path: str) -> str:
    """What names a document: its file stem, or its folder when it is a bundle's index."""
    pure = PurePosixPath(path)
    # Hugo names a bundle's translations index.es.md, index.fr.md…
    head, dot, language = pure.stem.partition(".")
    if head.lower() in _BUNDLE_INDEXES and pure.parent.name:
        return pure.parent.name + dot + language
    return pure.stem
