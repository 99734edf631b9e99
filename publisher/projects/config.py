"""publisher.toml (or ``[tool.publisher]`` in pyproject.toml) → typed, validated config."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from publisher.model import Diagnostic
from publisher.projects.parsing import VARIANTS, Checker
from publisher.projects.settings import Config, ConfigError, Edition, build_time

__all__ = [
    "VARIANTS",
    "Config",
    "ConfigError",
    "Edition",
    "build_time",
    "find",
    "load",
    "load_epoch",
]

CONFIG_NAMES = ("publisher.toml", "pyproject.toml")
_LAST_EPOCH = 253402300799
"""9999-12-31T23:59:59Z: the last time a datetime (and so a build time) can hold."""
_CONFIG_LIMIT = 1 << 20
"""Bytes of a pyproject.toml searched for a [tool.publisher] table."""


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
    checker = Checker(name, text, prefix)
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
