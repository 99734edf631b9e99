"""``publisher theme``: the theme's verbs, and the ``--cover`` option of the build verbs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from publisher.cli import console
from publisher.projects import themes
from publisher.rendering.theme import COVER_TEMPLATES, IMAGE_BYTES, IMAGE_TYPES, Theme


@click.group()
def theme() -> None:
    """Work with the theme: the templates and styles a publication is drawn with."""


@theme.command(name="export")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def export(folder: Path, force: bool) -> None:
    """Copy the built-in templates and styles into FOLDER, as a starting point."""
    try:
        written = themes.export(folder, force)
    except (themes.ExportError, OSError) as error:
        raise click.UsageError(str(error)) from None
    console.info(f"wrote {len(written)} files to {folder}; see {folder / 'README.md'}")


def cover(_: click.Context, __: click.Parameter, value: Path | None) -> Path | None:
    """Check ``--cover``: an image (PNG, JPEG, SVG) or a template (.html, .xhtml)."""
    if value is None:
        return None
    suffix = value.suffix.lower()
    if suffix not in (*IMAGE_TYPES, *COVER_TEMPLATES):
        kinds = ", ".join((*IMAGE_TYPES, *COVER_TEMPLATES))
        raise click.BadParameter(f"{value} must end in {kinds}")
    if suffix in IMAGE_TYPES and value.stat().st_size > IMAGE_BYTES:
        raise click.BadParameter(f"{value} is larger than {IMAGE_BYTES >> 20} MB")
    return value


def themed(given: Theme, cover_path: Path | None) -> Theme:
    """The theme with the cover given on the command line, which wins over the config's."""
    return dataclasses.replace(given, cover=cover_path) if cover_path is not None else given
