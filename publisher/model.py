"""The common model: plain frozen data that every stage reads and no stage mutates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]
BodyFormat = Literal["markdown", "html"]

_RTL_LANGS = frozenset(
    {"ar", "arc", "dv", "fa", "ha", "he", "iw", "khw", "ks", "ku", "ps", "sd", "ur", "yi"}
)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found while building, located in a source file."""

    path: str
    """File the problem is in, relative to its source root (or a config file, or "")."""
    line: int | None
    """1-based line in the file as it is on disk, front matter included; None when unknown."""
    severity: Severity
    """"error" skips the document (or fails the build); "warning" does not; "note" is a hint."""
    code: str
    """Short stable identifier, e.g. ``front-matter-invalid``."""
    message: str
    """One sentence for a human."""
    col: int | None = None
    """1-based column, when known."""

    @property
    def problem(self) -> bool:
        """An error or a warning: what ``--strict`` refuses; a note is not one."""
        return self.severity != "note"

    def format(self) -> str:
        """``path:line[:col]: severity: message [code]``, control characters escaped."""
        if not self.path and self.severity == "note":
            # A note about the machine (a missing library) is in no input.
            return f"note: {_escape(self.message)} [{self.code}]"
        where = _escape(self.path) or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.severity}: {_escape(self.message)} [{self.code}]"


def _escape(text: str) -> str:
    """Escape C0/C1 controls and bidi overrides so a message cannot rewrite the terminal."""
    out = []
    for ch in text:
        code = ord(ch)
        if (
            code < 0x20
            or 0x7F <= code < 0xA0
            or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069
        ):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A source file split into front matter and body, not yet interpreted."""

    path: str
    """Path relative to the source root, with forward slashes."""
    root: Path
    """The source root the path is relative to."""
    meta: Mapping[str, Any]
    """The front matter as loaded (YAML, TOML or JSON), keys in file order."""
    body: str
    """The body text: decoded, newlines normalized to ``\\n``."""
    body_format: BodyFormat
    """How the body is written."""
    body_line: int
    """Line of the file on which the body starts (1-based)."""
    key_lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each top-level front-matter key, where the format tells it."""
    has_front_matter: bool = True
    """False when the file had none and the title must be found elsewhere."""


@dataclass(frozen=True, slots=True)
class Author:
    """One author of a document."""

    name: str
    """The name as it is printed."""
    url: str | None = None
    """Where the author's page is (http, https or mailto), when the source gave one."""


@dataclass(frozen=True, slots=True)
class Heading:
    """A subheading inside a document body."""

    level: int
    """2 to 6; the document title is level 1."""
    text: str
    """Plain text of the heading."""
    anchor: str
    """The ``id`` of the heading element, unique within the document."""


@dataclass(frozen=True, slots=True)
class Document:
    """One normalized document, ready for any backend."""

    id: str
    """Unique, stable slug across the whole set."""
    path: str
    """Source path relative to its root."""
    title: str
    """Plain-text title (no markup)."""
    lang: str
    """BCP 47 language tag."""
    date: dt.date | None
    """Calendar date of the document."""
    published: dt.datetime | None
    """Publication instant; timezone-aware when the source gave a zone."""
    tags: tuple[str, ...]
    """Tags or categories, in source order, without duplicates."""
    source_url: str | None
    """Where the document was published (http or https only)."""
    authors: tuple[Author, ...]
    """Authors, in source order."""
    summary: str
    """First paragraph as plain text."""
    body: str
    """Sanitized, well-formed XHTML fragment."""
    headings: tuple[Heading, ...]
    """Subheadings of the body, in order."""
    translation_key: str | None
    """Shared by every language version of one item."""
    translation_of: str | None
    """Path or id of the original, on translations."""
    meta: Mapping[str, Any]
    """Every other front-matter key, kept as loaded."""
    digest: str
    """Hash of the normalized content: the cache key."""
    words: int
    """Number of words in the body."""

    @property
    def dir(self) -> Literal["ltr", "rtl"]:
        """Writing direction of the document's language."""
        return "rtl" if self.lang.split("-")[0].lower() in _RTL_LANGS else "ltr"

    @property
    def kind(self) -> str:
        """The document's type for a kicker: its first tag, humanized."""
        return tag_name(self.tags[0]) if self.tags else ""


def tag_name(tag: str, names: Mapping[str, str] | None = None) -> str:
    """A tag as a reader sees it: its display name (``names`` by folded tag), else humanized."""
    name = (names or {}).get(tag.casefold())
    return name if name is not None else tag.replace("-", " ").replace("_", " ").title()


@dataclass(frozen=True, slots=True)
class Entry:
    """One logical item in one or more languages."""

    key: str
    """Translation key, or the document id when it has no translation."""
    variants: Mapping[str, Document]
    """Documents by language, primary language first."""

    @property
    def primary(self) -> Document:
        """The variant in the primary language (the first one)."""
        return next(iter(self.variants.values()))

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every variant, primary first."""
        return tuple(self.variants.values())


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of entries."""

    key: str
    """Stable identifier of the group (e.g. ``2021-03``, a tag, a language)."""
    title: str
    """Heading shown for the group; empty when the compilation is not grouped."""
    entries: tuple[Entry, ...]
    """Entries in reading order."""


@dataclass(frozen=True, slots=True)
class Certification:
    """An accessibility evaluation a person or organisation made: a claim no tool can make."""

    certified_by: str
    """Who evaluated the publication (an organisation rather than a person, says the spec)."""
    conformance: str
    """What they found it conforms to, as EPUB Accessibility 1.1 writes it, e.g.
    ``EPUB Accessibility 1.1 - WCAG 2.1 Level AA``."""


@dataclass(frozen=True, slots=True)
class News:
    """What a compilation holds that an earlier release did not, or held with another text."""

    since: str
    """The earlier release's version."""
    added: tuple[Document, ...]
    """Documents the earlier release did not have, in reading order."""
    updated: tuple[Document, ...]
    """Documents it had with another text, in reading order."""


@dataclass(frozen=True, slots=True)
class Compilation:
    """A whole publication: book-level metadata and its sections."""

    title: str
    """Book title."""
    subtitle: str
    """Book subtitle, may be empty."""
    publisher: str
    """Publisher or editor, may be empty."""
    authors: tuple[str, ...]
    """Creators of the compilation."""
    lang: str
    """Primary language."""
    languages: tuple[str, ...]
    """Every language present, primary first."""
    identifier: str
    """Deterministic identifier (``urn:uuid:…``) derived from content and config."""
    description: str
    """Blurb for catalogues, may be empty."""
    rights: str
    """Rights statement, may be empty."""
    modified: dt.datetime
    """Build time (from SOURCE_DATE_EPOCH when set), aware UTC."""
    sections: tuple[Section, ...]
    """Sections in reading order."""
    tag_names: Mapping[str, str] = field(default_factory=dict)
    """Display names of tags, by tag folded to lower case (``[labels.tags]``)."""

    def kind(self, doc: Document) -> str:
        """A document's type for a kicker or a table: its first tag's display name."""
        return tag_name(doc.tags[0], self.tag_names) if doc.tags else ""

    certification: Certification | None = None
    """The accessibility evaluation the project's config records; None claims none."""
    news: News | None = None
    """What is new and updated since an earlier release, when the edition asks for it."""

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry in reading order."""
        return tuple(e for s in self.sections for e in s.entries)

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every document in reading order, variants included."""
        return tuple(d for e in self.entries for d in e.documents)

    @property
    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last document date, or None when no document is dated."""
        dates = sorted(d.date for d in self.documents if d.date is not None)
        return (dates[0], dates[-1]) if dates else None
