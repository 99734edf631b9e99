"""Compilation → .pdf: prepare → plan units → lay out → merge → stamp page numbers → write.

Each step is a function of what the one before it returned: ``prepare.prepare`` renders the parts
and parses the style sheets, ``plan.plan`` splits the parts into units and writes the job of
each, ``parallel.lay_out`` lays the units out (in a pool of processes or any Executor, or from
the cache), ``merge.merge`` makes one PDF of them, ``stamp.stamp`` prints the page numbers, and
``merge.save`` gives the bytes written here. A PDF that units cannot make is laid out in one
WeasyPrint pass instead (``_one_pass``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import jinja2
import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer ships no types
from weasyprint import HTML

from publisher.cache import store as cache
from publisher.model import Compilation, Diagnostic
from publisher.pdf import coverage
from publisher.pdf import merge as pdf_merge
from publisher.pdf import parallel as pdf_parallel
from publisher.pdf import plan as pdf_plan
from publisher.pdf import prepare as pdf_prepare
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf import tagging as pdf_tagging
from publisher.pdf import units as pdf_units
from publisher.pdf.prepare import Book
from publisher.rendering.options import OUTPUT_FAILED, OutputOptions
from publisher.runtime.output import atomic_path
from publisher.runtime.progress import Progress, Stage


def write(compilation: Compilation, output: Path, options: OutputOptions) -> list[Diagnostic]:
    """Write the compilation as a PDF; a failure is an ``output-failed`` diagnostic."""
    problems: list[Diagnostic] = []

    def tell(stage: Stage, done: int) -> None:
        if options.progress is not None:
            options.progress(Progress(stage, done, 1))

    try:
        book = pdf_prepare.prepare(compilation, options)
        plan = pdf_plan.plan(book, options)
        with pdf_units.engine_log() as records, pdf_parallel.stores(options) as stores:
            laid = pdf_parallel.lay_out(plan, options, stores) if plan is not None else None
            if laid is None:
                # The fallback: no plan (see ``plan.plan``), or a unit no page holds alone.
                tell("layout", 0)
                data = _one_pass(book, options)
                tell("layout", 1)
            else:
                tell("merging", 0)
                with pdf_merge.merge(laid.pieces, stores) as merged:
                    pdf_stamp.stamp(merged.pdf, [page.stamps for page in laid.pages])
                    tell("merging", 1)
                    tell("writing", 0)
                    data = pdf_merge.save(merged.pdf, book.identifier)
                records += (*laid.records, *merged.records)
                problems.extend(cache.report([stores.cache]))
        refused = (*book.fetcher.refused, *(laid.refused if laid is not None else ()))
        problems.extend(_diagnostics(book, records, refused))
        if laid is None:
            tell("writing", 0)
        with atomic_path(output) as temp:
            temp.write_bytes(data)
        tell("writing", 1)
    except (OSError, jinja2.TemplateError) as error:
        message = f"could not write the PDF: {error}"
        problems.append(Diagnostic(str(output), None, "error", OUTPUT_FAILED, message))
    return problems


def _one_pass(book: Book, options: OutputOptions) -> bytes:
    """The whole PDF laid out in one WeasyPrint pass: the way when units cannot make it."""
    html = HTML(
        string=book.page(book.parts, True), base_url=book.base_url, url_fetcher=book.fetcher
    )
    document = html.render(stylesheets=list(book.stylesheets), font_config=book.fonts)
    data: bytes = document.write_pdf(
        pdf_variant=options.pdf_variant, pdf_identifier=book.identifier, finisher=_finish
    )
    tagged = (options.pdf_variant or "").startswith("pdf/ua")
    return pdf_tagging.retag(data, book.identifier) if tagged else data


def _finish(document: object, pdf: pydyf.PDF) -> None:
    """Open with the bookmarks shown and the document title (not the file name) in the title bar."""
    if "StructTreeRoot" in pdf.catalog:
        pdf_tagging.finish(document, pdf)
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
    book: Book, records: Sequence[logging.LogRecord], refused: Sequence[tuple[str, str]]
) -> list[Diagnostic]:
    """Refused resources and engine messages as diagnostics, each reported once.

    A message is located in the document that uses the resource it names, or in the style sheet
    that was being parsed when it came (``book.messages``, which come before ``records``); a
    character no font has is reported once in each document that uses it.
    """
    used_by = book.used_by
    found: dict[Diagnostic, None] = {}
    reasons = dict(refused)
    for url, reason in reasons.items():
        message = f"{_short(url)} not loaded: {reason}"
        found[Diagnostic(used_by.get(url, ""), None, "warning", "pdf-refused", message)] = None
    missing: dict[str, None] = {}
    for record, sheet in (*book.messages, *((record, "") for record in records)):
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
        path = sheet or used_by.get(first, "")
        code = "pdf-resource" if record.levelno >= logging.ERROR else "pdf-engine"
        message = " ".join(record.getMessage().split())
        found[Diagnostic(path, None, "warning", code, message)] = None
    found.update(dict.fromkeys(coverage.missing(missing, book.compilation.documents)))
    return list(found)


def _short(url: str) -> str:
    """A URL short enough for a message: data: URIs are cut."""
    return url if len(url) <= 120 or not url.startswith("data:") else url[:60] + "…"
