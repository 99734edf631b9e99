"""What a project configuration holds once checked: its editions, its book, its theme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from publisher.assembling.assemble import BookInfo, Group, Order, Selection
from publisher.assembling.bilingual import Mode
from publisher.cache import store as cache
from publisher.model import Diagnostic
from publisher.projects import dates
from publisher.rendering.options import Format, Layout, Paper
from publisher.rendering.render import Theme


class ConfigError(Exception):
    """A configuration that cannot be used; carries every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True, slots=True)
class Edition:
    """One named output cut from the project's documents."""

    name: str
    """Name given in the config; used in output and cache file names."""
    format: Format
    """EPUB or PDF."""
    output: Path
    """Where the file goes, relative to the project folder."""
    book: BookInfo
    """Book metadata, with the edition's overrides."""
    selection: Selection
    """Which documents the edition holds."""
    order: Order
    """Order of the entries."""
    group: Group
    """How entries are grouped into sections."""
    layout: Layout
    """PDF layout."""
    paper: Paper | None
    """PDF paper size, or None for the language's default."""
    qr: bool
    """QR codes beside source URLs (PDF)."""
    pdf_variant: str | None
    """Tagged or archival PDF."""
    bilingual: Mode | None = None
    """How translations are laid out; None lists every variant on its own."""
    secondary: tuple[str, ...] = ()
    """Languages paired with the book's, by preference; empty takes any other."""
    allow_empty: bool = False
    """Write the edition even when its selection holds no document."""
    relative: tuple[dates.Given, ...] = ()
    """Its since and until as written, where they count from the build date."""
    whats_new: bool = False
    """Open the book with what is new and updated since the latest release."""
    since_release: str | None = None
    """The release (a version, or a manifest's path) "what is new" compares with."""


@dataclass(frozen=True, slots=True)
class Config:
    """A whole project configuration."""

    path: Path | None
    """The file it was read from, if any."""
    root: Path
    """The project folder: relative paths in the config start here."""
    sources: tuple[str, ...]
    """Source paths and globs, relative to the root."""
    excludes: tuple[str, ...]
    """Glob patterns of source paths to skip."""
    theme: Theme
    """User template and style folders."""
    book: BookInfo
    """Book-level metadata."""
    editions: tuple[Edition, ...]
    """Every edition, in config order."""
    source_date_epoch: int | None
    """SOURCE_DATE_EPOCH, when set: the build time of every output."""
    cache_mb: int = cache.LIMIT_MB
    """Cap on the cache folder, in megabytes: the least recently used entries go past it."""
    shortcodes: tuple[tuple[str, Path], ...] = ()
    """A shortcode name and the Jinja snippet (in a theme template folder) that renders it."""
    ignore: tuple[str, ...] = ()
    """Diagnostic codes neither reported nor counted (``[diagnostics] ignore``)."""
    warnings: tuple[Diagnostic, ...] = ()
    """Problems in the file that do not stop it being used, such as an unknown code to ignore."""
    executor: str = ""
    """Where PDF units are laid out: ``dask://HOST:PORT``; "": a pool of local processes."""

    def snippets(self) -> dict[str, str]:
        """Each shortcode's snippet as text, for the normalizer."""
        return {name: path.read_text(encoding="utf-8") for name, path in self.shortcodes}


def build_time(epoch: int | None) -> dt.datetime:
    """The time stamped on outputs: SOURCE_DATE_EPOCH when set, else now."""
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    return dt.datetime.fromtimestamp(epoch, dt.UTC)
