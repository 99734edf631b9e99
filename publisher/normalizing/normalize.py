"""RawDocument → Document: aliases, type coercion, dates, language, slug."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any

from publisher.model import Author, Diagnostic, Document, RawDocument
from publisher.normalizing import authors as authors_field
from publisher.normalizing import bundles, images, markup, urls
from publisher.normalizing.ids import SourceKey, document_name, unique_ids

# Every alias a reader may meet, canonical name first; the first key present wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date",),
    "published": ("published_time", "published", "pubDate", "pubdate"),
    "tags": ("tags", "categories", "category"),
    "source_url": ("source_url", "source", "url", "canonical_url"),
    "lang": ("lang", "language"),
    "authors": ("authors", "author"),
    "translation_key": ("translation_key",),
    "translation_of": ("translation_of",),
}
_KNOWN = frozenset(k for names in _ALIASES.values() for k in names)

_LANG_TAG = re.compile(
    r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-[A-Za-z0-9]{5,8})*$"
)
# Embeddings and overrides (not isolates or marks): an override can make a title read in
# another order than it is written, and the title is what the contents and bookmarks show.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e]")


@dataclass(frozen=True, slots=True)
class _Problems:
    """Collects diagnostics for one document, located by front-matter key."""

    raw: RawDocument
    found: list[Diagnostic]

    def add(self, severity: str, code: str, message: str, key: str | None = None) -> None:
        line = self.raw.key_lines.get(key, 1) if key else 1
        self.found.append(Diagnostic(self.raw.path, line, severity, code, message))  # type: ignore[arg-type]


def normalize(
    raws: Sequence[RawDocument],
    *,
    default_lang: str = "en",
    ids: Mapping[SourceKey, str] | None = None,
    snippets: Mapping[str, str] | None = None,
) -> tuple[list[Document], list[Diagnostic]]:
    """Turn raw documents into Documents; a document with an error is left out and reported.

    ``ids`` maps each (root, path) to its id when the raws are part of a larger set (see
    ``unique_ids``); ``snippets`` maps a shortcode name to the project's Jinja snippet for it.
    """
    found: list[Diagnostic] = []
    ids = ids if ids is not None else unique_ids([(r.root, r.path) for r in raws])
    docs: list[Document] = []
    for raw in raws:
        doc = _normalize_one(raw, ids[(raw.root, raw.path)], default_lang, found, snippets or {})
        if doc is not None:
            docs.append(doc)
    return docs, found


def _normalize_one(
    raw: RawDocument,
    doc_id: str,
    default_lang: str,
    found: list[Diagnostic],
    snippets: Mapping[str, str],
) -> Document | None:
    problems = _Problems(raw, [])
    meta = raw.meta
    lang = _lang(meta, problems) or default_lang
    source_url = _source_url(meta, problems)
    converted = markup.convert(
        raw.body,
        raw.body_format,
        lang=lang,
        path=raw.path,
        first_line=raw.body_line,
        # Ids never hold "--": "doc-a--b" (document a, heading b) cannot be document a-b's.
        anchor_prefix=f"doc-{doc_id}-",
        base_url=source_url,
        resolve_image=_image_resolver(raw),
        page=bundles.page(raw, snippets),
    )
    problems.found.extend(converted.diagnostics)
    title = _title(meta, problems)
    if title is None:
        title = converted.title or _title_from_path(raw.path)
        if raw.has_front_matter and _first(meta, "title") is None:
            problems.add("warning", "title-missing", f"no title in front matter; using {title!r}")
    date, published = _dates(meta, problems)
    tags = _strings(meta, "tags", problems)
    authors = _authors(meta, problems)
    translation_key = _plain(meta, "translation_key", problems)
    translation_of = _plain(meta, "translation_of", problems)
    found.extend(sorted(problems.found, key=lambda d: d.line or 0))
    if any(d.severity == "error" for d in problems.found):
        return None
    fields: dict[str, Any] = {
        "id": doc_id,
        "path": raw.path,
        "title": title,
        "lang": lang,
        "date": date,
        "published": published,
        "tags": tags,
        "source_url": source_url,
        "authors": authors,
        "summary": converted.summary,
        "body": converted.body,
        "headings": converted.headings,
        "translation_key": translation_key,
        "translation_of": translation_of,
        "meta": {k: v for k, v in meta.items() if k not in _KNOWN},
        "words": converted.words,
    }
    return Document(**fields, digest=_digest(fields))


def _first(meta: Mapping[str, Any], field: str) -> tuple[str, Any] | None:
    for key in _ALIASES[field]:
        if key in meta and meta[key] is not None:
            return key, meta[key]
    return None


def _describe(value: Any) -> str:
    """Name a front-matter value the way its author wrote it, not as Python prints it."""
    if isinstance(value, bool):
        return f"the YAML boolean {str(value).lower()} (quote it to keep it as text)"
    if isinstance(value, dict):
        keys = ", ".join(map(str, list(value)[:3]))
        return f"a mapping (keys: {keys})"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return f"{type(value).__name__} {str(value)[:40]}"


def _clean_text(text: str) -> str:
    """Plain one-line text: NFC, no-break spaces and joiners made plain, no embeddings or
    overrides of the text's direction, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u2060", "").replace("\u00a0", " ")
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n")
    return " ".join(text.split())


