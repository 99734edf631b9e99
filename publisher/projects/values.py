"""TOML values → typed values: each converter returns one, or raises TypeError or ValueError."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from publisher.projects import dates
from publisher.runtime import executors

LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""A BCP 47 language tag, as far as Publisher checks one."""
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters: no metadata holds them, and XML cannot hold most of them."""
_WCAG = re.compile(r"(?:EPUB Accessibility 1\.1 - )?WCAG (2\.[0-2]) (?:Level )?(A{1,3})")


def text(value: Any) -> str:
    """A string without control characters."""
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {type(value).__name__}")
    if CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def texts(value: Any) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("must be a string or a list of strings")
    return tuple(value)


def names(value: Any) -> dict[str, str]:
    """A table of display names (``tag = "Name"``), keyed by the tag folded to lower case."""
    if not isinstance(value, dict):
        raise TypeError(f"must be a table of names, not {type(value).__name__}")
    folded: dict[str, str] = {}
    for key, name in value.items():
        if not isinstance(name, str):
            raise TypeError(f"{key}: must be a string, not {type(name).__name__}")
        if not text(name).strip():
            raise ValueError(f"{key}: the name is empty")
        if key.casefold() in folded:
            raise ValueError(f"{key}: named twice (tags match whatever their case)")
        folded[key.casefold()] = " ".join(name.split())
    return folded


def megabytes(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be a whole number of megabytes, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"must be at least 1 (megabyte), not {value}")
    return value


def boolean(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise TypeError(f"must be true or false, not {type(value).__name__}")
    return value


def day(bound: dates.Bound, base: dt.date) -> Callable[[Any], dates.Given]:
    """A converter for since or until: a TOML date, or a date as text, relative to base."""

    def convert(value: Any) -> dates.Given:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return dates.Given(bound, value.isoformat(), value)
        return dates.resolve(bound, text(value), base)

    return convert


def lang(value: Any) -> str:
    """A BCP 47 language tag."""
    tag = text(value)
    if not LANG_TAG.fullmatch(tag):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag")
    return tag


def langs(value: Any) -> tuple[str, ...]:
    """One language tag or a list of them."""
    return tuple(lang(v) for v in texts(value))


def choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    """A converter that accepts one of choices, with a hint for a near miss."""

    def check(value: Any) -> str:
        given = text(value)
        if given not in choices:
            hint = difflib.get_close_matches(given, choices, n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(f"{given!r} is not one of {', '.join(choices)}{suffix}")
        return given

    return check


def executor(value: Any) -> str:
    """An executor URL (``dask://HOST:PORT``)."""
    return executors.check(text(value))


def snippet(folders: Sequence[Path]) -> Callable[[Any], Path]:
    """A converter that finds a UTF-8 file by its name inside one of folders (a theme's)."""

    def find(value: Any) -> Path:
        relative = Path(text(value))
        if not str(value) or relative.is_absolute() or ".." in relative.parts:
            raise ValueError("name a file inside a theme template folder")
        for folder in folders:
            if (folder / relative).is_file():
                try:
                    (folder / relative).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise ValueError(f"cannot read {folder / relative}: {error}") from None
                return folder / relative
        where = ", ".join(map(str, folders)) or "none: set theme.templates"
        raise ValueError(f"{relative} is in no theme template folder ({where})")

    return find


def conformance(value: Any) -> str:
    """A WCAG version and level ("WCAG 2.1 AA"), as EPUB Accessibility 1.1 states a claim."""
    given = " ".join(text(value).split())
    match = _WCAG.fullmatch(given)
    if match is None:
        raise ValueError(f"{given!r} is not a WCAG version and level, such as 'WCAG 2.1 AA'")
    return f"EPUB Accessibility 1.1 - WCAG {match[1]} Level {match[2]}"
