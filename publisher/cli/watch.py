"""``publisher watch``: build, then build again what each change touches, until Ctrl-C."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import watchfiles

from publisher.assembling import assemble
from publisher.build import load
from publisher.cache.store import DEFAULT as CACHE
from publisher.cli import console, loading
from publisher.model import Diagnostic, Document
from publisher.projects import config, project
from publisher.reading import sources
from publisher.runtime import crash

_WILDCARD = re.compile(r"[*?\[]")
# What a build writes beside an output while it works (runtime/output.py names them so).
_TEMPORARY = re.compile(r"\..+\.[0-9]+\..*\.tmp")


@dataclass(frozen=True, slots=True)
class _Sources:
    """The project's documents as they were last read."""

    files: frozenset[Path]
    """Every source file found."""
    documents: dict[str, Document]
    """Documents by path (relative to their source root)."""
    diagnostics: tuple[Diagnostic, ...]
    """What reading them found."""


@click.command()
@click.argument("names", nargs=-1)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Project file (default: publisher.toml, or pyproject.toml's [tool.publisher]).",
)
def watch(names: tuple[str, ...], config_path: Path | None) -> None:
    """Build editions (all, or those named), then rebuild those a change touches, until Ctrl-C."""
    project_config = loading.find_project(config_path, required=True)
    assert project_config is not None
    editions = _editions(project_config, names)
    roots = _roots(project_config)
    watching = watchfiles.watch(
        *roots, watch_filter=_Filter(project_config), yield_on_timeout=True, rust_timeout=500
    )
    # The watcher runs from its first answer on: a change saved during the first build is seen.
    next(watching)
    known = _read(project_config)
    _build(project_config, editions)
    console.info(f"watching {', '.join(map(_shown, roots))} (Ctrl-C stops)")
    sys.stdout.flush()
    for changes in watching:
        if not changes:
            continue
        read = _found(project_config)
        changed = sorted(
            p
            for p in {Path(path) for _, path in changes}
            if p in known.files or p in read or _is_setup(project_config, p)
        )
        if not changed:
            continue
        console.info(f"changed: {', '.join(map(_shown, changed))}")
        if project_config.path is not None and project_config.path.resolve() in changed:
            try:
                project_config = config.load(project_config.path)
                editions = _editions(project_config, names)
            # A config being edited may be wrong for a while: say so, and wait for the next save.
            except config.ConfigError as error:
                console.report(error.diagnostics)
                continue
            except click.UsageError as error:
                click.echo(f"publisher watch: {error.message}", err=True)
                continue
        now = _read(project_config)
        stale = _stale(editions, known, now, changed)
        if stale:
            _build(project_config, stale)
        else:
            console.report([d for d in now.diagnostics if d not in known.diagnostics])
            console.info("no edition holds what changed")
        known = now
        sys.stdout.flush()


def _editions(project_config: config.Config, names: Sequence[str]) -> list[config.Edition]:
    """The editions named (all when none is), or a usage error."""
    known = ", ".join(e.name for e in project_config.editions) or "none"
    try:
        chosen = project.select_editions(project_config, names)
    except KeyError as error:
        raise click.UsageError(f"unknown edition {error.args[0]}; editions: {known}") from None
    if not chosen:
        raise click.UsageError("the project has no edition: add an [editions.NAME] table")
    return list(chosen)


def _found(project_config: config.Config) -> frozenset[Path]:
    """The project's source files as they are now."""
    inputs = [str(project_config.root / s) for s in project_config.sources]
    found, _ = sources.find(inputs, project_config.excludes)
    # As the watcher names them: "../corpus" in the config or a symbolic link, resolved.
    return frozenset(path.resolve() for path, _ in found)


def _is_setup(project_config: config.Config, path: Path) -> bool:
    """Whether a path is the project file, a theme file (css, logo, cover) or in a theme folder."""
    theme = project_config.theme
    folders = (*theme.template_dirs, *theme.style_dirs, *theme.locale_dirs)
    files = (project_config.path, *theme.css, theme.logo, theme.cover)
    return any(f is not None and path == f.resolve() for f in files) or any(
        path.is_relative_to(f.resolve()) for f in folders
    )


