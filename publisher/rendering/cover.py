"""Images in the EPUB: the cover (the user's or a generated one) and documents' local images."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from PIL import Image, ImageDraw, ImageFont

from publisher import i18n
from publisher.model import Compilation, Diagnostic, Document
from publisher.reading import files, limits

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

WIDTH, HEIGHT = 1600, 2400
"""Cover size in pixels: the 2:3 portrait that e-book stores ask for."""

_MARGIN = 160
_BACKGROUND = (29, 53, 87)
_RULE = (230, 176, 74)
_TITLE = (255, 255, 255)
_TEXT = (214, 224, 236)
_TITLE_FONT = "LiberationSerif-Bold.ttf"
_TEXT_FONT = "LiberationSans-Regular.ttf"
_TITLE_SIZES = (150, 130, 112, 96, 84, 72, 62)
_TITLE_LINES = 6
_RASTER = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "GIF": ("image/gif", ".gif"),
    "WEBP": ("image/webp", ".webp"),
}


@dataclass(frozen=True, slots=True)
class Asset:
    """An image file of the package."""

    name: str
    """Path inside the package folder, e.g. ``images/cover.png``."""
    media_type: str
    """Its media type, taken from its bytes."""
    data: bytes
    """The file's bytes."""


@dataclass(slots=True)
class Images:
    """Documents' local images, found under the source roots and copied in once each."""

    roots: tuple[Path, ...]
    """Folders an image may be read from."""
    assets: dict[str, Asset] = field(default_factory=dict)
    """Images copied so far, by package name."""
    shown: int = 0
    """Images the documents show, counted each time one is shown."""
    alternatives: int = 0
    """Of those, the ones with a text alternative; the others are marked decorative."""
    _seen: dict[Path, str | None] = field(default_factory=dict)

    @property
    def described(self) -> bool:
        """Whether every image shown so far has a text alternative."""
        return self.alternatives == self.shown

    def embed(self, root: Element, doc: Document, problems: list[Diagnostic]) -> None:
        """Point every image at its copy in the package; one we cannot copy becomes its alt text."""
        for parent in list(root.iter()):
            for img in [child for child in parent if child.tag == "img"]:
                src = img.get("src") or ""
                alt = img.get("alt") or ""
                img.set("alt", alt)
                img.attrib.pop("srcset", None)
                name = self._copy(src)
                if name is None:
                    message = f"image {src!r} is not an image file under the sources; kept its alt"
                    problems.append(
                        Diagnostic(doc.path, None, "warning", "image-not-embedded", message)
                    )
                    _replace_with_text(parent, img, alt)
                    continue
                img.set("src", name)
                self.shown += 1
                if alt.strip():
                    self.alternatives += 1
                else:
                    # The source gave no text: the image is presented as decoration, not lost.
                    img.set("role", "presentation")

    def _copy(self, src: str) -> str | None:
        if not src or urlsplit(src).scheme or src.startswith(("/", "\\")):
            return None
        path = _under_roots(unquote(src), self.roots)
        if path is None:
            return None
        if path not in self._seen:
            try:
                data = files.read(path, limits.IMAGE_BYTES)
            except OSError:
                return None
            kind = media_type(path, data)
            name = None
            if kind is not None:
                name = f"images/{hashlib.sha256(data).hexdigest()[:20]}{kind[1]}"
                self.assets[name] = Asset(name, kind[0], data)
            self._seen[path] = name
        return self._seen[path]


def image(compilation: Compilation, given: Path | None, style_dirs: Sequence[Path]) -> Asset:
    """The given cover when it is a raster image we can read, else a generated one."""
    if given is not None:
        data = files.read(given, limits.IMAGE_BYTES)
        kind = media_type(given, data)
        if kind is None or kind[0] == "image/svg+xml":
            raise ValueError(f"{given}: the cover must be a PNG, JPEG, GIF or WebP image")
        return Asset(f"images/cover{kind[1]}", kind[0], data)
    png = generate(compilation.title, compilation.subtitle, date_range(compilation), style_dirs)
    return Asset("images/cover.png", "image/png", png)


def describe(compilation: Compilation, labels: i18n.Labels) -> str:
    """The book in one line (title, size, dates): the cover's alternative text and blurb."""
    documents = labels.label(compilation.lang, "documents", count=len(compilation.documents))
    title = compilation.title
    if compilation.subtitle:
        title = f"{title}: {compilation.subtitle}"
    return ". ".join(filter(None, [title, documents, date_range(compilation)])) + "."


def date_range(compilation: Compilation) -> str:
    """The first and last document dates, written out in the book's language."""
    span = compilation.date_range
    if span is None:
        return ""
    first, last = (i18n.long_date(day, compilation.lang) for day in span)
    return first if first == last else f"{first} \u2013 {last}"


def media_type(path: Path, data: bytes) -> tuple[str, str] | None:
    """Media type and file suffix of an image, from its bytes (its name can lie)."""
    if path.suffix.lower() == ".svg":
        return ("image/svg+xml", ".svg") if b"<svg" in data[:4096] else None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            return _RASTER.get(opened.format or "")
    except (OSError, Image.DecompressionBombError):
        return None


def generate(title: str, subtitle: str, dates: str, style_dirs: Sequence[Path]) -> bytes:
    """A PNG cover; the same text and fonts always give the same bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * _MARGIN
    for size in _TITLE_SIZES:
        title_font = _font(style_dirs, _TITLE_FONT, size)
        lines = _wrap(title, title_font, width)
        if len(lines) <= _TITLE_LINES:
            break
    lines = lines[:_TITLE_LINES]
    y = _MARGIN * 3
    draw.rectangle((_MARGIN, y - 60, _MARGIN + 240, y - 48), fill=_RULE)
    y = _draw_lines(draw, lines, title_font, y, _TITLE)
    if subtitle:
        subtitle_font = _font(style_dirs, _TEXT_FONT, 64)
        _draw_lines(draw, _wrap(subtitle, subtitle_font, width)[:4], subtitle_font, y + 60, _TEXT)
    if dates:
        dates_font = _font(style_dirs, _TEXT_FONT, 56)
        date_lines = _wrap(dates, dates_font, width)[:2]
        _draw_lines(draw, date_lines, dates_font, HEIGHT - _MARGIN - 80 * len(date_lines), _TEXT)
    # A small palette keeps a flat-colour cover small; the quantizer is deterministic.
    flat = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    flat.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _font(style_dirs: Sequence[Path], name: str, size: int) -> Font:
    """The theme's font of that name, or Pillow's built-in one when no theme ships it."""
    for folder in style_dirs:
        path = folder / "fonts" / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: Font, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and font.getlength(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _draw_lines(
    draw: ImageDraw.ImageDraw, lines: Sequence[str], font: Font, y: int, fill: tuple[int, ...]
) -> int:
    """Draw lines left-aligned from ``y``; return the y below the last one."""
    step = int(_size(font) * 1.2)
    for line in lines:
        draw.text((_MARGIN, y), line, font=font, fill=fill)
        y += step
    return y


def _size(font: Font) -> float:
    return font.size if isinstance(font, ImageFont.FreeTypeFont) else 11


def _under_roots(relative: str, roots: Sequence[Path]) -> Path | None:
    """The file a root-relative path names under the first root that has it, never outside."""
    for root in roots:
        base = root.resolve()
        path = (base / relative).resolve()
        if path.is_relative_to(base) and path.is_file():
            return path
    return None


def _replace_with_text(parent: Element, element: Element, text: str) -> None:
    text += element.tail or ""
    index = list(parent).index(element)
    if index > 0:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(element)
