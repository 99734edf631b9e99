"""Documents → Compilation: select, pair translations, order, group."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import PurePosixPath
from typing import Literal

from publisher import i18n
from publisher.assembling import duplicates, identity, references
from publisher.assembling.duplicates import Policy
from publisher.model import (
    Certification,
    Compilation,
    Diagnostic,
    Document,
    Entry,
    Section,
    tag_name,
)

Order = Literal["date", "title", "path"]
Group = Literal["none", "month", "year", "tag", "language"]
ORDERS: tuple[Order, ...] = ("date", "title", "path")
GROUPS: tuple[Group, ...] = ("none", "month", "year", "tag", "language")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which documents go into a compilation; empty fields select everything."""

    tags: tuple[str, ...] = ()
    """Keep documents with at least one of these tags."""
    since: dt.date | None = None
    """Keep documents dated on or after this day."""
    until: dt.date | None = None
    """Keep documents dated on or before this day."""
    languages: tuple[str, ...] = ()
    """Keep documents in these languages (primary subtag match)."""
    match: str | None = None
    """Keep documents whose title or text contains this, case-insensitively."""
    duplicates: Policy = "newest"
    """Keep the newest copy of a re-posted document (``newest``) or every copy (``keep``)."""


@dataclass(frozen=True, slots=True)
class BookInfo:
    """Book-level metadata given by the user."""

    title: str = "Collection"
    """Book title."""
    subtitle: str = ""
    """Book subtitle."""
    publisher: str = ""
    """Publisher or editor."""
    authors: tuple[str, ...] = ()
    """Creators of the compilation."""
    lang: str = "en"
    """Primary language."""
    description: str = ""
    """Blurb for catalogues."""
    rights: str = ""
    """Rights statement."""
    identifier: str = ""
    """Fixed identifier; derived from the metadata when empty."""
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """Build time."""
    tag_names: Mapping[str, str] = field(default_factory=dict)
    """Display names of tags, by tag folded to lower case."""
    certification: Certification | None = None
    """Who evaluated the publication's accessibility, to what level; None claims nothing."""


def select(docs: Sequence[Document], selection: Selection) -> list[Document]:
    """The documents a selection keeps, in their given order."""
    wanted_tags = {t.casefold() for t in selection.tags}
    wanted_langs = {i18n.base(lang) for lang in selection.languages}
    needle = selection.match.casefold() if selection.match else None
    kept = []
    for doc in docs:
        if wanted_tags and not wanted_tags & {t.casefold() for t in doc.tags}:
            continue
        if selection.since and (doc.date is None or doc.date < selection.since):
            continue
        if selection.until and (doc.date is None or doc.date > selection.until):
            continue
        if wanted_langs and i18n.base(doc.lang) not in wanted_langs:
            continue
        if needle and needle not in doc.title.casefold() and needle not in _text(doc).casefold():
            continue
        kept.append(doc)
    return kept


def assemble(
    docs: Sequence[Document],
    info: BookInfo,
    selection: Selection = Selection(),
    order: Order = "date",
    group: Group = "none",
    labels: i18n.Labels = i18n.BUILTIN,
    baseline: identity.Baseline | None = None,
) -> tuple[Compilation, list[Diagnostic]]:
    """Build the compilation of the selected documents; group headings in the book's language.

    With a ``baseline`` (an earlier release), the compilation says what is new since.
    """
    chosen, problems = references.resolve(select(docs, selection), docs)
    chosen, copies = duplicates.deduplicate(chosen, selection.duplicates)
    problems.extend(copies)
    entries, paired = pair(chosen, info.lang, docs)
    problems.extend(paired)
    entries.sort(key=_sort_key(order))
    sections = _group(entries, group, info, labels)
    languages = _languages(chosen, info.lang)
    identifier = info.identifier or _identifier(info)
    compilation = Compilation(
        title=info.title,
        subtitle=info.subtitle,
        publisher=info.publisher,
        authors=info.authors,
        lang=info.lang,
        languages=languages,
        identifier=identifier,
        description=info.description,
        rights=info.rights,
        modified=info.modified,
        sections=sections,
        tag_names=info.tag_names,
        certification=info.certification,
    )
    if baseline is not None:
        news = identity.news(compilation.documents, baseline)
        compilation = dataclasses.replace(compilation, news=news)
    return compilation, problems


def pair(
    docs: Sequence[Document], primary: str, pool: Sequence[Document] = ()
) -> tuple[list[Entry], list[Diagnostic]]:
    """Group documents that are translations of each other into entries.

    ``translation_of`` may also name a document of ``pool`` (say, every document read) that the
    selection left out: a translation keeps its original's key without it.
    """
    problems: list[Diagnostic] = []
    known = {d.id: d for d in (*pool, *docs)}
    by_path = {d.path: d for d in known.values()}
    keys = _keys(known, by_path, {d.id for d in docs}, problems)
    groups: dict[str, dict[str, Document]] = {}
    entries: list[Entry] = []
    for doc in docs:
        key = keys[doc.id]
        variants = groups.setdefault(key, {})
        if doc.lang in variants:
            problems.append(
                Diagnostic(
                    doc.path,
                    None,
                    "warning",
                    "translation-duplicate",
                    f"{variants[doc.lang].path} is already the {doc.lang!r} version of "
                    f"{key!r}; kept as a separate entry",
                )
            )
            entries.append(Entry(doc.id, {doc.lang: doc}))
            continue
        variants[doc.lang] = doc
    for key, variants in groups.items():
        ordered = sorted(
            variants.items(), key=lambda kv: (i18n.base(kv[0]) != i18n.base(primary), kv[0])
        )
        entries.append(Entry(key, dict(ordered)))
    return entries, problems


