"""Command-line verbs: parse, call the library, map results to messages and exit codes."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from publisher import __version__
from publisher import diagnostics as codes
from publisher.assembling import assemble, bilingual
from publisher.cache.store import DEFAULT as CACHE
from publisher.cache.store import clean
from publisher.cli import building, console, diff, loading, validating
from publisher.cli import options as cli_options
from publisher.cli import progress as cli_progress
from publisher.cli import theme as cli_theme
from publisher.cli.console import (
    EXIT_BROKEN_PIPE,
    EXIT_DOCUMENT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
)
from publisher.cli.watch import watch
from publisher.model import Document, Entry
from publisher.projects import scaffold
from publisher.runtime import crash, workers


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
            console.crashed([crash.caught(f"running publisher {ctx.invoked_subcommand}", error)])


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("-v", "--verbose", is_flag=True, help="More detail.")
def main(quiet: bool, verbose: bool) -> None:
    """Turn folders of front-matter documents into EPUB collections and PDF briefs."""
    console.State.quiet, console.State.verbose, console.State.json = quiet, verbose, False


@main.command()
@click.argument("sources", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@cli_options.apply(cli_options.PAIRING)
@click.option(
    "--lang", callback=cli_options.language, help="Primary language of a bilingual layout (BCP 47)."
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, as build --strict fails.")
@cli_options.apply(cli_options.DIAGNOSTICS)
def check(sources: tuple[str, ...], **kw: Any) -> None:
    """Read and validate documents; print every problem found."""
    # Its stdout is the report: a log gets no stage lines, a terminal a bar.
    with cli_progress.showing(log=False) as tell:
        loaded, project_config = loading.load_sources(sources, kw, progress=tell)
    ignore, unknown = cli_options.ignored(kw, project_config)
    primary = kw["lang"] or (project_config.book.lang if project_config else "en")
    chosen = assemble.select(loaded.documents, cli_options.selection(kw))
    entries, pairing = assemble.pair(chosen, primary, loaded.documents)
    # Unpaired documents matter to the bilingual layouts asked for, on the command line or in
    # the project's editions, each in its own primary language.
    if kw["bilingual"]:
        layouts = [(primary, tuple(kw["secondary"]))]
    else:
        editions = project_config.editions if project_config else ()
        langs = ((kw["lang"] or e.book.lang, e.secondary) for e in editions if e.bilingual)
        layouts = list(dict.fromkeys(langs))
    for lang, secondary in layouts:
        paired = entries if lang == primary else assemble.pair(chosen, lang, loaded.documents)[0]
        pairing.extend(bilingual.unpaired(paired, lang, secondary))
    warnings = project_config.warnings if project_config else ()
    found = [*warnings, *loaded.diagnostics, *dict.fromkeys(pairing)]
    diagnostics = codes.without(found, ignore)
    console.report([*unknown, *diagnostics])
    click.echo(console.summary(loaded.files, len(loaded.documents), diagnostics))
    failed = console.has_errors(diagnostics) or (
        kw["strict"] and any(d.problem for d in diagnostics)
    )
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)


@main.command(name="list")
@click.argument("sources", nargs=-1)
@cli_options.apply(cli_options.SELECTION)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_(sources: tuple[str, ...], as_json: bool, **kw: Any) -> None:
    """List the documents a selection includes, each followed by its translations (↳)."""
    loaded, project_config = loading.load_sources(sources, kw)
    console.report(loaded.diagnostics)
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
    sys.exit(EXIT_DOCUMENT_ERRORS if console.has_errors(loaded.diagnostics) else EXIT_OK)


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


@main.command(name="clean")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Project file."
)
def clean_(config_path: Path | None) -> None:
    """Remove the cache folder of the project (or of this folder, outside a project)."""
    project_config = loading.find_project(config_path)
    folder = (project_config.root if project_config else Path()) / CACHE
    try:
        removed = clean(folder)
    except OSError as error:
        raise click.UsageError(f"cannot remove {folder}: {error.strerror or error}") from None
    console.info(f"removed {folder}" if removed else f"no cache at {folder}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=".")
def init(folder: Path) -> None:
    """Create a working project: publisher.toml, a Makefile and two sample documents."""
    try:
        created = scaffold.init(folder)
    except scaffold.ScaffoldError as error:
        raise click.UsageError(str(error)) from None
    for path in created:
        console.info(f"created {path}")
    console.info(f"next: cd {folder} && make")


main.add_command(building.build_)
main.add_command(building.release)
main.add_command(validating.validate)
main.add_command(watch)
main.add_command(cli_theme.theme)
main.add_command(diff.diff)
