"""Links between documents, pointed where the compilation puts their targets.

The normalizer marks a link that names another document (a Markdown file, Hugo's ``ref``,
Jekyll's ``post_url``) with ``REF_ATTR``: the path as written, with its fragment. Here it
becomes a link to that document's anchor (``#doc-<id>`` or a heading's) when the compilation
holds it, else to the address it was published at, else to what the normalizer could make of
it, else its text with a warning.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import PurePosixPath

from publisher.model import Diagnostic, Document
from publisher.normalizing.ids import document_name
from publisher.normalizing.tree import (
    LINE_ATTR,
    REF_ATTR,
    Replacement,
    bottom_up,
    splice,
    to_xhtml,
    unwrap,
)

_SUFFIXES = (".md", ".markdown", ".html", ".htm")


def resolve(
    chosen: Sequence[Document], pool: Sequence[Document]
) -> tuple[list[Document], list[Diagnostic]]:
    """The chosen documents with their links to other documents pointed at them."""
    problems: list[Diagnostic] = []
    index = _Index([*pool, *chosen])
    included = {doc.id for doc in chosen}
    resolved = []
    for doc in chosen:
        if REF_ATTR not in doc.body:
            resolved.append(doc)
            continue
        root = ET.fromstring(f"<div>{doc.body}</div>")

        def decide(link: ET.Element, doc: Document = doc) -> Replacement:
            return _point(link, doc, index, included, problems)

        for parent in bottom_up(root):
            splice(parent, decide)
        resolved.append(dataclasses.replace(doc, body=to_xhtml(root)))
    return resolved, problems


def _point(
    link: ET.Element,
    doc: Document,
    index: _Index,
    included: set[str],
    problems: list[Diagnostic],
) -> Replacement:
    """A link of doc pointed at the document it names, or its text when that is nowhere."""
    written = link.attrib.pop(REF_ATTR, None)
    line = link.attrib.pop(LINE_ATTR, "")
    if written is None:
        return link
    path, _, fragment = written.partition("#")
    target = index.find(doc, path)
    if target is not None and target.id in included:
        link.set("href", "#" + _anchor(target, fragment))
    elif target is not None and target.source_url:
        link.set("href", target.source_url + (f"#{fragment}" if fragment else ""))
    elif "href" not in link.attrib:
        message = f"link to {written!r}: no document of the set and no address; kept as text"
        where = int(line) if line.isdigit() else None
        problems.append(Diagnostic(doc.path, where, "warning", "reference-missing", message))
        return unwrap(link)
    return link


def _anchor(doc: Document, fragment: str) -> str:
    """The id of a fragment of a document, or of the document itself when it has no such id."""
    start = f"doc-{doc.id}"
    if fragment:
        for candidate in (fragment, _slug(fragment)):
            anchor = f"{start}--{candidate}"
            if f'id="{anchor}"' in doc.body:
                return anchor
    return start


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


class _Index:
    """Documents by path, by path without suffix or bundle index, and by name."""

    def __init__(self, docs: Sequence[Document]) -> None:
        self.by_path: dict[str, Document] = {}
        self.by_name: dict[str, dict[str, Document]] = {}
        for doc in docs:
            for key in _keys(doc.path):
                self.by_path.setdefault(key, doc)
            for name in (document_name(doc.path).lower(), doc.id):
                self.by_name.setdefault(name, {})[doc.id] = doc

    def find(self, source: Document, written: str) -> Document | None:
        """The document a link names: by path from the linking one, from the root, at the end of
        a path, then by name, as Hugo's ``ref`` looks."""
        path = written.strip()
        if not path:
            return None
        candidates = [_normal(PurePosixPath(source.path).parent / path.lstrip("/"))]
        if path.startswith("/") or "/" not in path.rstrip("/"):
            candidates.append(_normal(PurePosixPath(path.lstrip("/"))))
        for candidate in candidates:
            for key in _keys(candidate):
                if key in self.by_path:
                    return self.by_path[key]
        # A site's content folder may hold the source root: /blog/post.md names blog/post.md.
        tails = [f"/{key}" for key in _keys(_normal(PurePosixPath(path.lstrip("/"))))]
        ends = {doc.id: doc for key, doc in self.by_path.items() if key.endswith(tuple(tails))}
        if len(ends) == 1:
            return next(iter(ends.values()))
        named = list(self.by_name.get(_name(path).lower(), {}).values())
        return named[0] if len(named) == 1 else None


def _keys(path: str) -> list[str]:
    """The forms a link may name a document's path in: as it is, without its suffix, and a
    bundle as its folder."""
    pure = PurePosixPath(path)
    keys = [path]
    if pure.suffix.lower() in _SUFFIXES:
        keys.append(pure.with_suffix("").as_posix())
    if pure.stem.split(".")[0] in ("index", "_index") and pure.parent.name:
        keys.append(pure.parent.as_posix())
    return keys


def _normal(path: PurePosixPath) -> str:
    """A path with its dots resolved, never above its start."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", "/"):
            parts.append(part)
    return "/".join(parts)


def _name(path: str) -> str:
    """The name a link gives a document: as ``ids`` names a file, else its last part."""
    path = path.rstrip("/")
    if PurePosixPath(path).suffix.lower() in _SUFFIXES:
        return document_name(path)
    return PurePosixPath(path).name
