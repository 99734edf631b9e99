"""Command-line verbs: parse, call the library, map results to messages and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from publisher import __version__, assemble, build
from publisher.model import Diagnostic, Document
from publisher.options import FORMATS, LAYOUTS, PAPERS, Format, Layout, OutputOptions, Paper

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE = 0, 1, 2


def _report(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


def _summary(loaded: build.Loaded) -> str:
    warnings = sum(d.severity == "warning" for d in loaded.diagnostics)
    return (
        f"{loaded.files} documents read, {len(loaded.documents)} included, "
        f"{loaded.skipped} skipped, {warnings} warnings"
    )


def _date_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def selection_options(f):  # type: ignore[no-untyped-def]
    """Options shared by every verb that selects documents."""
    for option in reversed(
        [
            click.option("--tag", "tags", multiple=True, help="Keep documents with this tag."),
            click.option("--since", help="Keep documents dated on or after YYYY-MM-DD."),
            click.option("--until", help="Keep documents dated on or before YYYY-MM-DD."),
            click.option("--match", help="Keep documents whose title or text contains this."),
            click.option("--language", "languages", multiple=True, help="Keep this language."),
            click.option("--exclude", "excludes", multiple=True, help="Skip paths matching glob."),
        ]
    ):
        f = option(f)
    return f


def _selection(
    tags: tuple[str, ...],
    since: str | None,
    until: str | None,
    match: str | None,
    languages: tuple[str, ...],
) -> assemble.Selection:
    return assemble.Selection(
        tags=tags,
        since=_date_option(since),
        until=_date_option(until),
        languages=languages,
        match=match,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
def main() -> None:
    """Turn folders of front-matter documents into EPUB collections and PDF briefs."""


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--exclude", "excludes", multiple=True, help="Skip paths matching this glob.")
def check(sources: tuple[str, ...], excludes: tuple[str, ...]) -> None:
    """Read and validate documents; print every problem found."""
    loaded = build.load(sources, excludes)
    _report(loaded.diagnostics)
    click.echo(_summary(loaded))
    has_errors = any(d.severity == "error" for d in loaded.diagnostics)
    sys.exit(EXIT_DOCUMENT_ERRORS if has_errors else EXIT_OK)


@main.command(name="list")
@click.argument("sources", nargs=-1, required=True)
@selection_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_(
    sources: tuple[str, ...],
    tags: tuple[str, ...],
    since: str | None,
    until: str | None,
    match: str | None,
    languages: tuple[str, ...],
    excludes: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the documents a selection includes."""
    selection = _selection(tags, since, until, match, languages)
    loaded = build.load(sources, excludes)
    _report(loaded.diagnostics)
    documents = assemble.select(loaded.documents, selection)
    if as_json:
        click.echo(json.dumps([_row(d) for d in documents], ensure_ascii=False, indent=2))
    else:
        for doc in documents:
            date = doc.date.isoformat() if doc.date else "----------"
            click.echo(
                f"{date}  {doc.lang:<5}  {','.join(doc.tags):<20}  {doc.title}  "
                f"{doc.source_url or ''}"
            )
    has_errors = any(d.severity == "error" for d in loaded.diagnostics)
    sys.exit(EXIT_DOCUMENT_ERRORS if has_errors else EXIT_OK)


def _row(doc: Document) -> dict[str, object]:
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
        "words": doc.words,
    }


@main.command(name="build")
@click.argument("sources", nargs=-1, required=True)
@selection_options
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Output format; repeat for both (default: both).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output file, or a folder that receives <slug of title>.<ext> (default: dist/).",
)
@click.option("--title", default="Collection", show_default=True, help="Book title.")
@click.option("--subtitle", default="", help="Book subtitle.")
@click.option("--publisher", "publisher_name", default="", help="Publisher or editor.")
@click.option("--lang", default="en", show_default=True, help="Primary language (BCP 47).")
@click.option("--group", type=click.Choice(assemble.GROUPS), default="none", show_default=True)
@click.option("--order", type=click.Choice(assemble.ORDERS), default="date", show_default=True)
@click.option(
    "--layout", type=click.Choice(LAYOUTS), default="brief", show_default=True, help="PDF layout."
)
@click.option("--paper", type=click.Choice(PAPERS), help="PDF paper size (default: by language).")
@click.option("--qr", is_flag=True, help="Print a QR code beside each source URL (PDF).")
@click.option(
    "--pdf-variant", type=click.Choice(["pdf/ua-1", "pdf/a-3b"]), help="Tagged or archival PDF."
)
@click.option("--strict", is_flag=True, help="Fail on any warning and write nothing.")
def build_(
    sources: tuple[str, ...],
    tags: tuple[str, ...],
    since: str | None,
    until: str | None,
    match: str | None,
    languages: tuple[str, ...],
    excludes: tuple[str, ...],
    formats: tuple[Format, ...],
    output: Path | None,
    title: str,
    subtitle: str,
    publisher_name: str,
    lang: str,
    group: assemble.Group,
    order: assemble.Order,
    layout: Layout,
    paper: Paper | None,
    qr: bool,
    pdf_variant: str | None,
    strict: bool,
) -> None:
    """Build an EPUB and/or a PDF from documents."""
    selection = _selection(tags, since, until, match, languages)
    info = assemble.BookInfo(
        title=title, subtitle=subtitle, publisher=publisher_name, lang=lang, modified=_build_time()
    )
    loaded = build.load(sources, excludes, default_lang=lang)
    options = OutputOptions(
        roots=loaded.roots, layout=layout, paper=paper, qr=qr, pdf_variant=pdf_variant
    )
    if strict and loaded.diagnostics:
        _report(loaded.diagnostics)
        click.echo("strict: not building because of the problems above", err=True)
        sys.exit(EXIT_DOCUMENT_ERRORS)
    built = build.build(loaded, info, formats or FORMATS, output, selection, order, group, options)
    diagnostics = (*loaded.diagnostics, *built.diagnostics)
    _report(diagnostics)
    for path in built.written:
        click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")
    click.echo(_summary(loaded))
    failed = any(d.severity == "error" for d in diagnostics) or len(built.written) < len(
        formats or FORMATS
    )
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)


def _build_time() -> dt.datetime:
    """Build time: SOURCE_DATE_EPOCH when set, so that rebuilds give identical bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
