"""Work kept between builds: normalized documents by file digest, and the pickle store under both.

An entry is named by a SHA-256 of everything its value depends on, so a stale entry is never
read: it is simply not asked for again. Entries are written atomically (a temporary file renamed
into place), so builds running at the same time can share a folder.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from publisher import __version__, files, markup, model, normalize, reader, sanitize
from publisher.model import Diagnostic, Document, RawDocument
from publisher.workers import running

DEFAULT = Path(".publisher-cache")
"""Cache folder, relative to the project root (or to the working folder without a project)."""

FORMAT = "1"
"""Bumped when the layout of what is pickled changes."""
PARALLEL_FROM = 64
"""Documents to normalize per worker process before more than one is worth starting."""

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
        path.relative_to(root).as_posix() if raw is not None or entry is not None else None
        for (path, root), raw, entry in zip(found, raws, entries, strict=True)
    ]
    ids = normalize.unique_ids([p for p in read_paths if p is not None])
    todo: dict[int, RawDocument] = {}
    for index, (path, root) in enumerate(found):
        entry, rel = entries[index], read_paths[index]
        if entry is not None and rel is not None and entry.doc_id != ids[rel]:
            # Another file now claims this slug: the anchors in the body must change too.
            raws[index], _ = reader.read(path, root)
            entries[index] = None
        raw = raws[index]
        if entries[index] is None and raw is not None:
            todo[index] = raw
    normalized = _normalize(list(todo.values()), default_lang, ids)
    for index, (docs, found_now) in zip(todo, normalized, strict=True):
        raw = todo[index]
        document = docs[0] if docs else None
        entries[index] = _Entry(ids[raw.path], tuple(reading[index]), document, tuple(found_now))
        key = keys[index]
        if store is not None and key is not None:
            store.put(key, entries[index])
    documents = [e.document for e in entries if e is not None and e.document is not None]
    problems = [d for diagnostics in reading for d in diagnostics]
    return documents, problems + [d for e in entries if e is not None for d in e.found]


def _normalize(
    raws: list[RawDocument], default_lang: str, ids: dict[str, str]
) -> Iterator[tuple[list[Document], list[Diagnostic]]]:
    """Normalize each raw document alone, in worker processes when there are many."""
    one = functools.partial(_normalize_one, default_lang=default_lang, ids=ids)
    workers = min(os.cpu_count() or 1, len(raws) // PARALLEL_FROM)
    if workers < 2 or sys.platform != "linux":
        yield from map(one, raws)
        return
    # Forked workers share the parsers already loaded; Markdown parsing is the cold build's cost.
    with running(workers) as pool:
        yield from pool.map(one, raws, chunksize=16)


def _normalize_one(
    raw: RawDocument, default_lang: str, ids: dict[str, str]
) -> tuple[list[Document], list[Diagnostic]]:
    return normalize.normalize([raw], default_lang=default_lang, ids=ids)


def _key(path: Path, root: Path, default_lang: str, tool: str) -> str | None:
    """The cache key of one file, or None when its result cannot be cached."""
    try:
        data = files.read(path, reader.MAX_BYTES)
    except OSError:
        return None
    if _IMAGES.search(data):
        return None
    rel = path.relative_to(root).as_posix()
    digest = hashlib.sha256(f"{tool}\0{default_lang}\0{rel}\0".encode())
    digest.update(data)
    return digest.hexdigest()
