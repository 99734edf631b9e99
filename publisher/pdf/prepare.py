"""Compilation → Book: what any way of laying the PDF out needs, made once.

The bodies made ready for print, the parts rendered, the theme's style sheets parsed (their engine
messages kept), the fetcher that serves the project's files, and the functions that write the HTML
document and the generated style sheet of any run of parts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from publisher import __version__, i18n
from publisher.model import Compilation, Entry, Section
from publisher.pdf import body as pdf_body
from publisher.pdf import sections as pdf_sections
from publisher.pdf import style as pdf_style
from publisher.pdf import units as pdf_units
from publisher.pdf.fetcher import Fetcher
from publisher.rendering import render
from publisher.rendering.options import OutputOptions
from publisher.rendering.render import Part

STYLESHEETS = ("base.css", "print.css")
"""Theme stylesheets every PDF uses, before the layout's own ``print-<layout>.css``."""


@dataclass(frozen=True, slots=True)
class Book:
    """A compilation made ready to lay out, in one pass or in units."""

    compilation: Compilation
    """The compilation, its bodies made ready for print."""
    parts: Sequence[Part]
    """Every rendered part, in reading order."""
    breaks: frozenset[str]
    """Parts that start a new page where their kind does not: sections of a brief's long run
    (``sections``)."""
    page: Callable[[Sequence[Part], bool], str]
    """The HTML document of some parts; True gives it the publication's metadata."""
    style: Callable[[Sequence[Part]], str]
    """The generated style sheet of some parts: the rules of the documents they show."""
    styles: tuple[tuple[str, str | None], ...]
    """Style sheets every unit uses, as (text, base URL) in cascade order; ``style`` follows."""
    stylesheets: tuple[CSS, ...]
    """The style sheets of the whole PDF, parsed, the generated one last: for the one pass."""
    fonts: FontConfiguration
    """The fonts ``stylesheets`` were parsed with."""
    fetcher: Fetcher
    """Serves the files under ``folders``; keeps what it refused."""
    style_dirs: tuple[Path, ...]
    """Folders whose files (fonts, images) the style sheets may use."""
    folders: tuple[Path, ...]
    """Folders the fetcher may read."""
    base_url: str | None
    """Base URL of the document."""
    identifier: bytes
    """The permanent half of the PDF /ID."""
    layout: str
    """The PDF layout."""
    messages: tuple[tuple[logging.LogRecord, str], ...]
    """Engine messages from parsing the style sheets, each with its sheet's path ("": generated)."""
    used_by: dict[str, str]
    """The document or style sheet that uses each local URL."""


def prepare(compilation: Compilation, options: OutputOptions) -> Book:
    """The compilation made ready to lay out: parts rendered, style sheets parsed, a fetcher."""
    theme = options.theme
    prepared, used_by = pdf_body.prepare(compilation, options.roots)
    env = render.environment(theme, "pdf")
    parts, breaks = pdf_sections.cut(
        render.render(
            prepared, env, options.layout, mode=options.bilingual, secondary=options.secondary
        ),
        options.layout,
    )
    grouped = any(section.title for section in prepared.sections)

    def page(shown: Sequence[Part], metadata: bool) -> str:
        # Units other than the first get no metadata: it would tie their cached layout to it.
        head = _metadata(prepared, theme.labels) if metadata else _NO_METADATA
        template = env.get_template("pdf/book.html")
        return template.render(
            book=prepared, parts=shown, layout=options.layout, grouped=grouped, **head
        )

    folders = (*options.roots, *theme.all_style_dirs, *theme.all_template_dirs, theme.folder)
    fetcher = Fetcher(folders)
    fonts = FontConfiguration()
    where: dict[int, str] = {}
    with pdf_units.engine_log() as records:
        stylesheets: list[CSS] = []
        styles: list[tuple[str, str | None]] = []
        bilingual = ("bilingual.css",) if options.bilingual else ()
        for path in theme.sheets((*STYLESHEETS, f"print-{options.layout}.css", *bilingual)):
            first, refusals = len(records), len(fetcher.refused)
            # Read here, not fetched: a project's sheet may lie outside the folders the fetcher
            # serves (the project folder itself), which sources must not reach.
            text = path.read_text(encoding="utf-8")
            stylesheets.append(
                CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher, font_config=fonts)
            )
            styles.append((text, path.as_uri()))
            where.update((id(record), str(path)) for record in records[first:])
            used_by.update((url, str(path)) for url, _ in fetcher.refused[refusals:])
        extra = pdf_style.generated(prepared, options)
        stylesheets.append(CSS(string=extra, url_fetcher=fetcher, font_config=fonts))
        styles.append((pdf_style.generated(_only(prepared, ()), options), None))
    return Book(
        compilation=prepared,
        parts=parts,
        breaks=breaks,
        page=page,
        style=lambda shown: pdf_style.generated(_only(prepared, shown), options),
        styles=tuple(styles),
        stylesheets=tuple(stylesheets),
        fonts=fonts,
        fetcher=fetcher,
        style_dirs=theme.all_style_dirs,
        folders=tuple(folders),
        # Documents' own files have absolute URLs (pdf/body.py): relative ones are the templates'.
        base_url=theme.folder.resolve().as_uri() + "/",
        identifier=_identifier(compilation),
        layout=options.layout,
        messages=tuple((record, where.get(id(record), "")) for record in records),
        used_by=used_by,
    )


def _only(book: Compilation, shown: Sequence[Part]) -> Compilation:
    """The compilation with only the documents some parts show: what their own styles need."""
    documents = {d.id: d for part in shown if part.entry for d in part.entry.documents}
    entries = tuple(Entry(doc.id, {doc.lang: doc}) for doc in documents.values())
    return dataclasses.replace(book, sections=(Section("", "", entries),))


_NO_METADATA: dict[str, Any] = {
    "authors": (),
    "subject": "",
    "keywords": (),
    "generator": "",
    "created": "1970-01-01T00:00:00Z",
}


def _metadata(book: Compilation, labels: i18n.Labels) -> dict[str, Any]:
    """What the document's <head> tells WeasyPrint for the PDF's information dictionary."""
    keywords = dict.fromkeys(tag for doc in book.documents for tag in doc.tags)
    span = book.date_range
    count = len(book.documents)
    subject = book.description or book.subtitle
    if not subject:
        subject = labels.label(book.lang, "documents", count=count)
        if span:
            first, last = (i18n.long_date(day, book.lang) for day in span)
            subject += f", {first} \u2013 {last}"
    stamp = book.modified.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "authors": book.authors or ((book.publisher,) if book.publisher else ()),
        "subject": subject,
        "keywords": tuple(keywords),
        "generator": f"Publisher {__version__}",
        "created": stamp,
    }


def _identifier(compilation: Compilation) -> bytes:
    """The permanent half of the PDF /ID: the same for every build of the same publication."""
    return hashlib.sha256(compilation.identifier.encode()).hexdigest()[:32].encode()
