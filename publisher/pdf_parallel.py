"""A PDF laid out in units: in a pool of processes or any Executor, cached, then assembled.

Pass 1 lays out every unit that prints no page numbers of others: their layout does not depend on
where they land, so each is cached by the digest of its HTML and of everything else that shapes
its pages. Pass 2 lays out the units that do (the contents, the at-a-glance table) once the page
count of every other unit is known; the page numbers in running feet are stamped afterwards
(``pdf_stamp``). A rebuild after one document changed lays out that document and the contents.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint

from publisher import cache, fetcher, pdf_merge, pdf_stamp, pdf_units
from publisher.options import OutputOptions
from publisher.pdf_units import Job, Laid
from publisher.render import Part

PASSES = 3
"""Most layouts of a unit that prints page numbers: its own length can move them."""

_FILE_URL = 'src="file://'


@dataclass(frozen=True, slots=True)
class Book:
    """What the PDF backend prepared, as the unit layout needs it."""

    parts: Sequence[Part]
    """Every rendered part, in reading order."""
    page: Callable[[Sequence[Part], bool], str]
    """The HTML document of some parts; True gives it the publication's metadata."""
    style: Callable[[Sequence[Part]], str]
    """The generated style sheet of some parts: the rules of the documents they show."""
    styles: tuple[tuple[str, str | None], ...]
    """Style sheets every unit uses, as (text, base URL) in cascade order; ``style`` follows."""
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


@dataclass(frozen=True, slots=True)
class Stats:
    """What one build laid out (for tests and the curious)."""

    units: int
    """Units in the publication."""
    laid_out: tuple[str, ...]
    """First part of each unit laid out in this build, in order of layout."""


last: Stats | None = None
"""Stats of the last build in this process."""


def plan(book: Book, options: OutputOptions) -> list[tuple[Part, ...]] | None:
    """The units to lay out, or None when the PDF must be laid out in one pass."""
    if options.jobs == 0 or options.pdf_variant is not None or book.layout not in ("book", "brief"):
        return None
    if any(pdf_units.rewrite(text) is None for text, _ in book.styles):
        return None
    units = pdf_units.units(book.parts, book.layout)
    return units if len(units) > 1 else None


def lay_out(
    book: Book, units: Sequence[tuple[Part, ...]], options: OutputOptions
) -> tuple[bytes, list[logging.LogRecord], list[tuple[str, str]]]:
    """The PDF, the engine's messages and the refused resources, as one pass would give them."""
    global last
    styles = tuple((pdf_units.rewrite(text) or "", base) for text, base in book.styles)
    salt = _salt(book, styles)
    store = cache.Store(options.cache / "pdf") if options.cache is not None else None
    firsts = [book.parts.index(unit[0]) for unit in units]
    htmls = [
        book.page(_scaffold(book.parts, first) + unit, number == 0)
        for number, (first, unit) in enumerate(zip(firsts, units, strict=True))
    ]
    numbered = {i for i, unit in enumerate(units) if pdf_units.shows_numbers(unit)}
    hints = {i: _hint(store, salt, units[i]) for i in numbered}
    laid: dict[int, Laid] = {}
    todo = [i for i in range(len(units)) if i not in numbered or hints[i] is None]
    log: list[str] = []
    done = _lay_out(book, styles, salt, store, {i: htmls[i] for i in todo}, units, options, log)
    laid.update(done)
    for _ in range(PASSES):
        counts = [len(laid[i].pages) if i in laid else hints[i] or 1 for i in range(len(units))]
        pages = _anchor_pages(laid, counts)
        wanted = {i: pdf_units.number_links(htmls[i], pages) for i in numbered}
        laid.update(_lay_out(book, styles, salt, store, wanted, units, options, log))
        if all(len(laid[i].pages) == counts[i] for i in numbered):
            break
    for i in numbered:
        _remember(store, salt, units[i], len(laid[i].pages))
    ordered = [laid[i] for i in range(len(units))]
    data, records = pdf_merge.assemble(ordered, book.identifier)
    last = Stats(len(units), tuple(log))
    found = [_record(*message) for unit in ordered for message in unit.records]
    refused = [item for unit in ordered for item in unit.refused]
    return data, found + records, refused


def _scaffold(parts: Sequence[Part], first: int) -> tuple[Part, ...]:
    lang = parts[0].lang
    return tuple(Part("", "title", "", lang, html) for html in pdf_units.scaffold(parts, first))


