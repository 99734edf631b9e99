"""``publisher diff OLD NEW``: what one release added, updated and removed since another."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from publisher.cli.console import EXIT_OK, EXIT_USAGE
from publisher.projects import history


@click.command()
@click.argument("old", type=click.Path(path_type=Path, exists=True))
@click.argument("new", type=click.Path(path_type=Path, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def diff(old: Path, new: Path, as_json: bool) -> None:
    """Compare two releases (their manifest.json files, or the folders that hold them)."""
    try:
        before = history.read(history.manifest_of(old))
        after = history.read(history.manifest_of(new))
    except history.HistoryError as error:
        click.echo(f"publisher: {error}", err=True)
        sys.exit(EXIT_USAGE)
    changes = history.compare(
        history.records(before), history.records(after), history.version(before)
    )
    if as_json:
        data = {"old": history.version(before), "new": history.version(after), **changes.data()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(history.markdown(changes, history.version(after)), nl=False)
    sys.exit(EXIT_OK)
