"""Work kept between builds: normalized documents by file digest, and the pickle store under both.

An entry is named by a SHA-256 of everything its value depends on, so a stale entry is never
read: it is simply not asked for again. Entries are written atomically (a temporary file renamed
into place), so builds running at the same time can share a folder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from publisher import __version__, markup, model, normalize, reader, sanitize
from publisher.model import Diagnostic, Document, RawDocument

DEFAULT = Path(".publisher-cache")
"""Cache folder, relative to the project root (or to the working folder without a project)."""

FORMAT = "1"
"""Bumped when the layout of what is pickled changes."""

# A body that shows a local image depends on files beside it, which its bytes do not name.
_IMAGES = re.compile(rb"!\[|<img\b", re.IGNORECASE)


def code_digest(modules: Iterable[ModuleType]) -> str:
    """A digest of the tool version and of the source of some modules: code changes miss."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Store:
    """One folder of pickled values, named by key."""

    folder: Path
    """Where the pickles are."""

    def get(self, key: str) -> object | None:
        """The value stored under ``key``, or None (missing, unreadable or from another Python)."""
        try:
            with (self.folder / f"{key}.pickle").open("rb") as stream:
                value: object = pickle.load(stream)
                return value
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None

    def put(self, key: str, value: object) -> None:
        """Store a value; a folder that cannot be written is not an error, only a slower build."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as stream:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(self.folder / f"{key}.pickle")
        except OSError:
            temp.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one source file normalized to, and the problems met on the way."""

    doc_id: str
    read: tuple[Diagnostic, ...]
    document: Document | None
    found: tuple[Diagnostic, ...]


def read_documents(
    found: Sequence[tuple[Path, Path]], default_lang: str, folder: Path | None
) -> tuple[list[Document], list[Diagnostic]]:
    """Read and normalize files, reusing what an earlier build made of the same bytes.

    Problems come as an uncached build reports them: every reading problem in file order, then
    every normalizing problem in file order.
    """
    store = Store(folder / "documents") if folder is not None else None
    tool = code_digest((reader, markup, sanitize, normalize, model))
    keys: list[str | None] = []
    entries: list[_Entry | None] = []
    for path, root in found:
        key = _key(path, root, default_lang, tool) if store is not None else None
        value = store.get(key) if store is not None and key is not None else None
        keys.append(key)
        entries.append(value if isinstance(value, _Entry) else None)
    raws: list[RawDocument | None] = []
    reading: list[list[Diagnostic]] = []
    for (path, root), entry in zip(found, entries, strict=True):
        if entry is None:
            raw, diagnostics = reader.read(path, root)
        else:
            raw, diagnostics = None, list(entry.read)
        raws.append(raw)
        reading.append(diagnostics)
    read_paths = [
        raw.path if raw is not None else entry.document.path if entry and entry.document else None
        for raw, entry in zip(raws, entries, strict=True)
    ]
    ids = normalize.unique_ids([p for p in read_paths if p is not None])
    documents: list[Document] = []
    problems = [d for diagnostics in reading for d in diagnostics]
    later: list[Diagnostic] = []
    for index, (path, root) in enumerate(found):
        entry, raw, rel = entries[index], raws[index], read_paths[index]
        if entry is not None and rel is not None and entry.doc_id != ids[rel]:
            # Another file now claims this slug: the anchors in the body must change too.
            raw, _ = reader.read(path, root)
            entry = None
        if entry is None:
            if raw is None:
                continue
            docs, found_now = normalize.normalize([raw], default_lang=default_lang, ids=ids)
            document = docs[0] if docs else None
            entry = _Entry(ids[raw.path], tuple(reading[index]), document, tuple(found_now))
            key = keys[index]
            if store is not None and key is not None:
                store.put(key, entry)
        if entry.document is not None:
            documents.append(entry.document)
        later.extend(entry.found)
    return documents, problems + later


def _key(path: Path, root: Path, default_lang: str, tool: str) -> str | None:
    """The cache key of one file, or None when its result cannot be cached."""
    try:
        data = path.read_bytes() if path.stat().st_size <= reader.MAX_BYTES else None
    except OSError:
        return None
    if data is None or _IMAGES.search(data):
        return None
    rel = path.relative_to(root).as_posix()
    digest = hashlib.sha256(f"{tool}\0{default_lang}\0{rel}\0".encode())
    digest.update(data)
    return digest.hexdigest()