def _keys(
    by_id: dict[str, Document],
    by_path: dict[str, Document],
    chosen: set[str],
    problems: list[Diagnostic],
) -> dict[str, str]:
    """Each document's translation key, following translation_of from document to document.

    Problems are reported for the chosen documents only.
    """
    keys: dict[str, str] = {}

    def warn(doc: Document, kind: str, message: str) -> None:
        if doc.id in chosen:
            problems.append(Diagnostic(doc.path, None, "warning", f"translation-{kind}", message))

    for doc in by_id.values():
        trail: list[Document] = []
        current = doc
        while current.id not in keys:
            if current.translation_key or not current.translation_of:
                keys[current.id] = current.translation_key or current.id
            elif current.id in {d.id for d in trail}:
                cycle = trail[[d.id for d in trail].index(current.id) :]
                key = min(d.id for d in cycle)
                keys.update((d.id, key) for d in cycle)
                path = " → ".join(d.path for d in (*cycle, current))
                message = f"translation_of goes round in a circle ({path}); paired as {key!r}"
                for member in cycle:
                    warn(member, "cycle", message)
            else:
                trail.append(current)
                target = _resolve(current, by_path, by_id)
                if target is None:
                    keys[current.id] = current.id
                    ref = current.translation_of
                    warn(current, "missing", f"translation_of {ref!r} names no document in the set")
                else:
                    current = target
        for earlier in trail:
            keys.setdefault(earlier.id, keys[current.id])
    for doc in by_id.values():
        target = _resolve(doc, by_path, by_id) if doc.translation_key else None
        if target is not None and keys[target.id] != doc.translation_key:
            message = (
                f"translation_key {doc.translation_key!r} differs from that of {target.path} "
                f"({keys[target.id]!r}), which translation_of names; kept {doc.translation_key!r}"
            )
            warn(doc, "conflict", message)
    return keys


def _resolve(
    doc: Document, by_path: dict[str, Document], by_id: dict[str, Document]
) -> Document | None:
    ref = doc.translation_of or ""
    if ref in by_id:
        return by_id[ref]
    joined = PurePosixPath(doc.path).parent / ref
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return by_path.get("/".join(parts))


def _text(doc: Document) -> str:
    return re.sub(r"<[^>]+>", " ", doc.body)


def _instant(doc: Document) -> dt.datetime:
    """A comparable UTC instant: naive times are taken as UTC so mixed sets still sort."""
    if doc.published is not None:
        when = doc.published
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if doc.date is not None:
        return dt.datetime.combine(doc.date, dt.time(), dt.UTC)
    return _EPOCH


def _sort_key(order: Order) -> Callable[[Entry], tuple[object, ...]]:
    def by_date(e: Entry) -> tuple[object, ...]:
        d = e.primary
        return (d.date is None, d.date or dt.date.min, _instant(d), d.title.casefold(), d.path)

    def by_title(e: Entry) -> tuple[object, ...]:
        return (e.primary.title.casefold(), e.primary.path)

    def by_path(e: Entry) -> tuple[object, ...]:
        return (e.primary.path,)

    return {"date": by_date, "title": by_title, "path": by_path}[order]


def _group(
    entries: list[Entry], group: Group, info: BookInfo, labels: i18n.Labels
) -> tuple[Section, ...]:
    lang = info.lang
    if group == "none":
        return (Section("all", "", tuple(entries)),) if entries else ()
    if group == "tag":
        keyed = sorted(entries, key=lambda e: (e.primary.tags[:1] or ("",))[0].casefold())
        return tuple(
            Section(
                key or "untagged",
                tag_name(key, info.tag_names) if key else labels.label(lang, "untagged"),
                tuple(items),
            )
            for key, items in groupby(keyed, key=lambda e: (e.primary.tags[:1] or ("",))[0])
        )
    if group == "language":
        keyed = sorted(entries, key=lambda e: e.primary.lang)
        return tuple(
            Section(key, i18n.language_name(key), tuple(items))
            for key, items in groupby(keyed, key=lambda e: e.primary.lang)
        )
    width = 7 if group == "month" else 4

    def period(e: Entry) -> str:
        return e.primary.date.isoformat()[:width] if e.primary.date else "~"

    sections = []
    for key, items in groupby(sorted(entries, key=period), key=period):
        key = "" if key == "~" else key
        if not key:
            title = labels.label(lang, "undated")
        elif group == "month":
            title = i18n.month_year(dt.date.fromisoformat(key + "-01"), lang)
        else:
            title = key
        sections.append(Section(key or "undated", title, tuple(items)))
    return tuple(sections)


def _languages(docs: Sequence[Document], primary: str) -> tuple[str, ...]:
    present = sorted({d.lang for d in docs} - {primary})
    return (primary, *present)


def _identifier(info: BookInfo) -> str:
    """A UUID from the book's identity, so re-releases keep the same identifier."""
    name = "\x1f".join((info.title, info.subtitle, info.publisher, info.lang))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher:' + name)}"
