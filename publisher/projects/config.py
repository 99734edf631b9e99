"""publisher.toml (or ``[tool.publisher]`` in pyproject.toml) → typed, validated config."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from publisher import i18n
from publisher.assembling.assemble import GROUPS, ORDERS, BookInfo, Group, Order, Selection
from publisher.assembling.bilingual import MODES, Mode
from publisher.cache import store as cache
from publisher.model import Certification, Diagnostic
from publisher.projects import values
from publisher.rendering.options import FORMATS, LAYOUTS, PAPERS, Format, Layout, Paper
from publisher.rendering.render import Theme

CONFIG_NAMES = ("publisher.toml", "pyproject.toml")
VARIANTS = ("pdf/ua-1", "pdf/a-3b")
_LAST_EPOCH = 253402300799
"""9999-12-31T23:59:59Z: the last time a datetime (and so a build time) can hold."""
_CONFIG_LIMIT = 1 << 20
"""Bytes of a pyproject.toml searched for a [tool.publisher] table."""


class ConfigError(Exception):
    """A configuration that cannot be used; carries every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True, slots=True)
class Edition:
    """One named output cut from the project's documents."""

    name: str
    """Name given in the config; used in output and cache file names."""
    format: Format
    """EPUB or PDF."""
    output: Path
    """Where the file goes, relative to the project folder."""
    book: BookInfo
    """Book metadata, with the edition's overrides."""
    selection: Selection
    """Which documents the edition holds."""
    order: Order
    """Order of the entries."""
    group: Group
    """How entries are grouped into sections."""
    layout: Layout
    """PDF layout."""
    paper: Paper | None
    """PDF paper size, or None for the language's default."""
    qr: bool
    """QR codes beside source URLs (PDF)."""
    pdf_variant: str | None
    """Tagged or archival PDF."""
    bilingual: Mode | None = None
    """How translations are laid out; None lists every variant on its own."""
    secondary: tuple[str, ...] = ()
    """Languages paired with the book's, by preference; empty takes any other."""
    allow_empty: bool = False
    """Write the edition even when its selection holds no document."""


@dataclass(frozen=True, slots=True)
class Config:
    """A whole project configuration."""

    path: Path | None
    """The file it was read from, if any."""
    root: Path
    """The project folder: relative paths in the config start here."""
    sources: tuple[str, ...]
    """Source paths and globs, relative to the root."""
    excludes: tuple[str, ...]
    """Glob patterns of source paths to skip."""
    theme: Theme
    """User template and style folders."""
    book: BookInfo
    """Book-level metadata."""
    editions: tuple[Edition, ...]
    """Every edition, in config order."""
    source_date_epoch: int | None
    """SOURCE_DATE_EPOCH, when set: the build time of every output."""
    cache_mb: int = cache.LIMIT_MB
    """Cap on the cache folder, in megabytes: the least recently used entries go past it."""
    shortcodes: tuple[tuple[str, Path], ...] = ()
    """A shortcode name and the Jinja snippet (in a theme template folder) that renders it."""
    executor: str = ""
    """Where PDF units are laid out: ``dask://HOST:PORT``; "": a pool of local processes."""

    def snippets(self) -> dict[str, str]:
        """Each shortcode's snippet as text, for the normalizer."""
        return {name: path.read_text(encoding="utf-8") for name, path in self.shortcodes}


_BOOK_KEYS = (
    "title",
    "subtitle",
    "publisher",
    "authors",
    "lang",
    "description",
    "rights",
    "identifier",
    "accessibility",
)
_SELECT_KEYS = (
    "tags",
    "since",
    "until",
    "match",
    "languages",
    "order",
    "group",
    "allow_empty",
)
_OUTPUT_KEYS = ("layout", "paper", "qr", "pdf_variant", "bilingual", "secondary")
_EDITION_KEYS = ("format", "output", "title", "subtitle", *_SELECT_KEYS, *_OUTPUT_KEYS)
_TOP_KEYS = (
    "book", "sources", "theme", "labels", "defaults", "editions", "cache", "shortcodes",
    "executor",
)  # fmt: skip
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "book": _BOOK_KEYS,
    "sources": ("paths", "exclude"),
    "theme": ("templates", "styles", "locales"),
    "labels": ("tags",),
    "defaults": (*_SELECT_KEYS, *_OUTPUT_KEYS),
    "cache": ("max_mb",),
}


