"""What a document is across builds: a stable identity, its text's digest, its dates."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from publisher import i18n
from publisher.model import Document, News
from publisher.normalizing.normalize import parse_datetime

MODIFIED_KEYS = ("modified_time", "modified", "updated", "lastmod", "last_modified", "dateModified")
"""Front-matter keys that say when a document was last changed, the first present wins."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """An earlier release, as far as "what is new" needs it."""

    version: str
    """Its version."""
    digests: Mapping[str, str]
    """The digest of each document it held, by identity."""


def news(docs: Sequence[Document], baseline: Baseline) -> News:
    """The documents added and updated since the baseline, in the order given."""
    added, updated = [], []
    for doc in docs:
        before = baseline.digests.get(identity(doc))
        if before is None:
            added.append(doc)
        elif before != digest(doc):
            updated.append(doc)
    return News(baseline.version, tuple(added), tuple(updated))


_TAG = re.compile(r"<[^>]+>")


def identity(doc: Document) -> str:
    """Who a document is across builds: its source URL, else its own id, else its path.

    A translation key names every language version of one item, so it names one of them only
    together with the language.
    """
    if doc.source_url:
        return doc.source_url
    own = doc.meta.get("id")
    if isinstance(own, str | int) and str(own).strip():
        return f"id:{str(own).strip()}"
    if doc.translation_key:
        return f"key:{doc.translation_key}@{i18n.base(doc.lang)}"
    return f"path:{doc.path}"


def text(doc: Document) -> str:
    """The document's title and words as a reader sees them: no markup, case or spacing."""
    # A no-break space is what keeps most documents out of NFKC (it becomes a space there, as
    # here); the rest mostly are in NFKC already, and the check is far cheaper than the change.
    plain = html.unescape(_TAG.sub(" ", f"{doc.title}\n{doc.body}")).replace("\xa0", " ")
    folded = (
        plain if unicodedata.is_normalized("NFKC", plain) else unicodedata.normalize("NFKC", plain)
    )
    return " ".join(folded.casefold().split())


def digest(doc: Document) -> str:
    """SHA-256 of the normalized text: the same words give the same digest, whatever the markup."""
    return text_digest(text(doc))


def text_digest(normalized: str) -> str:
    """SHA-256 of a text that ``text`` gave."""
    return hashlib.sha256(normalized.encode()).hexdigest()


def modified(doc: Document) -> dt.datetime | None:
    """When the source says the document was last changed, if it says so."""
    for key in MODIFIED_KEYS:
        if key in doc.meta:
            return _datetime(doc.meta[key])
    return None


def updated(doc: Document) -> dt.date | None:
    """The day a document was changed, when that is not the day it was published."""
    when = modified(doc)
    if when is None:
        return None
    published = doc.published.date() if doc.published is not None else doc.date
    return None if when.date() == published else when.date()


def newest(doc: Document) -> dt.datetime:
    """The latest instant the document carries (modified, else published, else dated)."""
    when = modified(doc) or doc.published
    if when is None and doc.date is not None:
        when = dt.datetime.combine(doc.date, dt.time())
    return _utc(when) if when is not None else dt.datetime.min.replace(tzinfo=dt.UTC)


def _utc(when: dt.datetime) -> dt.datetime:
    """Naive times are taken as UTC, so that mixed sets still compare."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _datetime(value: Any) -> dt.datetime | None:
    """A front-matter time read as the normalizer reads dates; a day starts at midnight."""
    parsed = parse_datetime(value)
    if isinstance(parsed, dt.datetime) or parsed is None:
        return parsed
    return dt.datetime.combine(parsed, dt.time())