def _lay_out(
    book: Book,
    styles: tuple[tuple[str, str | None], ...],
    salt: str,
    store: cache.Store | None,
    htmls: dict[int, str],
    units: Sequence[tuple[Part, ...]],
    options: OutputOptions,
    log: list[str],
) -> dict[int, Laid]:
    """Lay out the units asked for, from the cache where it has them."""
    found: dict[int, Laid] = {}
    jobs: list[tuple[int, str, Job]] = []
    for index, html in htmls.items():
        extra = pdf_units.rewrite(book.style(units[index])) or ""
        key = _key(salt, f"{extra}\0{html}")
        cached = store.get(key) if store is not None else None
        if isinstance(cached, Laid):
            found[index] = cached
            continue
        start = units[index][0].name
        folders = tuple(map(str, book.folders))
        jobs.append((index, key, Job(html, start, styles, extra, folders, book.base_url)))
    # Longest first, so that a long document does not start last and leave the others idle.
    jobs.sort(key=lambda job: -len(job[2].html))
    results = _map([job for _, _, job in jobs], options)
    for (index, key, _), result in zip(jobs, results, strict=True):
        found[index] = result
        log.append(units[index][0].name)
        if store is not None:
            store.put(key, result)
    return found


def _map(jobs: list[Job], options: OutputOptions) -> Iterable[Laid]:
    """Run the worker over the jobs where the options say."""
    if options.executor is not None:
        return list(options.executor.map(pdf_units.lay_out, jobs))
    workers = min(options.jobs or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        return [pdf_units.lay_out(job) for job in jobs]
    # Forked workers start at once with WeasyPrint already imported; spawning would import it
    # again in each. macOS cannot fork safely, and gets the platform's default.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(pdf_units.lay_out, jobs))


def _anchor_pages(laid: dict[int, Laid], counts: Sequence[int]) -> dict[str, int]:
    """The page number (from 1) of every anchor, given each unit's page count."""
    pages: dict[str, int] = {}
    start = 1
    for index, count in enumerate(counts):
        for number, page in enumerate(laid[index].pages if index in laid else (), start):
            for name, _, _ in page.anchors:
                pages.setdefault(name, number)
        start += count
    return pages


def _salt(book: Book, styles: tuple[tuple[str, str | None], ...]) -> str:
    """Everything besides a unit's HTML that shapes its pages."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    digest.update(cache.code_digest((pdf_units, pdf_stamp, fetcher)).encode())
    for text, base in styles:
        digest.update(f"\0{base}\0{text}".encode())
    for folder in book.style_dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"\0{path}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"\0{book.base_url}\0{[str(f) for f in book.folders]}".encode())
    return digest.hexdigest()


def _key(salt: str, html: str) -> str:
    """A unit's cache key: its HTML and the bytes of every local file its HTML shows."""
    digest = hashlib.sha256(f"{salt}\0{html}".encode())
    position = html.find(_FILE_URL)
    while position != -1:
        end = html.find('"', position + len(_FILE_URL))
        url = html[position + 5 : end]
        try:
            path = Path(url2pathname(urlsplit(html_unescape(url)).path))
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except (OSError, ValueError):
            digest.update(b"\0missing")
        position = html.find(_FILE_URL, end)
    return digest.hexdigest()


def _hint_key(salt: str, unit: Sequence[Part]) -> str:
    return hashlib.sha256(f"{salt}\0hint\0{unit[0].name}".encode()).hexdigest()


def _hint(store: cache.Store | None, salt: str, unit: Sequence[Part]) -> int | None:
    """How many pages a unit that prints page numbers had last time, if it was built before."""
    value = store.get(_hint_key(salt, unit)) if store is not None else None
    return value if isinstance(value, int) else None


def _remember(store: cache.Store | None, salt: str, unit: Sequence[Part], pages: int) -> None:
    if store is not None and _hint(store, salt, unit) != pages:
        store.put(_hint_key(salt, unit), pages)


def _record(level: int, message: str, args: tuple[str, ...]) -> logging.LogRecord:
    """A worker's engine message as a log record again."""
    return logging.makeLogRecord(
        {"name": "weasyprint", "levelno": level, "levelname": logging.getLevelName(level),
         "msg": message, "args": args}
    )  # fmt: skip
