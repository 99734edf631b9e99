"""The command line's options that several verbs share, and the checks on their values."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import click

from publisher import diagnostics as codes
from publisher.assembling import assemble, bilingual, duplicates
from publisher.cli import console
from publisher.cli import theme as cli_theme
from publisher.model import Diagnostic
from publisher.projects import config, dates
from publisher.projects import values as config_values
from publisher.rendering.options import FORMATS, LAYOUTS, PAPERS
from publisher.runtime import executors


def day(_: click.Context, param: click.Parameter, value: str | None) -> dates.Given | None:
    """A --since or --until date, as the day it stands for in this build."""
    if value is None:
        return None
    bound = cast(dates.Bound, param.name)
    plain = dates.absolute(value.strip())
    if plain is not None:
        return dates.Given(bound, value, plain)
    try:
        return dates.resolve(bound, value, dates.today(config.load_epoch()))
    except config.ConfigError as error:
        raise click.BadParameter(error.diagnostics[0].format()) from None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def selection(kw: dict[str, Any], base: assemble.Selection | None = None) -> assemble.Selection:
    """The selection options given, over a base (an edition's); dates in the wrong order refused."""
    given = {
        "tags": kw["tags"],
        "since": kw["since"].day if kw["since"] else None,
        "until": kw["until"].day if kw["until"] else None,
        "match": kw["match"],
        "languages": kw["languages"],
        "duplicates": kw["duplicates"],
    }
    chosen = replace(base or assemble.Selection(), **{k: v for k, v in given.items() if v})
    if chosen.since and chosen.until and chosen.since > chosen.until:
        raise click.UsageError(
            f"since {chosen.since} is after until {chosen.until} (--since, --until): "
            "no document could match"
        )
    return chosen


def check_output(output: Path | None, formats: Sequence[str]) -> None:
    """Refuse -o naming a file of another format than the one built: its name would lie."""
    suffix = output.suffix.lower() if output else ""
    if len(formats) == 1 and suffix in (".epub", ".pdf") and suffix != f".{formats[0]}":
        raise click.UsageError(f"-o {output}: the format built is {formats[0].upper()}")


def plain(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """Book metadata as given, refused if it holds a control character."""
    if value is not None and config_values.CONTROL.search(value):
        raise click.BadParameter("contains a control character")
    return value


_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def version(_: click.Context, __: click.Parameter, value: str) -> str:
    """A release version, refused unless it can be part of a file name (v1.2, 1e07c61-dirty)."""
    if not _VERSION.fullmatch(value):
        raise click.BadParameter(f"{value!r}: use letters, digits and . _ + - (e.g. v1.2.0)")
    return value


def executor(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """An executor URL, checked."""
    try:
        return executors.check(value) if value is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def language(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """A language option, refused unless it is a language tag."""
    if value is not None and not config_values.LANG_TAG.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a BCP 47 language tag (e.g. en, pt-BR)")
    return value


SELECTION = [
    click.option("--tag", "tags", multiple=True, help="Keep documents with this tag."),
    click.option(
        "--since",
        metavar="DATE",
        callback=day,
        help="Keep documents dated on or after this day: YYYY-MM-DD, or relative to the build "
        "date (-7d, -2w, -1m, -1y, today, yesterday, this-week, last-week, this-month, "
        "last-month, P7D).",
    ),
    click.option(
        "--until",
        metavar="DATE",
        callback=day,
        help="Keep documents dated on or before this day (the forms of --since; a week or a "
        "month counts to its last day).",
    ),
    click.option("--match", help="Keep documents whose title or text contains this."),
    click.option("--language", "languages", multiple=True, help="Keep documents in this language."),
    click.option("--exclude", "excludes", multiple=True, help="Skip source paths matching a glob."),
    click.option(
        "--duplicates",
        type=click.Choice(duplicates.POLICIES),
        help="Re-posts and near-copies of a document: keep the newest (default), or keep them "
        "all (each still reported).",
    ),
    click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Project file (default: publisher.toml, or pyproject.toml's [tool.publisher]).",
    ),
]

PAIRING = [
    click.option(
        "--bilingual",
        type=click.Choice(bilingual.MODES),
        help="Lay translations out one after the other, interleaved, in parallel columns (PDF), "
        "or show the primary language only.",
    ),
    click.option(
        "--secondary",
        multiple=True,
        help="Language to pair with the primary one (repeat, by preference; default: any).",
    ),
]

BUILD = [
    click.option("-f", "--format", "formats", multiple=True, type=click.Choice(FORMATS)),
    click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        help="Output file, or a folder that receives <slug of title>.<ext> (default: dist/).",
    ),
    click.option("--title", callback=plain, help="Book title."),
    click.option("--subtitle", callback=plain, help="Book subtitle."),
    click.option("--publisher", "publisher_name", callback=plain, help="Publisher or editor."),
    click.option("--lang", callback=language, help="Primary language (BCP 47)."),
    click.option("--group", type=click.Choice(assemble.GROUPS)),
    click.option("--order", type=click.Choice(assemble.ORDERS)),
    click.option("--layout", type=click.Choice(LAYOUTS), help="PDF layout (default: brief)."),
    click.option("--paper", type=click.Choice(PAPERS), help="PDF paper (default: by language)."),
    click.option("--qr", is_flag=True, default=None, help="QR code beside each source (PDF)."),
    click.option("--pdf-variant", type=click.Choice(config.VARIANTS), help="Tagged or archival."),
    click.option(
        "--cover",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        callback=cli_theme.cover,
        help="Cover of both outputs: an image (PNG, JPEG, SVG) or a template (.html, .xhtml).",
    ),
    click.option("--strict", is_flag=True, help="Fail on any warning and write nothing."),
    click.option(
        "--allow-empty",
        is_flag=True,
        default=None,
        help="Write a publication even when no document is selected (default: an error).",
    ),
    *PAIRING,
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        help="PDF parts laid out at once (default: the CPU count; 0: the whole PDF in one pass).",
    ),
    click.option(
        "--executor",
        metavar="URL",
        callback=executor,
        help="Lay PDF parts out on a Dask cluster: dask://HOST:PORT (default: local processes).",
    ),
    click.option(
        "--cache/--no-cache",
        "use_cache",
        default=True,
        help="Reuse documents and PDF parts from .publisher-cache/ (default: on).",
    ),
]


def _verbose(_: click.Context, __: click.Parameter, value: bool) -> None:
    if value:
        console.State.verbose = True


def _diagnostics_format(_: click.Context, __: click.Parameter, value: str) -> None:
    console.State.json = value == "json"


DIAGNOSTICS = [
    click.option(
        "--ignore",
        "ignore",
        multiple=True,
        metavar="CODE",
        help="Neither print nor count diagnostics with this code (repeat; adds to the "
        "project's [diagnostics] ignore).",
    ),
    click.option(
        "--diagnostics-format",
        type=click.Choice(("text", "json")),
        default="text",
        expose_value=False,
        callback=_diagnostics_format,
        help="json: one JSON object per diagnostic and line on stderr (JSON Lines).",
    ),
    click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_verbose,
        help="Print every diagnostic, not one line per code.",
    ),
]


def ignored(
    kw: dict[str, Any], project_config: config.Config | None
) -> tuple[tuple[str, ...], list[Diagnostic]]:
    """The codes to ignore, the project's and --ignore's, and a warning for each unknown one."""
    given: tuple[str, ...] = kw["ignore"]
    warnings = [
        Diagnostic("--ignore", None, "warning", "unknown-code", codes.unknown(code))
        for code in given
        if not codes.known(code)
    ]
    base = project_config.ignore if project_config else ()
    return (*base, *(c for c in given if c not in base)), warnings


def apply(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """A decorator that adds a list of options to a command, in order."""

    def decorate(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate
