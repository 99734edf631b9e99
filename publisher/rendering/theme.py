"""Where a publication's look comes from: the built-in theme, the project's folders and files."""

from __future__ import annotations

import base64
import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher import i18n

BUILTIN_TEMPLATES = Path(str(importlib.resources.files("publisher.templates")))
BUILTIN_STYLES = Path(str(importlib.resources.files("publisher.styles")))
COVER_TEMPLATE = "@cover"
"""The name a project's cover template ([theme] cover) is loaded under."""
IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
"""Images a logo or a cover may be: the media type of each suffix."""
IMAGE_BYTES = 1 << 20
"""Largest logo or cover image: the PDF carries it as a data: URI, which its fetcher bounds."""
COVER_TEMPLATES = (".html", ".xhtml")
"""Suffixes of a cover that is a template rather than an image."""


@dataclass(frozen=True, slots=True)
class Theme:
    """Where templates and styles come from: the user's folders first, then the built-in theme."""

    template_dirs: tuple[Path, ...] = ()
    """User template folders, searched before the built-in one."""
    style_dirs: tuple[Path, ...] = ()
    """User style folders, searched before the built-in one."""
    locale_dirs: tuple[Path, ...] = ()
    """User label catalog folders (``<lang>/LC_MESSAGES/publisher.po``), before the built-in one."""
    css: tuple[Path, ...] = ()
    """Project style sheets (``[theme] css``), after the built-in ones, in cascade order."""
    logo: Path | None = None
    """The project's logo (SVG, PNG or JPEG), shown on the cover of both outputs."""
    cover: Path | None = None
    """The cover: an image used as it is, or a template drawn in place of the title page."""

    @property
    def folder(self) -> Path:
        """The folder that templates' relative URLs resolve against: the theme's own."""
        if self.template_dirs:
            return self.template_dirs[0]
        if self.cover is not None and not is_image(self.cover):
            return self.cover.parent
        return BUILTIN_TEMPLATES

    @property
    def cover_template(self) -> Path | None:
        """The cover template, when the cover is one."""
        return self.cover if self.cover is not None and not is_image(self.cover) else None

    @property
    def all_template_dirs(self) -> tuple[Path, ...]:
        """Every template folder, in lookup order."""
        return (*self.template_dirs, BUILTIN_TEMPLATES)

    @property
    def all_style_dirs(self) -> tuple[Path, ...]:
        """Every style folder, in lookup order."""
        return (*self.style_dirs, BUILTIN_STYLES)

    @property
    def labels(self) -> i18n.Labels:
        """The labels, the user's catalogs first."""
        return i18n.Labels(self.locale_dirs)

    def style(self, name: str) -> Path:
        """The first style file of that name, user folders first."""
        for folder in self.all_style_dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(
            f"no style named {name!r} in {', '.join(map(str, self.all_style_dirs))}"
        )

    def sheets(self, names: Sequence[str]) -> tuple[Path, ...]:
        """The named style sheets (user folders first), then the project's ``css`` sheets."""
        return (*(self.style(name) for name in names), *self.css)


def is_image(path: Path) -> bool:
    """Whether a logo or cover file is an image (by its suffix), not a template."""
    return path.suffix.lower() in IMAGE_TYPES


def data_uri(path: Path) -> str:
    """An image file as a data: URI, which the PDF's fetcher serves wherever the file lies."""
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{IMAGE_TYPES[path.suffix.lower()]};base64,{encoded}"
