"""``publisher theme export``: the built-in theme copied out as a project's starting point."""

from __future__ import annotations

import shutil
from pathlib import Path

from publisher.rendering.theme import BUILTIN_STYLES, BUILTIN_TEMPLATES

README = """\
# Theme

A copy of Publisher's built-in theme: edit these files to change the look of your editions.

- `templates/`: the Jinja2 templates of every part (title page, contents, document, …).
- `styles/`: the style sheets and fonts. `base.css` declares the theme's settings (accent colour,
  faces, measure) as custom properties in `:root`; `print.css` adds the print ones (page
  margins, cover colours, logo height).

Point the project at them in `publisher.toml` (paths relative to the project folder):

```toml
[theme]
templates = ["{folder}/templates"]
styles = ["{folder}/styles"]
# Optional: sheets applied after these, a logo on the cover, a cover image or template.
# css = ["extra.css"]
# logo = "logo.svg"
# cover = "cover.png"
```

A file you delete here falls back to the built-in one of the same name. To change only a few
settings, keep the built-in theme and add a sheet with `css = ["extra.css"]` instead:

```css
:root {{ --accent: #0a7; --font-body: "Source Serif 4"; }}
```

The theme reference (files, load order, every setting, template variables, CSS classes) is
docs/theme.md in Publisher's repository.
"""


class ExportError(Exception):
    """The folder cannot receive the theme."""


def export(folder: Path, force: bool = False) -> list[Path]:
    """Copy the built-in templates and styles, and a README, into a folder; return what was written.

    A folder that holds anything is refused unless ``force``, which overwrites the theme's files.
    """
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder} is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ExportError(f"{folder} is not empty; choose an empty folder or pass --force")
    written: list[Path] = []
    for source, name in ((BUILTIN_TEMPLATES, "templates"), (BUILTIN_STYLES, "styles")):
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if not path.is_file() or _package_file(relative):
                continue
            target = folder / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    readme = folder / "README.md"
    readme.write_text(README.format(folder=folder.as_posix()), encoding="utf-8")
    return [*written, readme]


def _package_file(relative: Path) -> bool:
    """Files that make the folders a Python package, not part of the theme."""
    return relative.name == "__init__.py" or "__pycache__" in relative.parts
