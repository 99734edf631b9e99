"""Rendered parts → an EPUB 3 file (EbookLib), repacked with deterministic bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import IO

import jinja2
from ebooklib import epub as ebook

from publisher import i18n
from publisher.epub import accessibility
from publisher.epub import pages as epub_pages
from publisher.epub import styles as epub_styles
from publisher.model import Compilation, Diagnostic, Document
from publisher.rendering import cover, render
from publisher.rendering.options import OUTPUT_FAILED, OutputOptions
from publisher.runtime.output import atomic_path
from publisher.runtime.progress import Progress

_XHTML = "application/xhtml+xml"
# Where EbookLib writes the package document.
_OPF = "EPUB/content.opf"
_STYLES = ("base.css", "epub.css")
_BILINGUAL_STYLE = "bilingual.css"
# What each part is in the book: its epub:type and the DPUB-ARIA role that matches it, which
# assistive technologies read (they ignore epub:type). A title page and a cover have no role.
_SEMANTICS = {
    "cover": ("cover", ""),
    "title": ("frontmatter titlepage", ""),
    "toc": ("frontmatter toc", "doc-toc"),
    "glance": ("frontmatter toc", "doc-toc"),
    "news": ("frontmatter", ""),
    "section": ("bodymatter part", "doc-part"),
    "document": ("bodymatter chapter", "doc-chapter"),
    "sources": ("backmatter bibliography", "doc-bibliography"),
    "colophon": ("backmatter colophon", "doc-colophon"),
}
_INLINE_NAMESPACES = (
    ("mathml", "http://www.w3.org/1998/Math/MathML"),
    ("svg", "http://www.w3.org/2000/svg"),
)
# ZIP stores local times from 1980 to 2107 only.
_ZIP_FIRST = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
_ZIP_LAST = dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.UTC)
_PACKAGE_TAG = re.compile(rb"<package\b")


@dataclass(frozen=True, slots=True)
class _File:
    """One file of the package, named relative to the package folder."""

    name: str
    media_type: str
    data: bytes
    properties: tuple[str, ...] = ()


@dataclass(slots=True)
class _Point:
    """One entry of the navigation tree."""

    title: str
    href: str
    lang: str
    titles: tuple[tuple[str, str], ...] = ()
    children: list[_Point] = field(default_factory=list)


def write(compilation: Compilation, output: Path, options: OutputOptions) -> list[Diagnostic]:
    """Write the compilation as an EPUB 3 file; a failure is an ``output-failed`` diagnostic."""
    problems: list[Diagnostic] = []
    if options.bilingual == "parallel":
        # Reflowable pages on a phone have no room for two columns.
        message = "the parallel layout is for print; the EPUB interleaves the translations"
        problems.append(Diagnostic(str(output), None, "warning", "parallel-in-epub", message))
        options = dataclasses.replace(options, bilingual="interleaved")
    compilation = _without_broken_bodies(compilation, problems)
    if options.progress is not None:
        options.progress(Progress("writing", 0, 1))
    try:
        book = _book(compilation, options, problems)
        # Through a file, entry by entry: a book of thousands of documents held three times
        # over in memory (EbookLib's package, its copy, the entries) took 0.6 GB at 3,000.
        with atomic_path(output) as temp, tempfile.TemporaryFile() as packed:
            _ebooklib(book, compilation.modified, packed)
            del book
            _repack(packed, compilation.modified, compilation.lang, temp)
        if options.progress is not None:
            options.progress(Progress("writing", 1, 1))
    except (OSError, jinja2.TemplateError, ET.ParseError, zipfile.LargeZipFile) as error:
        message = f"could not write the EPUB: {error}"
        problems.append(Diagnostic(str(output), None, "error", OUTPUT_FAILED, message))
    return problems


def _without_broken_bodies(compilation: Compilation, problems: list[Diagnostic]) -> Compilation:
    """Leave out documents whose body is not well-formed XHTML, which no reader would open."""
    broken: set[str] = set()
    for doc in compilation.documents:
        try:
            ET.fromstring(f"<div>{doc.body}</div>")
        except ET.ParseError as error:
            broken.add(doc.id)
            message = f"body is not well-formed XHTML ({error}); left out of the EPUB"
            problems.append(Diagnostic(doc.path, None, "error", "epub-bad-body", message))
    if not broken:
        return compilation
    sections = []
    for section in compilation.sections:
        entries = []
        for entry in section.entries:
            kept = {lang: d for lang, d in entry.variants.items() if d.id not in broken}
            if kept:
                entries.append(dataclasses.replace(entry, variants=kept))
        if entries:
            sections.append(dataclasses.replace(section, entries=tuple(entries)))
    return dataclasses.replace(compilation, sections=tuple(sections))


def _book(
    compilation: Compilation, options: OutputOptions, problems: list[Diagnostic]
) -> ebook.EpubBook:
    """The whole EPUB as EbookLib's book: parts rendered, paged, and listed in the navigation."""
    env = render.environment(options.theme, "epub")
    sheets = (*_STYLES, _BILINGUAL_STYLE) if options.bilingual else _STYLES
    packed = epub_styles.pack(options.theme.sheets(sheets), problems)
    styles = [_File(file.name, file.media_type, file.data) for file in packed]
    hrefs = [style.name for style in styles if style.media_type == "text/css"]
    cover_image = _cover(compilation, options, problems)
    images = cover.Images(options.roots)
    parts = render.render(compilation, env, "book", options.bilingual, options.secondary)
    names = {f"{part.name}.xhtml" for part in parts}
    labels = options.theme.labels
    pages = [_page(env, _cover_part(env, compilation, cover_image.name, labels), hrefs)]
    toc: list[_Point] = []
    current: _Point | None = None
    laid = [epub_pages.lay(part, images, names, problems) for part in parts]
    owns = [each.where for each in laid]
    # A document may link to another's anchors: every page's ids, a part's own first.
    everywhere: dict[str, str] = {}
    for own in reversed(owns):
        everywhere.update(own)
    for each, own in zip(laid, owns, strict=True):
        part, where = each.part, ChainMap(own, everywhere)
        chunks = epub_pages.pages(each, where, names, problems)
        pages.extend(_page(env, chunk, hrefs) for chunk in chunks)
        if not part.listed:
            continue
        title = " / ".join(text for _, text in part.titles) or part.title
        point = _Point(title, f"{part.name}.xhtml", part.lang, part.titles)
        if part.document is None:
            current = point if part.kind == "section" else None
            toc.append(point)
            continue
        if options.toc_subheadings:
            point.children = _heading_points(part.document, where)
        (current.children if current is not None else toc).append(point)
    nav = _nav(env, compilation, parts, toc, hrefs, labels)
    pictures = sorted(
        (_File(a.name, a.media_type, a.data) for a in images.assets.values()), key=lambda f: f.name
    )
    book = ebook.EpubBook()
    _metadata(book, compilation, images, labels)
    items = {file.name: _item(file) for file in (*styles, *pictures, nav, *pages)}
    for item in items.values():
        book.add_item(item)
    cover_item = ebook.EpubCover(file_name=cover_image.name)
    cover_item.media_type, cover_item.content = cover_image.media_type, cover_image.data
    book.add_item(cover_item)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": cover_item.id})
    book.add_item(ebook.EpubNcx())
    book.toc = _ncx(toc, itertools.count(1))
    book.spine = [items[page.name] for page in pages]
    return book


