"""The checking of a parsed publisher.toml: every key's value, with the line of each problem."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from publisher import diagnostics as codes
from publisher import i18n
from publisher.assembling.assemble import GROUPS, ORDERS, BookInfo, Selection
from publisher.assembling.bilingual import MODES
from publisher.assembling.duplicates import POLICIES
from publisher.cache import store as cache
from publisher.model import Certification, Diagnostic
from publisher.projects import dates, values
from publisher.projects.settings import Config, Edition, build_time
from publisher.rendering.options import FORMATS, LAYOUTS, PAPERS, Format
from publisher.rendering.render import Theme
from publisher.rendering.theme import COVER_TEMPLATES, IMAGE_BYTES, IMAGE_TYPES

VARIANTS = ("pdf/ua-1", "pdf/a-3b")


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


class Checker:
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
