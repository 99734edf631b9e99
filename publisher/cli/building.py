"""The verbs that write publications: ``build`` and ``release``."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from publisher.assembling import assemble
from publisher.build import build
from publisher.cache.store import DEFAULT as CACHE
from publisher.cache.store import LIMIT_MB, trim
from publisher.cli import console, loading
from publisher.cli import editions as cli_editions
from publisher.cli import options as cli_options
from publisher.cli import progress as cli_progress
from publisher.cli import theme as cli_theme
from publisher.cli.console import EXIT_DOCUMENT_ERRORS, EXIT_OK, EXIT_USAGE
from publisher.projects import config, project, releases
from publisher.rendering.options import FORMATS, OutputOptions
from publisher.runtime import executors


@click.command(name="build")
@click.argument("names", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.BUILD)
@cli_options.apply(cli_options.DIAGNOSTICS)
def build_(names: tuple[str, ...], **kw: Any) -> None:
    """Build editions of the project (all, or those named), or build SOURCES… directly."""
    project_config = loading.find_project(kw["config_path"])
    with _unreachable():
        if project_config is None:
            _build_sources(names, kw, None)
        elif cli_editions.are_editions(project_config, names):
            _build_editions(project_config, names, kw, version=None)
        else:
            _build_sources(names, kw, project_config)


@click.command()
@click.option(
    "--version",
    "version",
    required=True,
    callback=cli_options.version,
    help="Release version, used in file and folder names.",
)
@click.option("--force", is_flag=True, help="Replace a release of this version written before.")
@click.argument("names", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.BUILD)
@cli_options.apply(cli_options.DIAGNOSTICS)
def release(version: str, force: bool, names: tuple[str, ...], **kw: Any) -> None:
    """Build every edition into dist/releases/VERSION/ (or -o DIR), with SHA256SUMS and manifest."""
    project_config = loading.find_project(kw["config_path"], required=True)
    assert project_config is not None
    output: Path | None = kw["output"]
    if output is not None and output.suffix.lower() in (".epub", ".pdf"):
        raise click.UsageError(f"-o {output}: a release is written to a folder")
    # -o names the release's folder, not an edition's file.
    kw = {**kw, "output": None}
    expected = len(cli_editions.choose(project_config, names, kw))
    target = releases.folder(project_config, version, output)
    project_config = releases.dated(project_config) or project_config
    try:
        aside = releases.staging(target, force)
    except releases.ReleaseExists:
        shown = os.path.relpath(target)
        raise click.UsageError(
            f"{shown} exists: release {version} was cut before (--force replaces it)"
        ) from None
    except releases.NotARelease:
        shown = os.path.relpath(target)
        raise click.UsageError(f"{shown} holds no release: --force replaces only one") from None
    except OSError as error:
        raise click.UsageError(f"cannot write {target}: {error.strerror or error}") from None
    try:
        staged = releases.into(project_config, aside)
        with _unreachable():
            result = _build_editions(staged, names, kw, version, exit_after=False, shown_in=target)
        if len(result.outputs) < expected:
            click.echo(f"release {version} not written: not every edition was", err=True)
            sys.exit(EXIT_DOCUMENT_ERRORS)
        releases.write(staged, result, version, target.parent)
        releases.swap(aside, target)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    for name in ("SHA256SUMS", "manifest.json"):
        console.info(f"wrote {os.path.relpath(target / name)}")
    if project_config.source_date_epoch is None:
        console.info(releases.BUILD_TIME)
    sys.exit(EXIT_DOCUMENT_ERRORS if console.has_errors(result.diagnostics) else EXIT_OK)


@contextlib.contextmanager
def _unreachable() -> Iterator[None]:
    """An executor that cannot be used (no Dask, no scheduler) ends the build with its reason."""
    try:
        yield
    except executors.ExecutorError as error:
        click.echo(f"publisher: {error}", err=True)
        sys.exit(EXIT_USAGE)


def _build_editions(
    project_config: config.Config,
    names: Sequence[str],
    kw: dict[str, Any],
    version: str | None,
    exit_after: bool = True,
    shown_in: Path | None = None,
) -> project.Result:
    editions = cli_editions.choose(project_config, names, kw)
    for relative in (e for e in editions if e.relative):
        console.info(f"{relative.name}: {', '.join(map(str, relative.relative))}")
    ignore, unknown = cli_options.ignored(kw, project_config)
    theme = cli_theme.themed(project_config.theme, kw["cover"])
    executor = kw["executor"] or project_config.executor
    project_config = replace(project_config, ignore=ignore, theme=theme, executor=executor)
    with cli_progress.showing() as tell:
        result = project.build_editions(
            project_config,
            editions,
            version,
            jobs=kw["jobs"],
            use_cache=kw["use_cache"],
            strict=kw["strict"],
            progress=tell,
        )
    console.report((*unknown, *result.diagnostics), console.editions_of(result.editions))
    if kw["strict"] and any(d.problem for d in result.diagnostics):
        console.aside("strict: nothing written because of the problems above")
    for output in result.outputs:
        pages = f", {output.pages} pages" if output.pages is not None else ""
        state = "wrote" if output.fresh else "up to date"
        size = output.path.stat().st_size
        shown = os.path.relpath(shown_in / output.path.name if shown_in else output.path)
        console.info(f"{state} {shown} ({size:,} bytes, {output.documents} documents{pages})")
    if result.files:
        console.info(console.summary(result.files, result.included, result.diagnostics))
    if result.crashes:
        console.crashed(result.crashes, project_config.root)
    failed = (
        console.has_errors(result.diagnostics)
        or len(result.outputs) < len(editions)
        or (kw["strict"] and any(d.problem for d in result.diagnostics))
    )
    if exit_after:
        sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)
    return result


def _build_sources(sources: Sequence[str], kw: dict[str, Any], base: config.Config | None) -> None:
    cli_options.check_output(kw["output"], kw["formats"] or FORMATS)
    cache = (base.root if base else Path()) / CACHE if kw["use_cache"] else None
    ignore, unknown = cli_options.ignored(kw, base)
    formats = kw["formats"] or FORMATS
    url = kw["executor"] or (base.executor if base else "")
    with executors.connected(url) as executor, cli_progress.showing() as tell:
        loaded, _ = loading.load_sources(sources, kw, cache, tell)
        epoch = base.source_date_epoch if base else loading.source_date_epoch()
        info = replace(
            base.book if base else assemble.BookInfo(),
            modified=config.build_time(epoch),
            **{k: kw[k] for k in ("title", "subtitle", "lang") if kw.get(k)},
            **({"publisher": kw["publisher_name"]} if kw.get("publisher_name") else {}),
        )
        options = OutputOptions(
            theme=cli_theme.themed(base.theme if base else OutputOptions().theme, kw["cover"]),
            roots=loaded.roots,
            layout=kw["layout"] or "brief",
            paper=kw["paper"],
            qr=bool(kw["qr"]),
            pdf_variant=kw["pdf_variant"],
            bilingual=kw["bilingual"],
            secondary=tuple(kw["secondary"]),
            jobs=kw["jobs"],
            cache=cache,
            executor=executor,
            progress=tell,
        )
        built = build(
            loaded,
            info,
            formats,
            kw["output"],
            cli_options.selection(kw),
            kw["order"] or "date",
            kw["group"] or "none",
            options,
            strict=kw["strict"],
            allow_empty=bool(kw["allow_empty"]),
            ignore=ignore,
        )
    if cache is not None:
        trim(cache, (base.cache_mb if base else LIMIT_MB) * 1_000_000)
    found = (*(base.warnings if base else ()), *built.read, *built.diagnostics)
    console.report((*unknown, *found))
    if kw["strict"] and any(d.problem for d in found):
        console.aside("strict: nothing written because of the problems above")
    count = len(built.compilation.documents)
    for path in built.written:
        console.info(f"wrote {path} ({path.stat().st_size:,} bytes, {count} documents)")
    # Included: in the output. A document left out by the selection or as a copy is skipped too.
    console.info(console.summary(loaded.files, count, found))
    if built.crashes:
        console.crashed(built.crashes, base.root if base else None)
    failed = console.has_errors(found) or len(built.written) < len(formats)
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)
