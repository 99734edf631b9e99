"""What a document's template tags may read of the files around it: the images of its page
bundle, Jekyll's ``_includes``, its front matter and the project's snippets."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath

from publisher.model import RawDocument
from publisher.normalizing.shortcodes import Page
from publisher.reading import files

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
"""Files a page shows as images."""

# Hugo's page bundles: a folder whose index file holds the text, the other files its resources.
_LEAF, _BRANCH = "index", "_index"
# A bundle with more files than this is not walked further: a gallery of thousands is a mistake.
_MAX_FILES = 2_000
_INCLUDE_BYTES = 256 * 1024


def page(raw: RawDocument, snippets: Mapping[str, str]) -> Page:
    """The Page of a document: its front matter, bundle and includes, the project's snippets."""
    root = raw.root.resolve()
    folder = PurePosixPath(raw.path).parent
    stem = PurePosixPath(raw.path).stem.split(".")[0].lower()
    listed: list[tuple[str, ...]] = []

    def matching(pattern: str) -> tuple[str, ...]:
        if stem not in (_LEAF, _BRANCH):
            return ()  # a page that is no bundle has no resources
        if not listed:
            listed.append(_bundle(root / folder.as_posix(), leaf=stem == _LEAF))
        wanted = _glob(pattern)
        return tuple(path for path in listed[0] if wanted.fullmatch(path))

    def include(name: str) -> str | None:
        return _include(root, folder, name)

    return Page(raw.meta, matching, include, snippets)


def _bundle(base: Path, *, leaf: bool) -> tuple[str, ...]:
    """The images of a bundle, relative to its folder, sorted: a leaf bundle's in its subfolders
    too, a branch bundle's beside its index only (its subfolders are pages of their own)."""
    found: list[str] = []
    for current, folders, names in os.walk(base):
        folders.sort()
        if not leaf:
            folders.clear()
        here = Path(current)
        for name in sorted(names):
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                found.append((here / name).relative_to(base).as_posix())
        if len(found) >= _MAX_FILES:
            break
    return tuple(sorted(found))


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A Hugo resource glob as a regex: ``**`` crosses folders, ``*`` and ``?`` do not, and
    ``{png,jpg}`` is either."""
    parts = re.split(r"(\*\*|\*|\?|\{|\}|,)", pattern.strip().lstrip("/"))
    wild = {"**": ".*", "*": "[^/]*", "?": "[^/]", "{": "(?:", "}": ")"}
    depth = 0
    out = []
    for part in parts:
        depth += {"{": 1, "}": -1}.get(part, 0)
        out.append("|" if part == "," and depth > 0 else wild.get(part, re.escape(part)))
    try:
        return re.compile("".join(out), re.IGNORECASE)
    except re.error:  # braces that do not pair
        return re.compile(re.escape(pattern), re.IGNORECASE)


def _include(root: Path, folder: PurePosixPath, name: str) -> str | None:
    """The text of _includes/name in the document's folder or the nearest one above it."""
    if not name or "\\" in name or name.startswith("/") or ".." in PurePosixPath(name).parts:
        return None
    for here in (folder, *folder.parents):
        candidate = root / here / "_includes" / name
        try:
            resolved = candidate.resolve()
            if not resolved.is_relative_to(root) or not resolved.is_file():
                continue
            return files.read(resolved, _INCLUDE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    return None