def _scalar_text(value: Any) -> str | None:
    """Text for a scalar that YAML may have typed (numbers, dates); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int | float):
        return _clean_text(str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return None


def _title(meta: Mapping[str, Any], problems: _Problems) -> str | None:
    item = _first(meta, "title")
    if item is None:
        return None
    key, value = item
    text = _scalar_text(value)
    if text is None:
        problems.add("error", "bad-title", f"{key}: must be text, not {_describe(value)}", key)
        return None
    if not text:
        problems.add("warning", "title-empty", "title is empty", key)
        return None
    if found := len(_BIDI_CONTROLS.findall(str(value))):
        message = (
            f"{key}: removed {found} bidirectional embedding or override character(s), which "
            "can make a title read in another order than it is written"
        )
        problems.add("warning", "title-bidi", message, key)
    return text


def _title_from_path(path: str) -> str:
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", document_name(path))
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


def _lang(meta: Mapping[str, Any], problems: _Problems) -> str | None:
    item = _first(meta, "lang")
    if item is None:
        return None
    key, value = item
    if not isinstance(value, str) or not _LANG_TAG.match(value.strip().replace("_", "-")):
        message = f"{key}: {_describe(value)} is not a BCP 47 language tag"
        problems.add("warning", "bad-lang", message, key)
        return None
    parts = value.strip().replace("_", "-").split("-")
    return "-".join(
        [parts[0].lower()]
        + [p.title() if len(p) == 4 else p.upper() if len(p) in (2, 3) else p for p in parts[1:]]
    )


def _source_url(meta: Mapping[str, Any], problems: _Problems) -> str | None:
    item = _first(meta, "source_url")
    if item is None:
        return None
    key, value = item
    text = value.strip() if isinstance(value, str) else ""
    if not urls.is_web_url(text):
        problems.add(
            "warning", "bad-source-url", f"{key}: {_describe(value)} is not an http(s) URL", key
        )
        return None
    encoded = urls.encoded(text)
    if encoded != text:
        message = f"{key}: percent-encoded the characters a URL cannot hold"
        problems.add("warning", "bad-source-url", message, key)
    return encoded


def parse_datetime(value: Any) -> dt.datetime | dt.date | None:
    """A front-matter time: a TOML/YAML date or datetime, ISO 8601 text, or an RFC 2822 date."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _dates(
    meta: Mapping[str, Any], problems: _Problems
) -> tuple[dt.date | None, dt.datetime | None]:
    values: dict[str, dt.date | dt.datetime | None] = {}
    for field in ("date", "published"):
        item = _first(meta, field)
        if item is None:
            values[field] = None
            continue
        key, raw_value = item
        parsed = parse_datetime(raw_value)
        if parsed is None:
            problems.add("warning", "bad-date", f"{key}: {_describe(raw_value)} is not a date", key)
        values[field] = parsed
    published = values["published"]
    if isinstance(values["date"], dt.datetime) and published is None:
        published = values["date"]
    published_dt = published if isinstance(published, dt.datetime) else None
    date = values["date"] or published
    if isinstance(date, dt.datetime):
        date = date.date()
    return date, published_dt