def _read(project_config: config.Config) -> _Sources:
    """The project's documents, read through the cache: only changed files are parsed again."""
    inputs = [str(project_config.root / s) for s in project_config.sources]
    files = _found(project_config)
    loaded = load(
        inputs,
        project_config.excludes,
        default_lang=project_config.book.lang,
        cache=project_config.root / CACHE,
        snippets=project_config.snippets(),
    )
    documents = {d.path: d for d in loaded.documents}
    return _Sources(files, documents, loaded.diagnostics)


def _stale(
    editions: Sequence[config.Edition], before: _Sources, after: _Sources, changed: Sequence[Path]
) -> list[config.Edition]:
    """The editions a change touches: all for the config or theme, else those holding a document.

    A document counts with its old and its new content, so an edition it leaves is built too.
    What a change does to other documents (a link or a pairing to it resolved anew) is left to
    the next build, whose up-to-date check sees every source.
    """
    if any(path not in before.files | after.files for path in changed):
        # The config or the theme: the up-to-date check decides.
        return list(editions)
    paths = before.documents.keys() | after.documents.keys()
    moved = [
        document
        for path in paths
        if before.documents.get(path) != after.documents.get(path)
        for document in (before.documents.get(path), after.documents.get(path))
        if document is not None
    ]
    return [e for e in editions if assemble.select(moved, e.selection)]


def _build(project_config: config.Config, editions: Sequence[config.Edition]) -> None:
    """Build editions through the cache and say what was written and how long it took."""
    start = time.monotonic()
    result = project.build_editions(project_config, editions)
    console.report(result.diagnostics)
    for output in (*result.outputs, *result.failed):
        state = "failed" if output.failed else "wrote" if output.fresh else "up to date"
        pages = f", {output.pages} pages" if output.pages is not None else ""
        console.info(f"{state} {_shown(output.path)} ({output.documents} documents{pages})")
    if result.crashes:
        click.echo(crash.report(project_config.root / CACHE, result.crashes), err=True)
    built = ", ".join(e.name for e in editions)
    console.info(f"built {built} in {time.monotonic() - start:.1f} s")
    sys.stdout.flush()


def _roots(project_config: config.Config) -> list[Path]:
    """The folders to watch: the project's, and its sources' and theme's outside it."""
    theme = project_config.theme
    folders = [
        project_config.root,
        *(_base(project_config.root / s) for s in project_config.sources),
        *theme.template_dirs,
        *theme.style_dirs,
        *theme.locale_dirs,
    ]
    found = [f.resolve() for f in folders if f.exists()]
    return sorted({f for f in found if not any(o != f and f.is_relative_to(o) for o in found)})


def _base(source: Path) -> Path:
    """The folder a source names or lies in, glob patterns cut off."""
    parts = list(source.parts)
    cut = next((i for i, part in enumerate(parts) if _WILDCARD.search(part)), len(parts))
    base = Path(*parts[:cut])
    return base if base.is_dir() else base.parent


class _Filter(watchfiles.DefaultFilter):
    """Changes a build may read: not its own outputs, temporary files or cache."""

    def __init__(self, project_config: config.Config) -> None:
        super().__init__()
        self.cache = (project_config.root / CACHE).resolve()
        self.outputs = {
            Path(os.path.normpath(project_config.root / e.output)).resolve()
            for e in project_config.editions
        }
        self.releases = (project_config.root / "dist" / "releases").resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        found = Path(path)
        return (
            super().__call__(change, path)
            and not _TEMPORARY.fullmatch(found.name)
            and found not in self.outputs
            and not found.is_relative_to(self.cache)
            and not found.is_relative_to(self.releases)
        )


def _shown(path: Path) -> str:
    return os.path.relpath(path)
