"""The project and the documents a verb works on, read once for it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from publisher.build import Loaded, load
from publisher.cli import console
from publisher.cli.console import EXIT_USAGE
from publisher.projects import config
from publisher.runtime.progress import Listener


def find_project(config_path: Path | None, required: bool = False) -> config.Config | None:
    """The project file given, or found from here up; None (or a usage error) without one."""
    path = config_path or config.find(Path.cwd())
    if path is None:
        if required:
            raise click.UsageError("no publisher.toml here; give --config or run `publisher init`")
        return None
    try:
        return config.load(path)
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror}") from None
    except config.ConfigError as error:
        console.report(error.diagnostics)
        sys.exit(EXIT_USAGE)


def load_sources(
    sources: Sequence[str],
    kw: dict[str, Any],
    cache: Path | None = None,
    progress: Listener | None = None,
) -> tuple[Loaded, config.Config | None]:
    """The documents of SOURCES, or of the project's sources when none are given.

    Without a ``progress`` listener, a spinner shows on a terminal while they are read.
    """
    project_config = find_project(kw["config_path"], required=not sources)
    if project_config is not None and not sources:
        inputs = [str(project_config.root / s) for s in project_config.sources]
        excludes = (*project_config.excludes, *kw["excludes"])
        lang = kw.get("lang") or project_config.book.lang
    else:
        inputs, excludes, lang = list(sources), kw["excludes"], kw.get("lang") or "en"
    snippets = project_config.snippets() if project_config is not None else None
    if progress is not None:
        loaded = load(inputs, excludes, lang, cache, snippets, progress)
        return loaded, project_config
    with console.progress("Reading documents…"):
        loaded = load(inputs, excludes, default_lang=lang, cache=cache, snippets=snippets)
        return loaded, project_config


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH for a build without a project file, validated like the config's."""
    try:
        return config.load_epoch()
    except config.ConfigError as error:
        console.report(error.diagnostics)
        sys.exit(EXIT_USAGE)
