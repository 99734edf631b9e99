"""Normalized documents kept by the bytes of their file: each file read once, keyed and parsed."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from publisher import css, i18n, model, normalizing
from publisher import reading as reading_stage
from publisher.cache import data as d
from publisher.cache import store as cache
from publisher.cache.data import Damaged, Data, Unstorable
from publisher.model import Author, Diagnostic, Document, Heading, RawDocument
from publisher.normalizing import normalize
from publisher.normalizing.ids import SourceKey, unique_ids
from publisher.reading import reader
from publisher.runtime.progress import Listener, Progress
from publisher.runtime.workers import running

PARALLEL_FROM = 64
"""Documents to normalize per worker process before more than one is worth starting."""

# A body that shows a local image depends on files beside it, which its bytes do not name; so
# does one whose template tags show the bundle's images or include a file.
_IMAGES = re.compile(
    rb"!\[|<img\b|\{\{[<%]\s*/?\s*(?:figure|img|imgproc|gallery)\b|\{%-?\s*include\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one source file normalized to, and the problems met on the way."""

    doc_id: str
    read: tuple[Diagnostic, ...]
    document: Document | None
    found: tuple[Diagnostic, ...]


def read_documents(
    found: Sequence[tuple[Path, Path]],
    default_lang: str,
    folder: Path | None,
    snippets: Mapping[str, str] | None = None,
    progress: Listener | None = None,
) -> tuple[list[Document], list[Diagnostic]]:
    """Read and normalize files, reusing what an earlier build made of the same bytes.

    ``snippets`` maps a shortcode name to the project's Jinja snippet for it; ``progress``
    hears how many files are read, then how many documents (not found in the cache) normalized.

    Problems come as an uncached build reports them: every reading problem in file order, then
    every normalizing problem in file order; a damaged entry adds one warning at the end.
    """
    store = cache.Store(folder / "documents") if folder is not None else None
    snippets = dict(snippets or {})
    tool = cache.code_digest((reading_stage, normalizing, css, model, i18n))
    # Admonition labels are written into bodies from the built-in catalogs.
    for catalog in sorted(i18n.LOCALES.rglob("*.po")):
        tool = hashlib.sha256(tool.encode() + catalog.read_bytes()).hexdigest()
    # A project's snippets shape the bodies that use them, as the code does.
    tool = hashlib.sha256(repr(sorted(snippets.items())).encode() + tool.encode()).hexdigest()
    keys: list[str | None] = []
    entries: list[_Entry | None] = []
    raws: list[RawDocument | None] = []
    reading: list[list[Diagnostic]] = []
    contents: list[bytes | None] = []
    tell = progress or _silent
    tell(Progress("reading", 0, len(found)))
    for path, root in found:
        # The bytes are read once: the key and the parse both come from them.
        data = reader.contents(path)
        key = _key(data, path.relative_to(root).as_posix(), default_lang, tool)
        entry = store.load(key, _entry) if store is not None and key is not None else None
        raw, diagnostics = reader.parse(path, root, data) if entry is None else (None, [])
        keys.append(key)
        entries.append(entry)
        raws.append(raw)
        reading.append(list(entry.read) if entry is not None else diagnostics)
        contents.append(data)
        tell(Progress("reading", len(contents), len(found)))
    read_paths = [
        (root, path.relative_to(root).as_posix()) if raw is not None or entry is not None else None
        for (path, root), raw, entry in zip(found, raws, entries, strict=True)
    ]
    ids = unique_ids([p for p in read_paths if p is not None])
    todo: dict[int, RawDocument] = {}
    for index, (path, root) in enumerate(found):
        entry, rel = entries[index], read_paths[index]
        if entry is not None and rel is not None and entry.doc_id != ids[rel]:
            # Another file now claims this slug: the anchors in the body must change too.
            raws[index], _ = reader.parse(path, root, contents[index])
            entries[index] = None
        raw = raws[index]
        if entries[index] is None and raw is not None:
            todo[index] = raw
    normalized = _normalize(list(todo.values()), default_lang, ids, snippets)
    tell(Progress("normalizing", 0, len(todo)))
    for done, (index, (docs, found_now)) in enumerate(zip(todo, normalized, strict=True), 1):
        raw = todo[index]
        document = docs[0] if docs else None
        made = _Entry(ids[(raw.root, raw.path)], tuple(reading[index]), document, tuple(found_now))
        entries[index] = made
        key = keys[index]
        if store is not None and key is not None:
            store.put(key, _data(made))
        tell(Progress("normalizing", done, len(todo)))
    documents = [e.document for e in entries if e is not None and e.document is not None]
    problems = [d for diagnostics in reading for d in diagnostics]
    problems += [d for e in entries if e is not None for d in e.found]
    return documents, problems + cache.report([store])


def _silent(_: Progress) -> None:
    """No one listens."""


