"""``publisher validate``: the built outputs through EPUBCheck, Ace and the PDF checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from publisher import checking
from publisher import diagnostics as codes
from publisher.cli import console, loading
from publisher.cli import options as cli_options
from publisher.cli.console import EXIT_DOCUMENT_ERRORS, EXIT_OK


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Project file."
)
@click.option("--strict", is_flag=True, help="Fail on warnings too (moderate and minor findings).")
@cli_options.apply(cli_options.DIAGNOSTICS)
def validate(
    files: tuple[Path, ...], config_path: Path | None, strict: bool, ignore: tuple[str, ...]
) -> None:
    """Check built EPUBs and PDFs (FILES…, or every edition's output) and print what is found.

    EPUBs go through EPUBCheck and, where it is installed, Ace by DAISY; PDFs must open and
    parse. Exits 1 on any error, and with --strict on any warning.
    """
    project = loading.find_project(config_path, required=not files)
    if files:
        paths = list(files)
    else:
        assert project is not None
        paths = [Path(os.path.relpath(project.root / e.output)) for e in project.editions]
    folders = [Path.cwd(), *([project.root] if project else [])]
    with console.progress("Validating…"):
        said = checking.validate(paths, checking.find(folders))
    dropped, unknown = cli_options.ignored({"ignore": ignore}, project)
    found = codes.without([*(project.warnings if project else ()), *said], dropped)
    console.report([*unknown, *found])
    errors = sum(d.severity == "error" for d in found)
    warnings = sum(d.severity == "warning" for d in found)
    outputs = "1 output" if len(paths) == 1 else f"{len(paths)} outputs"
    console.info(f"{outputs} validated: {errors} errors, {warnings} warnings")
    failed = errors or (strict and warnings)
    sys.exit(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)
