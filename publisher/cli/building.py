"""The verbs that write publications: ``build`` and ``release``."""

from __future__ import annotations

import contextlib
import os
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
from publisher.cli.console import EXIT_DOCUMENT_ERRORS, EXIT_OK, EXIT_USAGE
from publisher.projects import config, project
from publisher.rendering.options import FORMATS, OutputOptions
from publisher.runtime import executors


@click.command(name="build")
@click.argument("names", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.BUILD)
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
    help="Release version, used in file names.",
)
@click.argument("names", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.BUILD)
def release(version: str, names: tuple[str, ...], **kw: Any) -> None:
    """Build every edition as <name>-<version>.<ext> with SHA256SUMS and manifest.json."""
    project_config = loading.find_project(kw["config_path"], required=True)
    assert project_config is not None
    with _unreachable():
        result = _build_editions(project_config, names, kw, version=version, exit_after=False)
    if not result.outputs:
        sys.exit(EXIT_DOCUMENT_ERRORS)
    sums, manifest = project.release(project_config, result, version)
    console.info(f"wrote {sums}\nwrote {manifest}")
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
) -> project.Result:
    editions = cli_editions.choose(project_config, names, kw)
    if kw["executor"]:
        project_config = replace(project_config, executor=kw["executor"])
    with console.progress("Reading documents…") as update:
        building = [""]

        def edition(e: config.Edition) -> None:
            building[0] = e.name
            update(f"Building {e.name}…")

        result = project.build_editions(
            project_config,
            editions,
            version,
            edition,
            jobs=kw["jobs"],
            use_cache=kw["use_cache"],
            strict=kw["strict"],
            progress=lambda done, total: update(
                f"Building {building[0]}: {console.parts(done, total)}"
            ),
        )
    console.report(result.diagnostics)
    if kw["strict"] and any(d.problem for d in result.diagnostics):
        click.echo("strict: nothing written because of the problems above", err=True)
    for output in result.outputs:
        pages = f", {output.pages} pages" if output.pages is not None else ""
        state = "wrote" if output.fresh else "up to date"
        size = output.path.stat().st_size
        shown = os.path.relpath(output.path)
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
    loaded, _ = loading.load_sources(sources, kw, cache)
    epoch = base.source_date_epoch if base else loading.source_date_epoch()
    info = replace(
        base.book if base else assemble.BookInfo(),
        modified=config.build_time(epoch),
        **{k: kw[k] for k in ("title", "subtitle", "lang") if kw.get(k)},
        **({"publisher": kw["publisher_name"]} if kw.get("publisher_name") else {}),
    )
    options = OutputOptions(
        theme=base.theme if base else OutputOptions().theme,
        roots=loaded.roots,
        layout=kw["layout"] or "brief",
        paper=kw["paper"],
        qr=bool(kw["qr"]),
        pdf_variant=kw["pdf_variant"],
        bilingual=kw["bilingual"],
        secondary=tuple(kw["secondary"]),
        jobs=kw["jobs"],
        cache=cache,
    )
    if kw["strict"] and any(d.problem for d in loaded.diagnostics):
        console.report(loaded.diagnostics)
        click.echo("strict: nothing written because of the problems above", err=True)
        sys.exit(EXIT_DOCUMENT_ERRORS)
    formats = kw["formats"] or FORMATS
    url = kw["executor"] or (base.executor if base else "")
    with executors.connected(url) as executor, console.progress("Rendering…") as update:
        options = replace(
            options,
            executor=executor,
            progress=lambda done, total: update(console.parts(done, total)),
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
        )
    if cache is not None:
        trim(cache, (base.cache_mb if base else LIMIT_MB) * 1_000_000)
    diagnostics = (*loaded.diagnostics, *built.diagnostics)
    console.report(diagnostics)
    if kw["strict"] and any(d.problem for d in built.diagnostics):
        click.echo("strict: nothing written because of the problems above", err=True)
    count = len(built.compilation.documents)
    for path in built.written:
        console.info(f"wrote {path} ({path.stat().st_size:,} bytes, {count} documents)")
    console.info(console.summary(loaded.files, len(loaded.documents), loaded.diagnostics))
    if built.crashes:
        console.crashed(built.crashes, base.root if base else None)
    failed = console.has_errors(diagnostics) or len(built.written) < len(formats)
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)
