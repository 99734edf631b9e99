"""Images in the EPUB: the cover (given, or drawn from print) and documents' local images."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from PIL import Image

from publisher import i18n
from publisher.model import Compilation, Diagnostic, Document
from publisher.reading import files, limits
from publisher.rendering import render
from publisher.rendering.theme import Theme

WIDTH, HEIGHT = 1600, 2400
"""Cover size in pixels: the 2:3 portrait that e-book stores ask for."""

_SHEETS = ("base.css", "print.css", "print-book.css")
# 6 by 9 inches: a 2:3 page about as wide as the printed one, so the title wraps alike.
_PAGE = "@page { size: 6in 9in; } @page cover { size: 6in 9in; }"
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


def image(compilation: Compilation, given: Path | None, theme: Theme) -> Asset:
    """The given cover when it is a raster image we can read, else the print cover drawn."""
    if given is not None:
        data = files.read(given, limits.IMAGE_BYTES)
        kind = media_type(given, data)
        if kind is None or kind[0] == "image/svg+xml":
            raise ValueError(f"{given}: the cover must be a PNG, JPEG, GIF or WebP image")
        return Asset(f"images/cover{kind[1]}", kind[0], data)
    return Asset("images/cover.png", "image/png", drawn(compilation, theme))


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


def drawn(compilation: Compilation, theme: Theme) -> bytes:
    """The print cover (the title page, or the theme's cover template) as a PNG, for the EPUB.

    One page laid out with the print style sheets on a 2:3 page, then rasterized: the logo, the
    accent and the project's sheets show on both covers. The same input gives the same bytes.
    """
    # Imported here: WeasyPrint is slow to load, and only a cover drawn from print needs it.
    import pypdfium2
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from publisher.pdf.fetcher import Fetcher

    env = render.environment(theme, "pdf")
    page = env.get_template("pdf/book.html").render(
        book=compilation,
        parts=[render.title(compilation, env, "book")],
        layout="book",
        grouped=False,
        authors=(),
        subject="",
        keywords=(),
        generator="",
        created="1970-01-01T00:00:00Z",
    )
    fetcher = Fetcher((*theme.all_style_dirs, *theme.all_template_dirs, theme.folder))
    fonts = FontConfiguration()
    sheets = [
        CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=path.as_uri(),
            url_fetcher=fetcher,
            font_config=fonts,
        )
        for path in theme.sheets(_SHEETS)
    ]
    sheets.append(CSS(string=_PAGE, url_fetcher=fetcher, font_config=fonts))
    html = HTML(string=page, base_url=theme.folder.resolve().as_uri() + "/", url_fetcher=fetcher)
    pdf = html.render(stylesheets=sheets, font_config=fonts)
    document = pypdfium2.PdfDocument(pdf.copy(pdf.pages[:1]).write_pdf())
    try:
        first = document[0]
        bitmap = first.render(scale=WIDTH / first.get_width())
        image = bitmap.to_pil().convert("RGB").resize((WIDTH, HEIGHT))
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


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