def _normalize(
    raws: list[RawDocument],
    default_lang: str,
    ids: dict[SourceKey, str],
    snippets: dict[str, str],
) -> Iterator[tuple[list[Document], list[Diagnostic]]]:
    """Normalize each raw document alone, in worker processes when there are many."""
    one = functools.partial(_normalize_one, default_lang=default_lang, ids=ids, snippets=snippets)
    workers = min(os.cpu_count() or 1, len(raws) // PARALLEL_FROM)
    if workers < 2 or sys.platform != "linux":
        yield from map(one, raws)
        return
    # Forked workers share the parsers already loaded; Markdown parsing is the cold build's cost.
    with running(workers) as pool:
        yield from pool.map(one, raws, chunksize=16)


def _normalize_one(
    raw: RawDocument, default_lang: str, ids: dict[SourceKey, str], snippets: dict[str, str]
) -> tuple[list[Document], list[Diagnostic]]:
    return normalize.normalize([raw], default_lang=default_lang, ids=ids, snippets=snippets)


def _key(data: bytes | None, rel: str, default_lang: str, tool: str) -> str | None:
    """The cache key of one file's bytes, or None when its result cannot be cached."""
    if data is None or _IMAGES.search(data):
        return None
    digest = hashlib.sha256(f"{tool}\0{default_lang}\0{rel}\0".encode())
    digest.update(data)
    return digest.hexdigest()


_ENTRY = ("id", "read", "document", "found")
_DIAGNOSTIC = ("path", "line", "severity", "code", "message", "col")
_DOCUMENT = (
    "id", "path", "title", "lang", "date", "published", "tags", "source_url", "authors",
    "summary", "body", "headings", "translation_key", "translation_of", "meta", "digest", "words",
)  # fmt: skip
_SEVERITIES = ("error", "warning")


def _data(entry: _Entry) -> Data:
    """An entry as data; Unstorable when its front matter holds something else."""
    doc = entry.document
    return {
        "id": entry.doc_id,
        "read": [_diagnostic_data(p) for p in entry.read],
        "document": None if doc is None else _document_data(doc),
        "found": [_diagnostic_data(p) for p in entry.found],
    }


def _entry(value: Data) -> _Entry:
    """An entry read back, every field checked."""
    doc_id, read, document, found = d.fields(value, _ENTRY)
    return _Entry(
        d.text(doc_id),
        d.each(read, _diagnostic),
        d.optional(_document)(document),
        d.each(found, _diagnostic),
    )


def _diagnostic_data(problem: Diagnostic) -> Data:
    return {name: getattr(problem, name) for name in _DIAGNOSTIC}


def _diagnostic(value: Data) -> Diagnostic:
    path, line, severity, code, message, col = d.fields(value, _DIAGNOSTIC)
    if severity not in _SEVERITIES:
        raise Damaged(f"severity {severity!r}")
    return Diagnostic(
        d.text(path),
        d.optional(d.integer)(line),
        cast(model.Severity, severity),
        d.text(code),
        d.text(message),
        d.optional(d.integer)(col),
    )


def _document_data(doc: Document) -> Data:
    return {
        **{name: getattr(doc, name) for name in _DOCUMENT},
        "date": None if doc.date is None else doc.date.isoformat(),
        "published": None if doc.published is None else doc.published.isoformat(),
        "headings": [[h.level, h.text, h.anchor] for h in doc.headings],
        "authors": [[a.name, a.url] for a in doc.authors],
        "meta": _meta_data(doc.meta),
    }


def _document(value: Data) -> Document:
    f = dict(zip(_DOCUMENT, d.fields(value, _DOCUMENT), strict=True))
    meta = _meta(f["meta"])
    if not isinstance(meta, dict):
        raise Damaged("front matter that is not a table")
    return Document(
        id=d.text(f["id"]),
        path=d.text(f["path"]),
        title=d.text(f["title"]),
        lang=d.text(f["lang"]),
        date=d.optional(d.date)(f["date"]),
        published=d.optional(d.datetime)(f["published"]),
        tags=d.each(f["tags"], d.text),
        source_url=d.optional(d.text)(f["source_url"]),
        authors=d.each(f["authors"], _author),
        summary=d.text(f["summary"]),
        body=d.text(f["body"]),
        headings=d.each(f["headings"], _heading),
        translation_key=d.optional(d.text)(f["translation_key"]),
        translation_of=d.optional(d.text)(f["translation_of"]),
        meta=meta,
        digest=d.text(f["digest"]),
        words=d.integer(f["words"]),
    )


def _author(value: Data) -> Author:
    name, url = d.items(value, 2)
    return Author(d.text(name), d.optional(d.text)(url))


def _heading(value: Data) -> Heading:
    level, text, anchor = d.items(value, 3)
    return Heading(d.integer(level), d.text(text), d.text(anchor))


# Front matter as loaded: plain JSON values stay as they are, the rest is tagged by type.
_TIMES: Mapping[str, type[dt.date] | type[dt.time]] = {
    "datetime": dt.datetime,
    "date": dt.date,
    "time": dt.time,
}


def _meta_data(value: object) -> Data:
    """Loaded front matter as data; Unstorable for a type no loader of ours gives."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return {"bytes": value}
    for tag, kind in _TIMES.items():
        if isinstance(value, kind):
            return {tag: value.isoformat()}
    if isinstance(value, list):
        return {"list": [_meta_data(item) for item in value]}
    if isinstance(value, tuple):
        return {"tuple": [_meta_data(item) for item in value]}
    if isinstance(value, Mapping):
        return {"map": [[_meta_data(k), _meta_data(v)] for k, v in value.items()]}
    raise Unstorable(f"{type(value).__name__} in front matter")


def _meta(value: Data) -> object:
    """Front matter read back: every value of a type the loaders give."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        raise Damaged("front matter value without its type")
    ((tag, inner),) = value.items()
    if tag == "bytes":
        return d.blob(inner)
    if tag in _TIMES:
        try:
            return _TIMES[tag].fromisoformat(d.text(inner))
        except ValueError as error:
            raise Damaged(str(error)) from None
    if tag in ("list", "tuple"):
        values = [_meta(item) for item in d.items(inner)]
        return values if tag == "list" else tuple(values)
    if tag == "map":
        pairs = [d.items(pair, 2) for pair in d.items(inner)]
        try:
            return {_meta(k): _meta(v) for k, v in pairs}
        except TypeError:  # a key that cannot be a key (a list)
            raise Damaged("front matter key of a wrong type") from None
    raise Damaged(f"front matter value of unknown type {tag!r}")