def find(start: Path) -> Path | None:
    """The project config in start or the nearest folder above it, as git finds its repository.

    In each folder, publisher.toml first, then a pyproject.toml with a [tool.publisher] table.
    """
    for folder in (start, *start.absolute().parents):
        for name in CONFIG_NAMES:
            if _is_config(folder / name):
                return folder / name
    return None


def _is_config(candidate: Path) -> bool:
    """A publisher.toml, or a pyproject.toml with a [tool.publisher] table (unreadable: no)."""
    try:
        if not candidate.is_file():
            return False
        if candidate.name != "pyproject.toml":
            return True
        with candidate.open("rb") as handle:
            return b"[tool.publisher" in handle.read(_CONFIG_LIMIT)
    except OSError:
        return False


def load(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    name = path.name
    text = _decode(name, path.read_bytes())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(error))) else None
        raise ConfigError([Diagnostic(name, line, "error", "config-syntax", str(error))]) from None
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("publisher", {})
        prefix = ("tool", "publisher")
    checker = _Checker(name, text, prefix)
    epoch = None
    try:
        epoch = load_epoch(environ)
    except ConfigError as error:
        checker.problems.extend(error.diagnostics)
    config = checker.config(data, path.parent.resolve(), path, epoch)
    if checker.problems:
        raise ConfigError(sorted(checker.problems, key=lambda d: d.line or 0))
    return config


