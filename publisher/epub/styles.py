"""A theme's style sheets for the EPUB, with the fonts and images they point at.

A reading system finds nothing outside the package, so every ``url()`` of a style sheet must name
a file packed beside it. Only files below the sheet's own folder are packed, under the same
relative path (so the sheet's own references hold), and only fonts and images; an image is
checked as a document's image is. Anything else is left out and reported.

Reading systems vary on custom properties, so the theme's settings (the ``--name`` properties of
every sheet's ``:root`` rules, the last sheet winning) are written out: each ``var()`` becomes the
value, and the rules that only set properties are emptied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import tinycss2

from publisher import css
from publisher.model import Diagnostic
from publisher.normalizing import images
from publisher.reading import files

MEDIA_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
"""What a style sheet may bring into the package: EPUB core media types for fonts and images."""
MAX_BYTES = 32_000_000
"""Largest file packed: a font family with every script is well under it."""

# Names that are safe as they are in a manifest href and, with / made -, as an XML id.
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*")


@dataclass(frozen=True, slots=True)
class Packed:
    """One file of the package, named relative to the package folder."""

    name: str
    media_type: str
    data: bytes


def pack(sheets: Sequence[Path], problems: list[Diagnostic]) -> list[Packed]:
    """Each style sheet, under ``styles/``, then the files that its ``url()`` values name.

    A ``url()`` that cannot be packed becomes ``none`` in the packed sheet: a reference to
    nothing inside the package would make the EPUB invalid.
    """
    found: list[Packed] = []
    files: dict[str, Packed] = {}
    texts = [sheet.read_bytes().decode("utf-8", errors="replace") for sheet in sheets]
    settings = _settings(texts)
    names: set[str] = set()
    for sheet, text in zip(sheets, texts, strict=True):

        def packed(value: css.Node, source: css.Source, sheet: Path = sheet) -> str | None:
            if css.is_function(value, "var"):
                return _resolve(value, source, settings, ())
            if value.type == "{} block" and _only_settings(value.content):
                return "{ }"
            url = _url(value)
            if url is None:
                return None
            resource = _resource(sheet, url, value.source_line, problems)
            if resource is None:
                return None if _needs_no_file(url) else "none"
            files.setdefault(resource.name, resource)
            return None

        name = _unique(sheet.name, names)
        found.append(Packed(f"styles/{name}", "text/css", css.edit(text, packed).encode()))
    return found + list(files.values())


def _unique(name: str, taken: set[str]) -> str:
    """A sheet's name in the package, numbered when a project sheet shares a built-in's name."""
    stem, suffix = name.rsplit(".", 1) if "." in name else (name, "css")
    number = 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}.{suffix}"
    taken.add(name)
    return name


def _settings(texts: Sequence[str]) -> dict[str, str]:
    """The custom properties that the sheets' ``:root`` rules set, as written, the last winning."""
    found: dict[str, str] = {}
    for text in texts:
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
            if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
                continue
            for declaration in tinycss2.parse_declaration_list(
                rule.content, skip_comments=True, skip_whitespace=True
            ):
                if declaration.type == "declaration" and declaration.name.startswith("--"):
                    found[declaration.name] = tinycss2.serialize(declaration.value).strip()
    return found


def _resolve(
    function: css.Node, source: css.Source, settings: dict[str, str], seen: tuple[str, ...]
) -> str | None:
    """The value a ``var()`` stands for, its own ``var()`` resolved; None keeps it as written."""
    given = css.arguments(function, written=True)
    name = "".join(source([value]) for value in given[0]).strip()
    if name in settings and name not in seen:
        value = settings[name]
    elif len(given) > 1:
        value = ",".join(source(argument) for argument in given[1:]).strip()
    else:
        return None

    def inner(value: css.Node, inner_source: css.Source) -> str | None:
        if css.is_function(value, "var"):
            return _resolve(value, inner_source, settings, (*seen, name))
        return None

    return css.edit(value, inner)


def _only_settings(content: Sequence[css.Node]) -> bool:
    """Whether a rule's block sets custom properties and nothing else."""
    declarations = tinycss2.parse_declaration_list(
        content, skip_comments=True, skip_whitespace=True
    )
    return bool(declarations) and all(
        each.type == "declaration" and each.name.startswith("--") for each in declarations
    )


def _url(value: css.Node) -> str | None:
    """The URL a value names: ``url(x)``, or ``url("x")`` (with or without modifiers)."""
    if value.type == "url":
        url: str = value.value
        return url
    if css.is_function(value, "url"):
        first = css.arguments(value)[0]
        if first and first[0].type == "string":
            url = first[0].value
            return url
    return None


def _needs_no_file(url: str) -> bool:
    return not url or url.startswith("#") or urlsplit(url).scheme == "data"


def _resource(sheet: Path, url: str, line: int, problems: list[Diagnostic]) -> Packed | None:
    """The file a ``url()`` names, or None (reported, unless the URL needs no file)."""
    parts = urlsplit(url)
    if _needs_no_file(url):
        return None

    def refuse(reason: str) -> None:
        message = f"url({url}) is left out of the EPUB: {reason}"
        problems.append(Diagnostic(str(sheet), line, "warning", "style-resource", message))

    if parts.scheme or parts.netloc:
        refuse("only files beside the style sheet are")
        return None
    relative = PurePosixPath(unquote(parts.path))
    folder = sheet.parent.resolve()
    path = (folder / relative).resolve()
    if relative.is_absolute() or not path.is_relative_to(folder):
        refuse("only files in the style sheet's folder or below it are")
        return None
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        refuse("only fonts and images are")
        return None
    name = path.relative_to(folder).as_posix()
    if not _SAFE_NAME.fullmatch(name):
        refuse("its name must be plain letters, digits, dots, dashes and underscores")
        return None
    try:
        if media_type.startswith("image/"):
            images.check_file(path)
        if path.stat().st_size > MAX_BYTES:
            raise images.Refused(f"it is larger than {MAX_BYTES // 1_000_000} MB")
        data = files.read(path, MAX_BYTES)
    except images.Refused as error:
        refuse(str(error))
        return None
    except OSError as error:
        refuse(error.strerror or "it cannot be read")
        return None
    return Packed(f"styles/{name}", media_type, data)
