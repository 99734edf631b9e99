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

from publisher import diagnostics as codes
from publisher import i18n
from publisher.assembling.assemble import GROUPS, ORDERS, BookInfo, Group, Order, Selection
from publisher.assembling.bilingual import MODES, Mode
from publisher.assembling.duplicates import POLICIES
from publisher.cache import store as cache
from publisher.model import Certification, Diagnostic
from publisher.projects import dates, values
from publisher.rendering.options import FORMATS, LAYOUTS, PAPERS, Format, Layout, Paper
from publisher.rendering.render import Theme
from publisher.rendering.theme import COVER_TEMPLATES, IMAGE_BYTES, IMAGE_TYPES

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
    relative: tuple[dates.Given, ...] = ()
    """Its since and until as written, where they count from the build date."""
    whats_new: bool = False
    """Open the book with what is new and updated since the latest release."""
    since_release: str | None = None
    """The release (a version, or a manifest's path) "what is new" compares with."""


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
    ignore: tuple[str, ...] = ()
    """Diagnostic codes neither reported nor counted (``[diagnostics] ignore``)."""
    warnings: tuple[Diagnostic, ...] = ()
    """Problems in the file that do not stop it being used, such as an unknown code to ignore."""
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
    "duplicates",
)
_BOOK_VALUES: dict[str, Callable[[Any], Any]] = {
    "title": values.text,
    "subtitle": values.text,
    "publisher": values.text,
    "authors": values.texts,
    "lang": values.lang,
    "description": values.text,
    "rights": values.text,
    "identifier": values.text,
}
"""Each plain [book] key's converter; an edition may set any of them."""
_OUTPUT_KEYS = ("layout", "paper", "qr", "pdf_variant", "bilingual", "secondary")
_HISTORY_KEYS = ("whats_new", "since_release")
_EDITION_KEYS = ("format", "output", *_BOOK_KEYS, *_SELECT_KEYS, *_OUTPUT_KEYS, *_HISTORY_KEYS)
_TOP_KEYS = (
    "book",
    "sources",
    "theme",
    "labels",
    "defaults",
    "editions",
    "cache",
    "shortcodes",
    "diagnostics",
    "executor",
)
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "book": _BOOK_KEYS,
    "sources": ("paths", "exclude"),
    "theme": ("templates", "styles", "locales", "css", "logo", "cover"),
    "labels": ("tags",),
    "defaults": (*_SELECT_KEYS, *_OUTPUT_KEYS, *_HISTORY_KEYS),
    "cache": ("max_mb",),
    "diagnostics": ("ignore",),
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
        # A bad value in [defaults] is found once for each edition, and said once.
        raise ConfigError(sorted(dict.fromkeys(checker.problems), key=lambda d: d.line or 0))
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
        self.warnings: list[Diagnostic] = []

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
                if keys == ("defaults",) and key in _BOOK_KEYS:
                    suffix = "; a book key goes in [book], or in an edition that differs"
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
        book = self._book(
            book_data,
            ("book",),
            BookInfo(
                modified=build_time(epoch),
                tag_names=self.get(tables["labels"], ("labels", "tags"), values.names, {}),
            ),
        )
        theme = Theme(
            template_dirs=self._folders(theme_data, ("theme", "templates"), root),
            style_dirs=self._folders(theme_data, ("theme", "styles"), root),
            locale_dirs=self._folders(theme_data, ("theme", "locales"), root),
            css=tuple(
                sheet
                for each in self.get(theme_data, ("theme", "css"), values.texts, ())
                if (sheet := self._theme_file(each, ("theme", "css"), root, (".css",))) is not None
            ),
            logo=self._theme_file(
                self.get(theme_data, ("theme", "logo"), values.text, ""),
                ("theme", "logo"),
                root,
                tuple(IMAGE_TYPES),
            ),
            cover=self._theme_file(
                self.get(theme_data, ("theme", "cover"), values.text, ""),
                ("theme", "cover"),
                root,
                (*IMAGE_TYPES, *COVER_TEMPLATES),
            ),
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
        today = dates.today(epoch)
        editions = tuple(
            self._edition(name, value, defaults, book, today)
            for name, value in editions_table.items()
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
            ignore=self._ignore(tables["diagnostics"]),
            warnings=tuple(self.warnings),
            executor=self.get(data, ("executor",), values.executor, ""),
        )

    def _ignore(self, table: Mapping[str, Any]) -> tuple[str, ...]:
        """``[diagnostics] ignore``: codes to drop; an unknown one is a warning, not an error."""
        keys = ("diagnostics", "ignore")
        ignored: tuple[str, ...] = self.get(table, keys, values.texts, ())
        for code in ignored:
            if not codes.known(code):
                message = f"{'.'.join(keys)}: {codes.unknown(code)}"
                line = self._line(keys)
                self.warnings.append(
                    Diagnostic(self.name, line, "warning", "unknown-code", message)
                )
        return ignored

    def _shortcodes(self, value: Any, theme: Theme) -> tuple[tuple[str, Path], ...]:
        """Each shortcode name with its snippet file, found in the theme's template folders."""
        table = self.table(value, ("shortcodes",), tuple(value) if isinstance(value, dict) else ())
        find = values.snippet(theme.template_dirs)
        found = ((name, self.get(table, ("shortcodes", name), find, None)) for name in table)
        return tuple((name, path) for name, path in found if path is not None)

    def _book(self, table: Mapping[str, Any], keys: tuple[str, ...], base: BookInfo) -> BookInfo:
        """The book metadata of [book] or of an edition's table, over base."""
        given = {k: self.get(table, (*keys, k), kind, None) for k, kind in _BOOK_VALUES.items()}
        book = replace(base, **{k: v for k, v in given.items() if v is not None})
        if "accessibility" not in table:
            return book
        return replace(book, certification=self._certification(table["accessibility"], keys))

    def _certification(self, value: Any, keys: tuple[str, ...]) -> Certification | None:
        """``[book.accessibility]``: who evaluated the publication and to what level, or neither."""
        keys = (*keys, "accessibility")
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

    def _theme_file(
        self, name: str, keys: tuple[str, ...], root: Path, suffixes: tuple[str, ...]
    ) -> Path | None:
        """A theme file named relative to the project folder: it must be there, and of its kind."""
        if not name:
            return None
        path = root / name
        if not path.resolve().is_relative_to(root.resolve()):
            self.fail(keys, f"{name} is outside the project folder {root}")
        elif not path.is_file():
            self.fail(keys, f"{path} is not a file")
        elif path.suffix.lower() not in suffixes:
            self.fail(keys, f"{name} must end in {', '.join(suffixes)}")
        elif path.suffix.lower() in IMAGE_TYPES and path.stat().st_size > IMAGE_BYTES:
            self.fail(keys, f"{name} is larger than {IMAGE_BYTES >> 20} MB")
        else:
            return path
        return None

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
        self, name: str, value: Any, defaults: Mapping[str, Any], book: BookInfo, today: dt.date
    ) -> Edition:
        keys = ("editions", name)
        own = self.table(value, keys, _EDITION_KEYS)
        table = {**defaults, **own}
        fmt = self.get(table, (*keys, "format"), values.choice(FORMATS), None)
        if fmt is None and "format" not in table:
            self.fail((*keys, "format"), f"missing; one of {', '.join(FORMATS)}", "config-missing")
        fmt = cast(Format, fmt or "pdf")
        default_output = f"dist/{name}.{fmt}"
        # A date from [defaults] is reported there; it resolves the same for every edition.
        since, until = (
            self.get(table, (*(keys if b in own else ("defaults",)), b), values.day(b, today), None)
            for b in dates.BOUNDS
        )
        selection = Selection(
            tags=self.get(table, (*keys, "tags"), values.texts, ()),
            since=since.day if since else None,
            until=until.day if until else None,
            languages=self.get(table, (*keys, "languages"), values.texts, ()),
            match=self.get(table, (*keys, "match"), values.text, None),
            duplicates=self.get(table, (*keys, "duplicates"), values.choice(POLICIES), "newest"),
        )
        if since and until and since.day > until.day:
            where = keys if "until" in own else ("defaults",)
            self.fail((*where, "until"), f"{until.shown} is before since ({since.shown})")
        return Edition(
            name=name,
            format=fmt,
            output=Path(self.get(table, (*keys, "output"), values.text, default_output)),
            book=self._book(own, keys, book),
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
            relative=tuple(d for d in (since, until) if d and d.relative),
            whats_new=self.get(table, (*keys, "whats_new"), values.boolean, False),
            since_release=self.get(table, (*keys, "since_release"), values.text, None),
        )
