"""What a backend needs to know besides the compilation."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from publisher.assembling.bilingual import Mode
from publisher.rendering.render import Theme
from publisher.runtime.progress import Listener

Format = Literal["epub", "pdf"]
Layout = Literal["brief", "book"]
Paper = Literal["letter", "a4"]
FORMATS: tuple[Format, ...] = ("epub", "pdf")
LAYOUTS: tuple[Layout, ...] = ("brief", "book")
PAPERS: tuple[Paper, ...] = ("letter", "a4")

OUTPUT_FAILED = "output-failed"
"""Diagnostic code a writer returns when it could not write its file (the old one is kept)."""


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """Options for writing one output file."""

    theme: Theme = field(default_factory=Theme)
    """Template and style folders."""
    roots: tuple[Path, ...] = ()
    """Source roots: the only folders (with the theme's) a backend may read resources from."""
    layout: Layout = "brief"
    """PDF layout."""
    paper: Paper | None = None
    """PDF paper size; None picks one from the compilation's language region."""
    qr: bool = False
    """Print a QR code beside each source URL (PDF)."""
    pdf_variant: str | None = None
    """WeasyPrint PDF variant, e.g. ``pdf/ua-1`` or ``pdf/a-3b``."""
    cover: Path | None = None
    """Cover image to use instead of the generated one (EPUB)."""
    toc_subheadings: bool = True
    """List each document's subheadings in the navigation."""
    bilingual: Mode | None = None
    """How translations are laid out; None gives every variant its own listed part."""
    secondary: tuple[str, ...] = ()
    """Languages to pair with the primary one, by preference; empty takes any other."""
    jobs: int | None = None
    """PDF: parts laid out at once (None: the CPU count); 0 lays the whole PDF out in one pass."""
    executor: Executor | None = None
    """PDF: where parts are laid out, instead of a pool of ``jobs`` processes (e.g. a cluster's)."""
    cache: Path | None = None
    """Folder that keeps rendered PDF parts between builds; None keeps nothing."""
    progress: Listener | None = None
    """Told how far each stage of the writing has come (PDF: parts laid out, or found cached)."""
