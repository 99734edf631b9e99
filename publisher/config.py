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

from publisher import cache
from publisher.assemble import GROUPS, ORDERS, BookInfo, Group, Order, Selection
from publisher.bilingual import MODES, Mode
from publisher.model import Diagnostic
from publisher.options import FORMATS, LAYOUTS, PAPERS, Format, Layout, Paper
from publisher.render import Theme

CONFIG_NAMES = ("publisher.toml", "pyproject.toml")
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""A BCP 47 language tag, as far as Publisher checks one."""
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters: no metadata holds them, and XML cannot hold most of them."""
VARIANTS = ("pdf/ua-1", "pdf/a-3b")


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


_BOOK_KEYS = (
    "title",
    "subtitle",
    "publisher",
    "authors",
    "lang",
    "description",
    "rights",
    "identifier",
)
_SELECT_KEYS = ("tags", "since", "until", "match", "languages", "order", "group")
_OUTPUT_KEYS = ("layout", "paper", "qr", "pdf_variant", "bilingual", "secondary")
_EDITION_KEYS = ("format", "output", "title", "subtitle", *_SELECT_KEYS, *_OUTPUT_KEYS)
_TOP_KEYS = ("book", "sources", "theme", "defaults", "editions", "cache")
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "book": _BOOK_KEYS,
    "sources": ("paths", "exclude"),
    "theme": ("templates", "styles"),
    "defaults": (*_SELECT_KEYS, *_OUTPUT_KEYS),
    "cache": ("max_mb",),
}


def find(start: Path) -> Path | None:
    """The project config in a folder: publisher.toml, or a pyproject.toml with [tool.publisher]."""
    for name in CONFIG_NAMES:
        candidate = start / name
        if candidate.is_file() and (
            name != "pyproject.toml" or "[tool.publisher" in candidate.read_text()
        ):
            return candidate
    return None


def load(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    text = path.read_text(encoding="utf-8")
    name = path.name
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


def load_epoch(environ: Mapping[str, str] | None = None) -> int | None:
    """SOURCE_DATE_EPOCH, the one environment variable Publisher reads; None when unset."""
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isdigit():
        message = f"{value!r} is not a number of seconds"
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
            title=self.get(book_data, ("book", "title"), _text, "Collection"),
            subtitle=self.get(book_data, ("book", "subtitle"), _text, ""),
            publisher=self.get(book_data, ("book", "publisher"), _text, ""),
            authors=self.get(book_data, ("book", "authors"), _texts, ()),
            lang=self.get(book_data, ("book", "lang"), _lang, "en"),
            description=self.get(book_data, ("book", "description"), _text, ""),
            rights=self.get(book_data, ("book", "rights"), _text, ""),
            identifier=self.get(book_data, ("book", "identifier"), _text, ""),
            modified=build_time(epoch),
        )
        theme = Theme(
            template_dirs=self._folders(theme_data, ("theme", "templates"), root),
            style_dirs=self._folders(theme_data, ("theme", "styles"), root),
        )
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
        return Config(
            path=path,
            root=root,
            sources=self.get(sources, ("sources", "paths"), _texts, ("content",)),
            excludes=self.get(sources, ("sources", "exclude"), _texts, ()),
            theme=theme,
            book=book,
            editions=editions,
            source_date_epoch=epoch,
            cache_mb=self.get(tables["cache"], ("cache", "max_mb"), _megabytes, cache.LIMIT_MB),
        )

    def _folders(
        self, table: Mapping[str, Any], keys: tuple[str, ...], root: Path
    ) -> tuple[Path, ...]:
        folders = tuple(root / p for p in self.get(table, keys, _texts, ()))
        for folder in folders:
            if not folder.is_dir():
                self.fail(keys, f"{folder} is not a folder")
        return folders

    def _edition(
        self, name: str, value: Any, defaults: Mapping[str, Any], book: BookInfo
    ) -> Edition:
        keys = ("editions", name)
        table = {**defaults, **self.table(value, keys, _EDITION_KEYS)}
        fmt = self.get(table, (*keys, "format"), _choice(FORMATS), None)
        if fmt is None and "format" not in table:
            self.fail((*keys, "format"), f"missing; one of {', '.join(FORMATS)}", "config-missing")
        fmt = cast(Format, fmt or "pdf")
        default_output = f"dist/{name}.{fmt}"
        selection = Selection(
            tags=self.get(table, (*keys, "tags"), _texts, ()),
            since=self.get(table, (*keys, "since"), _date, None),
            until=self.get(table, (*keys, "until"), _date, None),
            languages=self.get(table, (*keys, "languages"), _texts, ()),
            match=self.get(table, (*keys, "match"), _text, None),
        )
        if selection.since and selection.until and selection.since > selection.until:
            self.fail((*keys, "until"), f"{selection.until} is before since ({selection.since})")
        return Edition(
            name=name,
            format=fmt,
            output=Path(self.get(table, (*keys, "output"), _text, default_output)),
            book=replace(
                book,
                title=self.get(table, (*keys, "title"), _text, book.title),
                subtitle=self.get(table, (*keys, "subtitle"), _text, book.subtitle),
            ),
            selection=selection,
            order=self.get(table, (*keys, "order"), _choice(ORDERS), "date"),
            group=self.get(table, (*keys, "group"), _choice(GROUPS), "none"),
            layout=self.get(table, (*keys, "layout"), _choice(LAYOUTS), "brief"),
            paper=self.get(table, (*keys, "paper"), _choice(PAPERS), None),
            qr=self.get(table, (*keys, "qr"), _bool, False),
            pdf_variant=self.get(table, (*keys, "pdf_variant"), _choice(VARIANTS), None),
            bilingual=self.get(table, (*keys, "bilingual"), _choice(MODES), None),
            secondary=self.get(table, (*keys, "secondary"), _langs, ()),
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {type(value).__name__}")
    if CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("must be a string or a list of strings")
    return tuple(value)


def _megabytes(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be a whole number of megabytes, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"must be at least 1 (megabyte), not {value}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"must be true or false, not {type(value).__name__}")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("not a date (write 2021-03-01)")


def _lang(value: Any) -> str:
    text = _text(value)
    if not LANG_TAG.fullmatch(text):
        raise ValueError(f"{text!r} is not a BCP 47 language tag")
    return text


def _langs(value: Any) -> tuple[str, ...]:
    return tuple(_lang(v) for v in _texts(value))


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if text not in choices:
            hint = difflib.get_close_matches(text, choices, n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}{suffix}")
        return text

    return check
