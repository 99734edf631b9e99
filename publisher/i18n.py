"""Labels, dates and writing direction per language.

Labels are gettext catalogs, ``<folder>/<lang>/LC_MESSAGES/publisher.po``: each message's
``msgctxt`` is the key the code and the templates ask for, its ``msgid`` the English label. A
catalog is read with Babel the first time its language is asked for, and kept.
"""

from __future__ import annotations

import datetime as dt
import gettext
import importlib.resources
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.messages.pofile import PoFileError, read_po

LOCALES = Path(str(importlib.resources.files("publisher") / "locales"))
"""The built-in catalogs."""
DOMAIN = "publisher"
"""The gettext domain: the name of every catalog file."""
FALLBACK = "en"
"""The language whose labels stand in where a catalog has none."""

_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")


class CatalogError(ValueError):
    """A catalog file that cannot be read."""


@dataclass(frozen=True, slots=True)
class Message:
    """One label of a catalog."""

    forms: tuple[str, ...]
    """The label, or its plural forms in the catalog's order."""
    plural: Callable[[int], int] | None
    """Which form a count takes, from the catalog's Plural-Forms; None without plural forms."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """One catalog file, as read."""

    messages: Mapping[str, Message]
    """Translated labels by key; fuzzy and empty ones are left out."""
    plurals: int
    """How many plural forms the language has."""


@dataclass(frozen=True, slots=True)
class Labels:
    """Where labels come from: a project's catalog folders, then the built-in one."""

    folders: tuple[Path, ...] = ()
    """The project's catalog folders, searched before the built-in one."""

    @property
    def all_folders(self) -> tuple[Path, ...]:
        """Every catalog folder, in lookup order."""
        return (*self.folders, LOCALES)

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language some folder has a catalog for."""
        return tuple(sorted({tag for folder in self.all_folders for tag in _files(folder)}))

    def label(self, lang: str, key: str, **values: object) -> str:
        """One label in a language, ``{placeholders}`` filled in; a plural one by ``count``."""
        message = self._message(lang, key)
        text = message.forms[0]
        if message.plural is not None:
            count = values.get("count")
            if not isinstance(count, int):
                raise TypeError(f"the label {key!r} takes a whole-number count")
            text = message.forms[min(message.plural(count), len(message.forms) - 1)]
        return text.format(**values)

    def pattern(self, lang: str, key: str) -> str:
        """A label as the catalog has it, placeholders left in."""
        return self._message(lang, key).forms[0]

    def field(self, lang: str, key: str) -> str:
        """A label that names the value after it, punctuated as the language does: "Source:",
        "Source\u00a0:" in French."""
        return self.label(lang, "field", name=self.label(lang, key))

    def byline(self, lang: str, names: Sequence[str]) -> str:
        """Names as a byline: "By Jane Doe and John Roe", "Por Jane Doe y John Roe"."""
        joined = format_list(list(names), locale=locale(lang))
        return self.label(lang, "by", count=len(names), names=joined)

    def _message(self, lang: str, key: str) -> Message:
        message = _table(self.all_folders, lang).get(key)
        if message is None:
            raise KeyError(f"no catalog has a label {key!r}")
        return message


BUILTIN = Labels()
"""The built-in catalogs alone."""


def label(lang: str, key: str, **values: object) -> str:
    """One built-in label in a language, with ``{placeholders}`` filled in."""
    return BUILTIN.label(lang, key, **values)


def field(lang: str, key: str) -> str:
    """A built-in label that names the value after it: "Source:", "Source\u00a0:" in French."""
    return BUILTIN.field(lang, key)


def read_catalog(path: Path) -> Catalog:
    """A catalog file's translated labels; CatalogError when it is not a catalog."""
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, domain=DOMAIN, abort_invalid=True)
        plural = gettext.c2py(catalog.plural_expr)
    except (OSError, UnicodeDecodeError, PoFileError, ValueError) as error:
        raise CatalogError(f"{path}: {error}") from None
    messages: dict[str, Message] = {}
    for message in catalog:
        if not message.id or not message.context or message.fuzzy:
            continue
        string = message.string
        forms = tuple(string) if isinstance(string, tuple | list) else (string,)
        if all(isinstance(form, str) and form for form in forms):
            messages[message.context] = Message(
                tuple(map(str, forms)), plural if message.pluralizable else None
            )
    return Catalog(messages, catalog.num_plurals)


def check_catalogs(folder: Path) -> list[str]:
    """What is wrong with a project's catalog folder: layout, syntax, placeholders, plurals."""
    problems = []
    if not folder.is_dir():
        return [f"{folder} is not a folder"]
    for child in sorted(folder.iterdir()):
        path = child / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not child.is_dir() or child.name.startswith("."):
            continue
        if not _TAG.fullmatch(child.name):
            problems.append(f"{child}: the folder is named after no language tag")
        elif not path.is_file():
            problems.append(f"{child}: holds no LC_MESSAGES/{DOMAIN}.po")
        else:
            try:
                problems += _check_catalog(path, read_catalog(path))
            except CatalogError as error:
                problems.append(str(error))
    return problems


