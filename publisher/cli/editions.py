"""Which of a project's editions a build verb builds, with the command line's overrides."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from publisher.cli import options as cli_options
from publisher.projects import config, dates, project
from publisher.rendering.options import FORMATS


def are_editions(project_config: config.Config, names: Sequence[str]) -> bool:
    """True when names are editions; False when they are sources; a usage error for a near miss."""
    known = [e.name for e in project_config.editions]
    if all(n in known for n in names):
        return True
    if any(n in known for n in names):
        editions = ", ".join(n for n in names if n in known)
        raise click.UsageError(f"{editions}: name editions or give sources, not both")
    unknown = [n for n in names if n not in known and not (Path(n).exists() or "*" in n)]
    if unknown:
        raise click.UsageError(_unknown(unknown, known))
    return False


def _unknown(names: Sequence[str], known: Sequence[str]) -> str:
    """Unknown edition names, with the nearest known one for a near miss."""
    parts = []
    for name in names:
        hint = difflib.get_close_matches(name, known, n=1)
        parts.append(f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    editions = ", ".join(known) or "none"
    return f"unknown edition {', '.join(parts)}; editions: {editions}"


def choose(
    project_config: config.Config, names: Sequence[str], kw: dict[str, Any]
) -> list[config.Edition]:
    """The editions to build, with the options given; a usage error when -f leaves one out."""
    known = [e.name for e in project_config.editions]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.UsageError(_unknown(unknown, known))
    chosen = project.select_editions(project_config, names)
    if not chosen:
        raise click.UsageError("the project has no edition: add an [editions.NAME] table")
    formats = kw["formats"] or FORMATS
    left_out = [e for e in chosen if e.format not in formats]
    if (names and left_out) or len(left_out) == len(chosen):
        kinds = ", ".join(f"edition {e.name} is {e.format.upper()}" for e in left_out)
        raise click.UsageError(f"-f {' -f '.join(formats)} leaves nothing to build: {kinds}")
    editions = [_overrides(e, kw) for e in chosen if e not in left_out]
    if kw["output"] and len(editions) > 1:
        raise click.UsageError("-o names one file; name one edition to build")
    return editions


def _overrides(edition: config.Edition, kw: dict[str, Any]) -> config.Edition:
    book = replace(
        edition.book,
        **{k: kw[k] for k in ("title", "subtitle", "lang") if kw.get(k)},
        **({"publisher": kw["publisher_name"]} if kw.get("publisher_name") else {}),
    )
    given = {
        k: kw[k]
        for k in ("layout", "paper", "qr", "pdf_variant", "group", "order", "bilingual")
        if kw.get(k)
    }
    if kw.get("secondary"):
        given["secondary"] = tuple(kw["secondary"])
    if kw.get("output"):
        given["output"] = _output(kw["output"], edition)
    if kw.get("allow_empty"):
        given["allow_empty"] = True
    selection = cli_options.selection(kw, edition.selection)
    written = {d.bound: d for d in edition.relative} | {b: kw[b] for b in dates.BOUNDS if kw[b]}
    relative = tuple(written[b] for b in dates.BOUNDS if b in written and written[b].relative)
    return replace(edition, book=book, selection=selection, relative=relative, **given)


def _output(output: Path, edition: config.Edition) -> Path:
    """Where -o puts one edition: the file named, or <edition>.<format> in the folder named."""
    path = Path.cwd() / output
    if path.is_dir() or path.suffix.lower() not in (".epub", ".pdf"):
        return path / f"{edition.name}.{edition.format}"
    if path.suffix.lower() != f".{edition.format}":
        raise click.UsageError(f"-o {output}: edition {edition.name!r} is {edition.format.upper()}")
    return path