def _cover_part(
    env: jinja2.Environment, compilation: Compilation, image: str, labels: i18n.Labels
) -> render.Part:
    """The cover page: the cover image, described by what it says."""
    lang = compilation.lang
    html = env.get_template("cover.xhtml").render(
        book=compilation, name="cover", image=image, alt=cover.describe(compilation, labels)
    )
    return render.Part("cover", "cover", labels.label(lang, "cover"), lang, html)


def _nav(
    env: jinja2.Environment,
    compilation: Compilation,
    parts: Sequence[render.Part],
    toc: Sequence[_Point],
    stylesheets: Sequence[str],
    labels: i18n.Labels,
) -> _File:
    """The EPUB 3 navigation document: the table of contents and the landmarks."""
    lang = compilation.lang
    landmarks = [
        ("cover", "cover.xhtml", labels.label(lang, "cover")),
        ("titlepage", "title.xhtml", labels.label(lang, "title_page")),
        ("toc", "toc.xhtml", labels.label(lang, "contents")),
    ]
    first = next((p for p in parts if p.kind in ("section", "document")), None)
    if first is not None:
        landmarks.append(("bodymatter", f"{first.name}.xhtml", labels.label(lang, "start")))
    # The back matter too: a reader can jump to the sources of every document.
    landmarks += [
        ("bibliography", "sources.xhtml", labels.label(lang, "sources")),
        ("colophon", "colophon.xhtml", labels.label(lang, "colophon")),
    ]
    nav = env.get_template("nav.xhtml").render(
        lang=lang, points=toc, landmarks=landmarks, stylesheets=stylesheets
    )
    return _File("nav.xhtml", _XHTML, nav.encode(), ("nav",))