def _check_catalog(path: Path, catalog: Catalog) -> list[str]:
    """Labels that would fail where they are used: unknown placeholders, plural forms amiss."""
    known = _read(_files(LOCALES)[FALLBACK]).messages
    problems = []
    for key, message in catalog.messages.items():
        english = known.get(key)
        if english is None:
            continue
        if (message.plural is None) != (english.plural is None):
            kind = "has plural forms" if english.plural is not None else "has no plural forms"
            problems.append(f"{path}: {key!r} {kind} in English and must match")
            continue
        if message.plural is not None and len(message.forms) != catalog.plurals:
            forms, plurals = len(message.forms), catalog.plurals
            problems.append(f"{path}: {key!r} has {forms} forms, Plural-Forms says {plurals}")
        allowed = set().union(*map(placeholders, english.forms))
        for form in message.forms:
            try:
                extra = placeholders(form) - allowed
            except ValueError:
                problems.append(f"{path}: {key!r} has a brace that opens no {{placeholder}}")
                continue
            if extra:
                names = ", ".join(f"{{{name}}}" for name in sorted(extra))
                problems.append(f"{path}: {key!r} names {names}, which the label is not given")
    return problems


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a label fills in; ValueError for a stray brace."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def tag(name: str) -> str:
    """A language tag written the BCP 47 way: ``zh_Hans`` → ``zh-Hans``, ``pt_br`` → ``pt-BR``."""
    language, *rest = re.split("[-_]", name)
    subtags = [language.lower()]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            subtags.append(part.title())
        elif len(part) == 2 or (len(part) == 3 and part.isdigit()):
            subtags.append(part.upper())
        else:
            subtags.append(part)
    return "-".join(subtags)


def candidates(lang: str) -> tuple[str, ...]:
    """The catalogs a language takes its labels from, best first: ``zh-TW`` → ``zh-Hant``,
    ``zh-CN`` → ``zh-Hans``, ``pt-BR`` → ``pt``, and English last."""
    given = tag(lang)
    subtags = given.split("-")
    language = subtags[0]
    script = next((s for s in subtags[1:] if len(s) == 4 and s.isalpha()), "")
    region = next((s for s in subtags[1:] if len(s) == 2 or s.isdigit()), "")
    likely: Mapping[str, str] = get_global("likely_subtags")
    # CLDR's likely subtags fill in the script a region implies (zh-TW is written in Hant).
    for key in filter(None, (region and f"{language}_{region}", language)):
        if key in likely:
            script = script or next((s for s in likely[key].split("_")[1:] if len(s) == 4), "")
            break
    found = [given]
    if script and region:
        found.append(f"{language}-{script}-{region}")
    if script:
        found.append(f"{language}-{script}")
    if region:
        found.append(f"{language}-{region}")
    found += [language, FALLBACK]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=32)
def _files(folder: Path) -> Mapping[str, Path]:
    """The catalog files of a folder, by language tag."""
    if not folder.is_dir():
        return {}
    return {
        tag(child.name): child / "LC_MESSAGES" / f"{DOMAIN}.po"
        for child in sorted(folder.iterdir())
        if _TAG.fullmatch(child.name) and (child / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    }


_read = lru_cache(maxsize=128)(read_catalog)


@lru_cache(maxsize=256)
def _table(folders: tuple[Path, ...], lang: str) -> Mapping[str, Message]:
    """Every label a language has, the best catalog's of each: the language's most specific
    catalog first, and for one language a project's before the built-in one."""
    table: dict[str, Message] = {}
    for code in reversed(candidates(lang)):
        for folder in reversed(folders):
            path = _files(folder).get(code)
            if path is not None:
                table.update(_read(path).messages)
    return table


ADMONITIONS = ("note", "tip", "important", "warning", "caution")
"""The kinds of admonition (GitHub's alerts), each with a label of the same key."""


def admonition(lang: str, kind: str) -> str:
    """The label of an admonition of a kind ("note", "warning"…) in a language."""
    return BUILTIN.label(lang, kind)


def base(lang: str) -> str:
    """The primary subtag of a BCP 47 tag, lower case."""
    return lang.split("-")[0].lower()


@lru_cache(maxsize=64)
def locale(lang: str) -> Locale:
    """The Babel locale for a BCP 47 tag, English when Babel does not know it."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(base(lang))
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def long_date(value: dt.date, lang: str) -> str:
    """A date written out in a language: "March 1, 2021", "1 de marzo de 2021"."""
    return format_date(value, format="long", locale=locale(lang))


def month_year(value: dt.date, lang: str) -> str:
    """A month and year in a language, as a standalone heading: "March 2021", "marzo de 2021"."""
    text = format_skeleton("yMMMM", value, locale=locale(lang))
    return text[:1].upper() + text[1:]


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The name of a language, in its own language unless another is given."""
    name = locale(lang).get_display_name(locale(in_lang or lang)) or lang
    return name[:1].upper() + name[1:]


def only_in(lang: str, in_lang: str, labels: Labels = BUILTIN) -> str:
    """A note that an item exists in one language only: "Only in Spanish", "Solo en inglés"."""
    # Babel's names are cased for the middle of a sentence ("inglés", "Englisch").
    name = locale(lang).get_display_name(locale(in_lang)) or lang
    return labels.label(in_lang, "only_in", language=name)


def is_rtl(lang: str) -> bool:
    """Whether a language is written right to left."""
    return locale(lang).character_order == "right-to-left"