def _decode(name: str, data: bytes) -> str:
    """The text of a config file, which TOML requires to be UTF-8 (a byte order mark is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        raise ConfigError([Diagnostic(name, line, "error", "config-encoding", message)]) from None


def load_epoch(environ: Mapping[str, str] | None = None) -> int | None:
    """SOURCE_DATE_EPOCH, the one environment variable Publisher reads; None when unset."""
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isascii() or not value.strip().isdigit():
        message = f"{value!r} is not a number of seconds"
        raise ConfigError([Diagnostic("SOURCE_DATE_EPOCH", None, "error", "config-value", message)])
    if int(value) > _LAST_EPOCH:
        message = f"{value.strip()} is out of range (0 to {_LAST_EPOCH}, the end of year 9999)"
        raise ConfigError([Diagnostic("SOURCE_DATE_EPOCH", None, "error", "config-value", message)])
    return int(value)


def build_time(epoch: int | None) -> dt.datetime:
    """The time stamped on outputs: SOURCE_DATE_EPOCH when set, else now."""
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class _Checker:
    """Validates the parsed TOML in one pass, collecting every problem with key path and line."""

    def __init__(self, name: str, text: str, prefix: tuple[str, ...]) -> None:
        self.name = name
        self.lines = text.splitlines()
        self.prefix = prefix
        self.problems: list[Diagnostic] = []

    def fail(self, keys: tuple[str, ...], message: str, code: str = "config-value") -> None:
        where = ".".join(keys)
        self.problems.append(
            Diagnostic(self.name, self._line(keys), "error", code, f"{where}: {message}")
        )

    def _line(self, keys: tuple[str, ...]) -> int | None:
        """Line of a key: after its table's header, before the next header."""
        table, key = (*self.prefix, *keys[:-1]), keys[-1]
        start = 0
        if table:
            header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, table)) + r"\s*\]")
            start = next((i for i, line in enumerate(self.lines) if header.match(line)), -1) + 1
            if start == 0:
                return None
        key_re = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if number > start and re.match(r"^\s*\[", line) and not key_re.match(line):
                break
            if key_re.match(line):
                return number + 1
        return start or None

    def table(self, value: Any, keys: tuple[str, ...], allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(keys, f"must be a table, not {type(value).__name__}", "config-type")
            return {}
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suffix = f"; did you mean {hint[0]!r}?" if hint else ""
                self.fail((*keys, key), f"unknown key{suffix}", "config-unknown-key")
        return value

    def get(
        self,
        table: Mapping[str, Any],
        keys: tuple[str, ...],
        kind: Callable[[Any], Any],
        default: Any,
    ) -> Any:
        if keys[-1] not in table:
            return default
        try:
            return kind(table[keys[-1]])
        except (TypeError, ValueError) as error:
            self.fail(
                keys, str(error), "config-type" if isinstance(error, TypeError) else "config-value"
            )
            return default

    def config(self, data: dict[str, Any], root: Path, path: Path, epoch: int | None) -> Config:
        data = self.table(data, (), _TOP_KEYS)
        tables = {
            k: self.table(data.get(k, {}), (k,), allowed) for k, allowed in _TABLE_KEYS.items()
        }
        book_data, sources, theme_data = tables["book"], tables["sources"], tables["theme"]
        book = BookInfo(
            title=self.get(book_data, ("book", "title"), values.text, "Collection"),
            subtitle=self.get(book_data, ("book", "subtitle"), values.text, ""),
            publisher=self.get(book_data, ("book", "publisher"), values.text, ""),
            authors=self.get(book_data, ("book", "authors"), values.texts, ()),
            lang=self.get(book_data, ("book", "lang"), values.lang, "en"),
            description=self.get(book_data, ("book", "description"), values.text, ""),
            rights=self.get(book_data, ("book", "rights"), values.text, ""),
            identifier=self.get(book_data, ("book", "identifier"), values.text, ""),
            modified=build_time(epoch),
            tag_names=self.get(tables["labels"], ("labels", "tags"), values.names, {}),
            certification=self._certification(book_data.get("accessibility", {})),
        )
        theme = Theme(
            template_dirs=self._folders(theme_data, ("theme", "templates"), root),
            style_dirs=self._folders(theme_data, ("theme", "styles"), root),
            locale_dirs=self._folders(theme_data, ("theme", "locales"), root),
        )
        for folder in filter(Path.is_dir, theme.locale_dirs):
            for problem in i18n.check_catalogs(folder):
                self.fail(("theme", "locales"), problem, "config-locales")
        defaults = tables["defaults"]
        raw_editions = data.get("editions", {})
        editions_table = self.table(
            raw_editions,
            ("editions",),
            tuple(raw_editions) if isinstance(raw_editions, dict) else (),
        )
        editions = tuple(
            self._edition(name, value, defaults, book) for name, value in editions_table.items()
        )
        self._outputs(editions, root)
        return Config(
            path=path,
            root=root,
            sources=self.get(sources, ("sources", "paths"), values.texts, ("content",)),
            excludes=self.get(sources, ("sources", "exclude"), values.texts, ()),
            theme=theme,
            book=book,
            editions=editions,
            source_date_epoch=epoch,
            cache_mb=self.get(
                tables["cache"], ("cache", "max_mb"), values.megabytes, cache.LIMIT_MB
            ),
            shortcodes=self._shortcodes(data.get("shortcodes", {}), theme),
            executor=self.get(data, ("executor",), values.executor, ""),
        )

    def _shortcodes(self, value: Any, theme: Theme) -> tuple[tuple[str, Path], ...]:
        """Each shortcode name with its snippet file, found in the theme's template folders."""
        table = self.table(value, ("shortcodes",), tuple(value) if isinstance(value, dict) else ())
        find = values.snippet(theme.template_dirs)
        found = ((name, self.get(table, ("shortcodes", name), find, None)) for name in table)
        return tuple((name, path) for name, path in found if path is not None)

    def _certification(self, value: Any) -> Certification | None:
        """``[book.accessibility]``: who evaluated the publication and to what level, or neither."""
        keys = ("book", "accessibility")
        table = self.table(value, keys, ("certified_by", "conformance"))
        by = self.get(table, (*keys, "certified_by"), values.text, "").strip()
        level = self.get(table, (*keys, "conformance"), values.conformance, "")
        if by and level:
            return Certification(by, level)
        if by and "conformance" not in table:
            message = "missing; the level certified_by found, such as 'WCAG 2.1 AA'"
            self.fail((*keys, "conformance"), message, "config-missing")
        elif level and not by:
            message = "missing; a conformance claim names who evaluated the publication"
            self.fail((*keys, "certified_by"), message, "config-missing")
        return None

    def _folders(
        self, table: Mapping[str, Any], keys: tuple[str, ...], root: Path
    ) -> tuple[Path, ...]:
        folders = tuple(root / p for p in self.get(table, keys, values.texts, ()))
        for folder in folders:
            if not folder.is_dir():
                self.fail(keys, f"{folder} is not a folder")
        return folders

    def _outputs(self, editions: tuple[Edition, ...], root: Path) -> None:
        """Each edition writes one file of its own format, inside the project, and no other does."""
        claimed: dict[str, str] = {}
        for edition in editions:
            keys = ("editions", edition.name, "output")
            target = os.path.normpath(root / edition.output)
            if os.path.commonpath((target, str(root))) != str(root):
                self.fail(keys, f"{edition.output} is outside the project folder {root}")
            elif Path(target).is_dir():
                hint = f"{edition.output / edition.name}.{edition.format}"
                self.fail(keys, f"{edition.output} is a folder; name the file, e.g. {hint}")
            elif edition.output.suffix.lower() != f".{edition.format}":
                self.fail(keys, f"{edition.output} must end in .{edition.format} (format)")
            elif target in claimed:
                self.fail(keys, f"{edition.output} is also editions.{claimed[target]}.output")
            claimed.setdefault(target, edition.name)

    def _edition(
        self, name: str, value: Any, defaults: Mapping[str, Any], book: BookInfo
    ) -> Edition:
        keys = ("editions", name)
        table = {**defaults, **self.table(value, keys, _EDITION_KEYS)}
        fmt = self.get(table, (*keys, "format"), values.choice(FORMATS), None)
        if fmt is None and "format" not in table:
            self.fail((*keys, "format"), f"missing; one of {', '.join(FORMATS)}", "config-missing")
        fmt = cast(Format, fmt or "pdf")
        default_output = f"dist/{name}.{fmt}"
        selection = Selection(
            tags=self.get(table, (*keys, "tags"), values.texts, ()),
            since=self.get(table, (*keys, "since"), values.date, None),
            until=self.get(table, (*keys, "until"), values.date, None),
            languages=self.get(table, (*keys, "languages"), values.texts, ()),
            match=self.get(table, (*keys, "match"), values.text, None),
        )
        if selection.since and selection.until and selection.since > selection.until:
            self.fail((*keys, "until"), f"{selection.until} is before since ({selection.since})")
        return Edition(
            name=name,
            format=fmt,
            output=Path(self.get(table, (*keys, "output"), values.text, default_output)),
            book=replace(
                book,
                title=self.get(table, (*keys, "title"), values.text, book.title),
                subtitle=self.get(table, (*keys, "subtitle"), values.text, book.subtitle),
            ),
            selection=selection,
            order=self.get(table, (*keys, "order"), values.choice(ORDERS), "date"),
            group=self.get(table, (*keys, "group"), values.choice(GROUPS), "none"),
            layout=self.get(table, (*keys, "layout"), values.choice(LAYOUTS), "brief"),
            paper=self.get(table, (*keys, "paper"), values.choice(PAPERS), None),
            qr=self.get(table, (*keys, "qr"), values.boolean, False),
            pdf_variant=self.get(table, (*keys, "pdf_variant"), values.choice(VARIANTS), None),
            bilingual=self.get(table, (*keys, "bilingual"), values.choice(MODES), None),
            secondary=self.get(table, (*keys, "secondary"), values.langs, ()),
            allow_empty=self.get(table, (*keys, "allow_empty"), values.boolean, False),
        )