def _strings(meta: Mapping[str, Any], field: str, problems: _Problems) -> tuple[str, ...]:
    item = _first(meta, field)
    if item is None:
        return ()
    key, value = item
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for one in items:
        text = _scalar_text(one)
        if text is None:
            problems.add("warning", f"bad-{field}", f"{key}: ignored {_describe(one)}", key)
        elif text and text not in out:
            out.append(text)
    return tuple(out)


def _authors(meta: Mapping[str, Any], problems: _Problems) -> tuple[Author, ...]:
    """Authors from a string, a list, or tables with a name and a URL; each name once."""
    item = _first(meta, "authors")
    if item is None:
        return ()
    key, value = item
    out: dict[str, Author] = {}
    for one in value if isinstance(value, list | tuple) else [value]:
        parsed = _author_item(one)
        if parsed is None:
            problems.add("warning", "bad-authors", f"{key}: ignored {_describe(one)}", key)
            continue
        found, refused = parsed
        for url in refused:
            message = f"{key}: {_describe(url)} is not an http(s) URL; the name is kept unlinked"
            problems.add("warning", "bad-authors", message, key)
        for author in found:
            out.setdefault(author.name, author)
    return tuple(out.values())


def _author_item(value: Any) -> tuple[list[Author], list[str]] | None:
    """The authors one item names (``{name, url}`` or a string), or None for something else."""
    if isinstance(value, Mapping):
        name = _scalar_text(value.get("name"))
        if not name:
            return None
        urls_given = (value[k] for k in authors_field.URL_KEYS if isinstance(value.get(k), str))
        url = next(urls_given, None)
        if url is None:
            return [Author(name)], []
        author, refused = authors_field.linked(name, url)
        return [author], refused
    text = _scalar_text(value)
    return None if text is None else authors_field.parse(text)


def _plain(meta: Mapping[str, Any], field: str, problems: _Problems) -> str | None:
    item = _first(meta, field)
    if item is None:
        return None
    key, value = item
    text = _scalar_text(value)
    if not text:
        problems.add(
            "warning", f"bad-{field.replace('_', '-')}", f"{key}: ignored {_describe(value)}", key
        )
        return None
    return text


def _image_resolver(raw: RawDocument) -> Callable[[str], str | None]:
    """Resolve a body's image path against the document's folder, never outside the root.

    An image file that no backend should read raises ``images.Refused``.
    """
    root = raw.root.resolve()
    folder = PurePosixPath(raw.path).parent

    def resolve(src: str) -> str | None:
        if "\\" in src or src.startswith("/") or ":" in src or "\0" in src:
            return None
        try:
            candidate = (root / folder.as_posix() / src).resolve()
            if not candidate.is_relative_to(root) or not candidate.is_file():
                return None
        except OSError:  # a name too long, a loop of links
            return None
        if candidate.suffix.lower() not in bundles.IMAGE_SUFFIXES:
            return None
        images.check_file(candidate)
        return candidate.relative_to(root).as_posix()

    return resolve


def _digest(fields: Mapping[str, Any]) -> str:
    payload = json.dumps(_text_keys(fields), sort_keys=True, default=_jsonable, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _text_keys(value: Any) -> Any:
    """The value with every mapping key text, so that keys sort: YAML allows ``{b: 1, 3: 2}``."""
    if isinstance(value, Mapping):
        return {
            key if isinstance(key, str) else f"\0{type(key).__name__}:{key!r}": _text_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_text_keys(item) for item in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)
