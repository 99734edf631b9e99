"""Rendered parts → PDF (WeasyPrint): the brief and the book, with bookmarks and source links."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publisher import __version__, i18n
from publisher.model import Compilation, Diagnostic, Document, Entry, Section
from publisher.pdf import body as pdf_body
from publisher.pdf import coverage
from publisher.pdf import parallel as pdf_parallel
from publisher.pdf import style as pdf_style
from publisher.pdf import units as pdf_units
from publisher.pdf.fetcher import Fetcher
from publisher.rendering import render
from publisher.rendering.options import OUTPUT_FAILED, OutputOptions
from publisher.runtime.output import atomic_path

STYLESHEETS = ("base.css", "print.css")
"""Theme stylesheets every PDF uses, before the layout's own ``print-<layout>.css``."""


def write(compilation: Compilation, output: Path, options: OutputOptions) -> list[Diagnostic]:
    """Write the compilation as a PDF; a failure is an ``output-failed`` diagnostic."""
    problems: list[Diagnostic] = []
    try:
        data = _pdf(compilation, options, problems)
        with atomic_path(output) as temp:
            temp.write_bytes(data)
    except (OSError, jinja2.TemplateError) as error:
        message = f"could not write the PDF: {error}"
        problems.append(Diagnostic(str(output), None, "error", OUTPUT_FAILED, message))
    return problems


def _pdf(compilation: Compilation, options: OutputOptions, problems: list[Diagnostic]) -> bytes:
    """Lay the compilation out and return the PDF bytes; engine problems go to ``problems``."""
    theme = options.theme
    prepared, used_by = pdf_body.prepare(compilation, options.roots)
    env = render.environment(theme, "pdf")
    parts = render.render(
        prepared, env, options.layout, mode=options.bilingual, secondary=options.secondary
    )
    grouped = any(section.title for section in prepared.sections)

    def page(shown: Sequence[render.Part], metadata: bool) -> str:
        # Units other than the first get no metadata: it would tie their cached layout to it.
        head = _metadata(prepared, theme.labels) if metadata else _NO_METADATA
        template = env.get_template("pdf/book.html")
        return template.render(
            book=prepared, parts=shown, layout=options.layout, grouped=grouped, **head
        )

    folders = (*options.roots, *theme.all_style_dirs, *theme.all_template_dirs)
    fetcher = Fetcher(folders)
    fonts = FontConfiguration()
    where: dict[int, str] = {}
    with pdf_units.engine_log() as records:
        stylesheets: list[CSS] = []
        styles: list[tuple[str, str | None]] = []
        bilingual = ("bilingual.css",) if options.bilingual else ()
        for name in (*STYLESHEETS, f"print-{options.layout}.css", *bilingual):
            path, first, refusals = theme.style(name), len(records), len(fetcher.refused)
            stylesheets.append(CSS(url=path.as_uri(), url_fetcher=fetcher, font_config=fonts))
            styles.append((path.read_text(encoding="utf-8"), path.as_uri()))
            where.update((id(record), str(path)) for record in records[first:])
            used_by.update((url, str(path)) for url, _ in fetcher.refused[refusals:])
        extra = pdf_style.generated(prepared, options)
        stylesheets.append(CSS(string=extra, url_fetcher=fetcher, font_config=fonts))
        styles.append((pdf_style.generated(_only(prepared, ()), options), None))
        base_url = options.roots[0].resolve().as_uri() + "/" if options.roots else None
        book = pdf_parallel.Book(
            parts,
            page,
            lambda shown: pdf_style.generated(_only(prepared, shown), options),
            tuple(styles),
            theme.all_style_dirs,
            tuple(folders),
            base_url,
            _identifier(compilation),
            options.layout,
        )
        units = pdf_parallel.plan(book, options)
        laid_out = None
        if units is not None:
            with contextlib.suppress(pdf_units.Unplaceable):
                laid_out = pdf_parallel.lay_out(book, units, options)
        if laid_out is not None:
            data, found, refused, damaged = laid_out
            problems.extend(damaged)
            records.extend(found)
            fetcher.refused.extend(refused)
        else:
            document = HTML(string=page(parts, True), base_url=base_url, url_fetcher=fetcher)
            data = document.render(stylesheets=stylesheets, font_config=fonts).write_pdf(
                pdf_variant=options.pdf_variant,
                pdf_identifier=_identifier(compilation),
                finisher=_finish,
            )
    problems.extend(_diagnostics(records, where, fetcher.refused, used_by, prepared.documents))
    return data


def _only(book: Compilation, shown: Sequence[render.Part]) -> Compilation:
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


def _finish(_: object, pdf: pydyf.PDF) -> None:
    """Open with the bookmarks shown and the document title (not the file name) in the title bar."""
    pdf.catalog["PageMode"] = "/UseOutlines"
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})


# WeasyPrint says this once per font and layout where libharfbuzz-subset is missing: a hint about
# the machine, not a problem in any input, so it becomes one note that --strict lets pass.
_FONTTOOLS = "Using fontTools instead of HarfBuzz-Subset"
SUBSETTER_HINT = Diagnostic(
    "",
    None,
    "note",
    "pdf-subsetter",
    "install libharfbuzz-subset0 (HarfBuzz 4.1 or later) for faster PDF builds; "
    "fonts were subset with the slower fontTools",
)


def _diagnostics(
    records: Sequence[logging.LogRecord],
    where: dict[int, str],
    refused: Sequence[tuple[str, str]],
    used_by: dict[str, str],
    documents: Sequence[Document],
) -> list[Diagnostic]:
    """Refused resources and engine messages as diagnostics, each reported once.

    A message is located in the document that uses the resource it names, or in the style sheet
    that was being parsed when it came (``where`` maps a record's id to it); a character no font
    has is reported once in each document that uses it.
    """
    found: dict[Diagnostic, None] = {}
    reasons = dict(refused)
    for url, reason in reasons.items():
        message = f"{_short(url)} not loaded: {reason}"
        found[Diagnostic(used_by.get(url, ""), None, "warning", "pdf-refused", message)] = None
    missing: dict[str, None] = {}
    for record in records:
        args = record.args if isinstance(record.args, tuple) else ()
        first = str(args[0]) if args else ""
        if first in reasons:
            continue
        if str(record.msg).startswith(".notdef glyph"):
            missing[first] = None
            continue
        if str(record.msg).startswith(_FONTTOOLS):
            found[SUBSETTER_HINT] = None
            continue
        path = where.get(id(record)) or used_by.get(first, "")
        code = "pdf-resource" if record.levelno >= logging.ERROR else "pdf-engine"
        message = " ".join(record.getMessage().split())
        found[Diagnostic(path, None, "warning", code, message)] = None
    found.update(dict.fromkeys(coverage.missing(missing, documents)))
    return list(found)


def _short(url: str) -> str:
    """A URL short enough for a message: data: URIs are cut."""
    return url if len(url) <= 120 or not url.startswith("data:") else url[:60] + "…"