def _page(env: jinja2.Environment, part: render.Part, stylesheets: Sequence[str]) -> _File:
    """A part as a complete XHTML content document."""
    html = render.page(env, part, stylesheets, *_SEMANTICS[part.kind])
    # The manifest must declare inline SVG and MathML, which a user's template may add.
    properties = tuple(prop for prop, uri in _INLINE_NAMESPACES if uri in html)
    return _File(f"{part.name}.xhtml", _XHTML, html.encode(), properties)


def _heading_points(doc: Document, where: Mapping[str, str]) -> list[_Point]:
    """A document's subheadings as a tree, each pointing into the page that holds it."""
    top: list[_Point] = []
    stack: list[tuple[int, list[_Point]]] = [(1, top)]
    for heading in doc.headings:
        stem = where.get(heading.anchor)
        if stem is None or not heading.text.strip():
            continue
        while stack[-1][0] >= heading.level:
            stack.pop()
        point = _Point(heading.text, f"{stem}.xhtml#{heading.anchor}", doc.lang)
        stack[-1][1].append(point)
        stack.append((heading.level, point.children))
    return top


def _metadata(
    book: ebook.EpubBook, compilation: Compilation, images: cover.Images, labels: i18n.Labels
) -> None:
    """Dublin Core, EPUB 3 refinements and accessibility metadata."""
    book.set_identifier(compilation.identifier)
    book.title = compilation.title
    book.language = compilation.lang
    book.add_metadata("DC", "title", compilation.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if compilation.subtitle:
        book.add_metadata("DC", "title", compilation.subtitle, {"id": "subtitle"})
        book.add_metadata(
            None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"}
        )
    for lang in compilation.languages:
        book.add_metadata("DC", "language", lang)
    creators = compilation.authors or tuple(filter(None, [compilation.publisher]))
    for n, name in enumerate(creators, 1):
        book.add_metadata("DC", "creator", name, {"id": f"creator-{n}"})
        role = "aut" if compilation.authors else "edt"
        refines = {"refines": f"#creator-{n}", "property": "role", "scheme": "marc:relators"}
        book.add_metadata(None, "meta", role, refines)
    # The documents' own authors contribute to the collection; each document's page names them.
    authors = dict.fromkeys(a.name for doc in compilation.documents for a in doc.authors)
    contributors = [name for name in authors if name not in creators]
    for n, name in enumerate(contributors, 1):
        book.add_metadata("DC", "contributor", name, {"id": f"contributor-{n}"})
        refines = {"refines": f"#contributor-{n}", "property": "role", "scheme": "marc:relators"}
        book.add_metadata(None, "meta", "aut", refines)
    if compilation.publisher:
        book.add_metadata("DC", "publisher", compilation.publisher)
    book.add_metadata("DC", "date", compilation.modified.astimezone(dt.UTC).date().isoformat())
    description = compilation.description or cover.describe(compilation, labels)
    book.add_metadata("DC", "description", description)
    if compilation.rights:
        book.add_metadata("DC", "rights", compilation.rights)
    documents = compilation.documents
    for tag in dict.fromkeys(tag for doc in documents for tag in doc.tags):
        book.add_metadata("DC", "subject", tag)
    for url in dict.fromkeys(doc.source_url for doc in documents if doc.source_url):
        book.add_metadata("DC", "source", url)
    for meta in accessibility.metadata(compilation, images.shown, images.alternatives):
        attributes = {"property": meta.property}
        if meta.id:
            attributes["id"] = meta.id
        if meta.refines:
            attributes["refines"] = f"#{meta.refines}"
        if meta.property == "schema:accessibilitySummary":
            # The summary is written in English whatever the book's language.
            attributes[f"{{{ebook.NAMESPACES['XML']}}}lang"] = "en"
        book.add_metadata(None, "meta", meta.value, attributes)


def _item(file: _File) -> ebook.EpubItem:
    """A package item EbookLib writes as it is (its HTML items would re-parse the markup)."""
    item = ebook.EpubItem(
        uid=file.name.replace("/", "-"),
        file_name=file.name,
        media_type=file.media_type,
        content=file.data,
    )
    item.properties = list(file.properties)
    return item


def _ncx(points: Sequence[_Point], counter: Iterator[int]) -> list[object]:
    """The navigation tree in EbookLib's TOC shape, from which it writes the NCX."""
    out: list[object] = []
    for point in points:
        link = ebook.Link(point.href, point.title, f"navpoint-{next(counter)}")
        out.append((link, _ncx(point.children, counter)) if point.children else link)
    return out


def _ebooklib(book: ebook.EpubBook, modified: dt.datetime, packed: IO[bytes]) -> None:
    """EbookLib's package, written to a file, with its silent-failure mode off."""
    options = {
        "raise_exceptions": True,
        "mtime": modified.astimezone(dt.UTC),
        "epub2_guide": False,
        "epub3_landmark": False,
        "epub3_pages": False,
        "play_order": {"enabled": True, "start_from": 1},
        # _repack compresses every entry again; compressing here too would only cost time.
        "compresslevel": 0,
    }
    if not ebook.write_epub(packed, book, options):
        raise OSError("EbookLib reported a failed write")


def _repack(packed: IO[bytes], modified: dt.datetime, lang: str, path: Path) -> None:
    """The same entries, mimetype first and stored, the rest sorted, with one fixed timestamp;
    the package document says the book's language and direction."""
    when = min(max(modified.astimezone(dt.UTC), _ZIP_FIRST), _ZIP_LAST)
    packed.seek(0)
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(path, "w") as target:
        names = {info.filename for info in source.infolist()}
        for name in ["mimetype", *sorted(names - {"mimetype"})]:
            data = source.read(name)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            data = _package_language(data, lang) if name == _OPF else data
            target.writestr(info, data, compresslevel=6)


def _package_language(opf: bytes, lang: str) -> bytes:
    """The package document with ``xml:lang`` and ``dir`` on its root, which EbookLib omits.

    They are the default language and direction of the metadata (the title, the summary), and
    Ace requires the language.
    """
    direction = "rtl" if i18n.is_rtl(lang) else "ltr"
    attributes = f'<package xml:lang="{escape(lang, quote=True)}" dir="{direction}"'
    return _PACKAGE_TAG.sub(attributes.encode(), opf, count=1)


def _cover(
    compilation: Compilation, options: OutputOptions, problems: list[Diagnostic]
) -> cover.Asset:
    """The user's cover image, or the print cover drawn when there is none or it cannot be used."""
    theme = options.theme
    # An SVG cover is drawn through the print cover, which shows it: the EPUB's must be raster.
    themed = theme.cover
    raster = themed is not None and themed.suffix.lower() in (".png", ".jpg", ".jpeg")
    given = options.cover or (themed if raster else None)
    try:
        return cover.image(compilation, given, theme)
    except (OSError, ValueError) as error:
        message = f"{error}; using a generated cover"
        problems.append(Diagnostic(str(given), None, "warning", "cover-unusable", message))
        return cover.image(compilation, None, theme)
