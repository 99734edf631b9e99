"""Command-line verbs: parse, call the library, map results to messages and exit codes."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from publisher import __version__
from publisher.assembling import assemble, bilingual
from publisher.build import Loaded, build, load
from publisher.cache.store import DEFAULT as CACHE
from publisher.cache.store import LIMIT_MB, clean, trim
from publisher.cli import editions as cli_editions
from publisher.cli import options as cli_options
from publisher.model import Diagnostic, Document, Entry
from publisher.projects import config, project, scaffold
from publisher.rendering.options import FORMATS, OutputOptions
from publisher.runtime import crash, workers

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a program that a closed pipe ended, as for git."""
EXIT_INTERRUPTED = 128 + signal.SIGINT

_stderr = Console(stderr=True, highlight=False)


class _State:
    """Verbosity chosen on the command line."""

    quiet = False
    verbose = False


def _report(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        if _State.quiet and diagnostic.severity != "error":
            continue
        click.echo(diagnostic.format(), err=True)


def _summary(files: int, included: int, diagnostics: Sequence[Diagnostic]) -> str:
    warnings = sum(d.severity == "warning" for d in diagnostics)
    return (
        f"{files} documents read, {included} included, {files - included} skipped, "
        f"{warnings} warnings"
    )


def _info(message: str) -> None:
    if not _State.quiet:
        click.echo(message)


def _parts(done: int, total: int) -> str:
    return f"PDF parts laid out: {done} of {total}…"


@contextmanager
def _progress(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr, only on a terminal, so pipes and make logs stay clean."""
    if _State.quiet or not _stderr.is_terminal:
        yield lambda _: None
        return
    with _stderr.status(message) as status:
        yield lambda text: status.update(text)


def _crashed(crashes: Sequence[crash.Crash], root: Path | None = None) -> None:
    """One line naming the crash log, and the exit code that tells a bug from bad input."""
    if root is None:
        try:
            found = config.find(Path.cwd())
        except OSError:  # the working folder itself is gone
            found = None
        root = found.parent if found else Path()
    click.echo(crash.report(root / CACHE, crashes), err=True)
    sys.exit(EXIT_CRASH)


class _Guarded(click.Group):
    """The verbs' group: an exception no verb expected becomes a crash log and exit code 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            # Outputs and temporary files were put right on the way here; a second Ctrl-C
            # must not cut the stopping of the workers short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            workers.stop_all()
            click.echo("publisher: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`publisher list | head`): no bug, and nothing more to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        # A bug: its traceback goes to the crash log, a readable line to the user.
        except Exception as error:
            _crashed([crash.caught(f"running publisher {ctx.invoked_subcommand}", error)])


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("-v", "--verbose", is_flag=True, help="More detail.")
def main(quiet: bool, verbose: bool) -> None:
    """Turn folders of front-matter documents into EPUB collections and PDF briefs."""
    _State.quiet, _State.verbose = quiet, verbose


def _project(config_path: Path | None, required: bool = False) -> config.Config | None:
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
        _report(error.diagnostics)
        sys.exit(EXIT_USAGE)


def _load_sources(
    sources: Sequence[str], kw: dict[str, Any], cache: Path | None = None
) -> tuple[Loaded, config.Config | None]:
    project_config = _project(kw["config_path"], required=not sources)
    if project_config is not None and not sources:
        inputs = [str(project_config.root / s) for s in project_config.sources]
        excludes = (*project_config.excludes, *kw["excludes"])
        lang = kw.get("lang") or project_config.book.lang
    else:
        inputs, excludes, lang = list(sources), kw["excludes"], kw.get("lang") or "en"
    with _progress("Reading documents…"):
        return load(inputs, excludes, default_lang=lang, cache=cache), project_config


@main.command()
@click.argument("sources", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.PAIRING)
@click.option(
    "--lang", callback=cli_options.language, help="Primary language of a bilingual layout (BCP 47)."
)
def check(sources: tuple[str, ...], **kw: Any) -> None:
    """Read and validate documents; print every problem found."""
    loaded, project_config = _load_sources(sources, kw)
    primary = kw["lang"] or (project_config.book.lang if project_config else "en")
    chosen = assemble.select(loaded.documents, cli_options.selection(kw))
    entries, pairing = assemble.pair(chosen, primary, loaded.documents)
    # Unpaired documents matter to the bilingual layouts asked for, on the command line or in
    # the project's editions.
    if kw["bilingual"]:
        layouts = [tuple(kw["secondary"])]
    else:
        editions = project_config.editions if project_config else ()
        layouts = list(dict.fromkeys(e.secondary for e in editions if e.bilingual))
    for secondary in layouts:
        pairing.extend(bilingual.unpaired(entries, primary, secondary))
    diagnostics = [*loaded.diagnostics, *dict.fromkeys(pairing)]
    _report(diagnostics)
    click.echo(_summary(loaded.files, len(loaded.documents), diagnostics))
    sys.exit(EXIT_DOCUMENT_ERRORS if _has_errors(diagnostics) else EXIT_OK)


@main.command(name="list")
@click.argument("sources", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_(sources: tuple[str, ...], as_json: bool, **kw: Any) -> None:
    """List the documents a selection includes, each followed by its translations (↳)."""
    loaded, project_config = _load_sources(sources, kw)
    _report(loaded.diagnostics)
    documents = assemble.select(loaded.documents, cli_options.selection(kw))
    primary = project_config.book.lang if project_config else "en"
    entries, _ = assemble.pair(documents, primary, loaded.documents)
    entry_of = {doc.id: entry for entry in entries for doc in entry.documents}
    if as_json:
        rows = [_row(d, entry_of[d.id]) for d in documents]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        listed: set[int] = set()
        for entry in (entry_of[doc.id] for doc in documents):
            if id(entry) in listed:
                continue
            listed.add(id(entry))
            for n, doc in enumerate(entry.documents):
                date = doc.date.isoformat() if doc.date else "----------"
                lang = f"↳ {doc.lang}" if n else doc.lang
                key = f"  [{entry.key}]" if n == 0 and len(entry.variants) > 1 else ""
                click.echo(f"{date}  {lang:<5}  {','.join(doc.tags):<20}  {doc.title}{key}")
    sys.exit(EXIT_DOCUMENT_ERRORS if _has_errors(loaded.diagnostics) else EXIT_OK)


def _row(doc: Document, entry: Entry) -> dict[str, object]:
    return {
        "path": doc.path,
        "id": doc.id,
        "title": doc.title,
        "date": doc.date.isoformat() if doc.date else None,
        "published": doc.published.isoformat() if doc.published else None,
        "lang": doc.lang,
        "tags": list(doc.tags),
        "source_url": doc.source_url,
        "translation_key": doc.translation_key,
        "translations": [other.id for other in entry.documents if other is not doc],
        "words": doc.words,
    }


def _has_errors(diagnostics: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


@main.command(name="build")
@click.argument("names", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.BUILD)
def build_(names: tuple[str, ...], **kw: Any) -> None:
    """Build editions of the project (all, or those named), or build SOURCES… directly."""
    project_config = _project(kw["config_path"])
    if project_config is None:
        _build_sources(names, kw, None)
    elif cli_editions.are_editions(project_config, names):
        _build_editions(project_config, names, kw, version=None)
    else:
        _build_sources(names, kw, project_config)


@main.command()
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
    project_config = _project(kw["config_path"], required=True)
    assert project_config is not None
    result = _build_editions(project_config, names, kw, version=version, exit_after=False)
    if not result.outputs:
        sys.exit(EXIT_DOCUMENT_ERRORS)
    sums, manifest = project.release(project_config, result, version)
    _info(f"wrote {sums}\nwrote {manifest}")
    sys.exit(EXIT_DOCUMENT_ERRORS if _has_errors(result.diagnostics) else EXIT_OK)


def _build_editions(
    project_config: config.Config,
    names: Sequence[str],
    kw: dict[str, Any],
    version: str | None,
    exit_after: bool = True,
) -> project.Result:
    editions = cli_editions.choose(project_config, names, kw)
    with _progress("Reading documents…") as update:
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
            progress=lambda done, total: update(f"Building {building[0]}: {_parts(done, total)}"),
        )
    _report(result.diagnostics)
    if kw["strict"] and any(d.problem for d in result.diagnostics):
        click.echo("strict: nothing written because of the problems above", err=True)
    for output in result.outputs:
        pages = f", {output.pages} pages" if output.pages is not None else ""
        state = "wrote" if output.fresh else "up to date"
        size = output.path.stat().st_size
        shown = os.path.relpath(output.path)
        _info(f"{state} {shown} ({size:,} bytes, {output.documents} documents{pages})")
    if result.files:
        _info(_summary(result.files, result.included, result.diagnostics))
    if result.crashes:
        _crashed(result.crashes, project_config.root)
    failed = (
        _has_errors(result.diagnostics)
        or len(result.outputs) < len(editions)
        or (kw["strict"] and any(d.problem for d in result.diagnostics))
    )
    if exit_after:
        sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)
    return result


def _build_sources(sources: Sequence[str], kw: dict[str, Any], base: config.Config | None) -> None:
    cli_options.check_output(kw["output"], kw["formats"] or FORMATS)
    cache = (base.root if base else Path()) / CACHE if kw["use_cache"] else None
    loaded, _ = _load_sources(sources, kw, cache)
    epoch = base.source_date_epoch if base else _epoch()
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
        _report(loaded.diagnostics)
        click.echo("strict: nothing written because of the problems above", err=True)
        sys.exit(EXIT_DOCUMENT_ERRORS)
    formats = kw["formats"] or FORMATS
    with _progress("Rendering…") as update:
        options = replace(options, progress=lambda done, total: update(_parts(done, total)))
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
    _report(diagnostics)
    if kw["strict"] and any(d.problem for d in built.diagnostics):
        click.echo("strict: nothing written because of the problems above", err=True)
    count = len(built.compilation.documents)
    for path in built.written:
        _info(f"wrote {path} ({path.stat().st_size:,} bytes, {count} documents)")
    _info(_summary(loaded.files, len(loaded.documents), loaded.diagnostics))
    if built.crashes:
        _crashed(built.crashes, base.root if base else None)
    failed = _has_errors(diagnostics) or len(built.written) < len(formats)
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)


def _epoch() -> int | None:
    """SOURCE_DATE_EPOCH for a build without a project file, validated like the config's."""
    try:
        return config.load_epoch()
    except config.ConfigError as error:
        _report(error.diagnostics)
        sys.exit(EXIT_USAGE)


@main.command(name="clean")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Project file."
)
def clean_(config_path: Path | None) -> None:
    """Remove the cache folder of the project (or of this folder, outside a project)."""
    project_config = _project(config_path)
    folder = (project_config.root if project_config else Path()) / CACHE
    try:
        removed = clean(folder)
    except OSError as error:
        raise click.UsageError(f"cannot remove {folder}: {error.strerror or error}") from None
    _info(f"removed {folder}" if removed else f"no cache at {folder}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=".")
def init(folder: Path) -> None:
    """Create a working project: publisher.toml, a Makefile and two sample documents."""
    try:
        created = scaffold.init(folder)
    except scaffold.ScaffoldError as error:
        raise click.UsageError(str(error)) from None
    for path in created:
        _info(f"created {path}")
    _info(f"next: cd {folder} && make")
