"""Job → laid-out unit: the worker that lays one unit out alone, in any process.

The job's HTML starts with scaffolding (``plan``); the pages before the one that holds the unit's
first element are dropped. What the merge needs is kept as plain data: page anchors, bookmarks,
links to other units, the fonts' glyphs, and the blocks that print page numbers, each cut into
a content stream of its own for the stamp.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publisher.cache.store import Store
from publisher.pdf import flow as pdf_flow
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf.fetcher import Fetcher
from publisher.pdf.fonts import Font

_SCALE = 0.75
"""PDF points per CSS pixel."""


class Unplaceable(ValueError):
    """A unit whose first element has no box (a theme hides it): only one pass can place it."""


@dataclass(frozen=True, slots=True)
class Job:
    """What a worker needs to lay out one unit: plain data that any executor can send."""

    html: str
    """The whole HTML document: scaffolding, then the unit's parts."""
    start: str
    """Id of the unit's first element; pages before the one that holds it are scaffolding."""
    styles: tuple[tuple[str, str | None], ...]
    """Style sheets as (text, base URL), in cascade order: the same for every unit."""
    extra: str
    """The unit's own style sheet, last in the cascade."""
    folders: tuple[str, ...]
    """Folders the fetcher may read."""
    base_url: str | None
    """Base URL of the document."""
    flow: pdf_flow.Counted | None = None
    """The blocks of a flowing unit (``pdf_flow``), whose pages are written in chunks."""
    programs: str = ""
    """Folder of the store where the original font files go (``pdf_fonts.keep``); "": none."""


@dataclass(frozen=True, slots=True)
class Page:
    """What the merge needs to know about one page of a unit."""

    anchors: tuple[tuple[str, float, float], ...]
    """Named destinations: (name, x, y) in PDF points."""
    bookmarks: tuple[tuple[int, str, float, float, str], ...]
    """Bookmarks: (level, label, x, y, state)."""
    links: tuple[tuple[str, tuple[float, float, float, float]], ...]
    """Links to anchors of other units: (name, rectangle)."""
    stamps: tuple[tuple[int, pdf_stamp.Stamp], ...]
    """Blocks that print page numbers: (index in the page's content array, template)."""
    opens: int | None = None
    """In a flowing part, the block the page opens with, if none of it is on the page before."""


@dataclass(frozen=True, slots=True)
class Laid:
    """A unit laid out: its PDF, and what the merge needs from it."""

    pdf: bytes
    """The unit's pages as a PDF of their own."""
    pages: tuple[Page, ...]
    """One entry per page."""
    fonts: dict[str, Font]
    """Fonts by resource name."""
    records: tuple[tuple[int, str, tuple[str, ...]], ...]
    """Engine messages: (level, format, arguments)."""
    refused: tuple[tuple[str, str], ...]
    """Resources the fetcher refused: (URL, reason)."""


_prepared: dict[tuple[tuple[str, str | None], ...], tuple[FontConfiguration, list[CSS]]] = {}
_fetchers: dict[tuple[str, ...], Fetcher] = {}


def lay_out(job: Job) -> tuple[Laid, ...]:
    """Lay one unit out (in any process): the worker function. A flowing part comes in chunks."""
    if job.folders not in _fetchers:
        # One project at a time: a long-lived process does not keep every earlier one's.
        _fetchers.clear()
        _prepared.clear()
        _fetchers[job.folders] = Fetcher(map(Path, job.folders))
    fetcher = _fetchers[job.folders]
    refused = len(fetcher.refused)
    with engine_log() as records:
        fonts, stylesheets = _styles(job.styles, fetcher)
        own = CSS(string=job.extra, url_fetcher=fetcher, font_config=fonts)
        del records[:]
        html = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher)
        document = html.render(stylesheets=[*stylesheets, own], font_config=fonts)
        first = next((i for i, p in enumerate(document.pages) if job.start in p.anchors), None)
        if first is None:
            raise Unplaceable(f"#{job.start} is laid out nowhere")
        kept = document.pages[first:]
        bounds = [(0, len(kept))]
        opens: list[int | None] = [None] * len(kept)
        if job.flow is not None:
            opens = pdf_flow.openings(html.etree_element, job.flow, kept)
            bounds = pdf_flow.chunks(opens)
        programs = Store(Path(job.programs)) if job.programs else None
        written = [_write(document, kept[a:b], opens[a:b], programs) for a, b in bounds]
        messages = tuple(
            (r.levelno, str(r.msg), tuple(map(str, r.args if isinstance(r.args, tuple) else ())))
            for r in records
        )
    found = tuple(fetcher.refused[refused:])
    return tuple(
        Laid(data, pages, fonts_used, messages if number == 0 else (), found if number == 0 else ())
        for number, (data, pages, fonts_used) in enumerate(written)
    )


def _write(
    document: Any, kept: Sequence[Any], opens: Sequence[int | None], programs: Store | None
) -> tuple[bytes, tuple[Page, ...], dict[str, Font]]:
    """Some laid-out pages as a PDF of their own, with what the merge needs of them."""
    names = {name for page in kept for name in page.anchors} - {pdf_flow.MARKER}
    pages = [
        dataclasses.replace(_page(page, names), opens=block)
        for page, block in zip(kept, opens, strict=True)
    ]
    unit = document.copy(kept)
    data = unit.write_pdf()
    fonts_used = pdf_fonts.used(unit.fonts.values(), programs)
    return (*_cut_stamps(data, pages, fonts_used, kept), fonts_used)


def _styles(
    styles: tuple[tuple[str, str | None], ...], fetcher: Fetcher
) -> tuple[FontConfiguration, list[CSS]]:
    """Parsed style sheets, kept per process: a worker lays out many units with the same ones."""
    if styles not in _prepared:
        _prepared.clear()
        fonts = FontConfiguration()
        sheets = [
            CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=fonts)
            for text, base in styles
        ]
        _prepared[styles] = (fonts, sheets)
    return _prepared[styles]


def _page(page: Any, own: set[str]) -> Page:
    """A laid-out page's anchors, bookmarks and foreign links, in PDF coordinates."""
    height = page.height

    def point(x: float, y: float) -> tuple[float, float]:
        return x * _SCALE, (height - y) * _SCALE

    anchors = tuple(
        (name, *point(x, y)) for name, (x, y, *_) in page.anchors.items() if name in own
    )
    bookmarks = tuple(
        (level, label, *point(x, y), state) for level, label, (x, y), state in page.bookmarks
    )
    links = []
    kept = []
    for link in page.links:
        kind, target, (x1, y1, x2, y2), _ = link
        if kind == "internal" and target not in own:
            links.append((target, (*point(x1, y1), *point(x2, y2))))
        else:
            kept.append(link)
    # Links to other units are added by the merge, where their targets exist.
    page.links[:] = kept
    return Page(anchors, bookmarks, tuple(links), ())


def _cut_stamps(
    data: bytes, pages: list[Page], fonts: dict[str, Font], laid: Sequence[Any]
) -> tuple[bytes, tuple[Page, ...]]:
    """Move each block that prints a page number into a content stream of its own."""
    glyphs = {name: (font.text, font.widths) for name, font in fonts.items()}
    out: list[Page] = []
    changed = False
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page, info, layout in zip(pdf.pages, pages, laid, strict=True):
            content = page.obj.Contents.read_bytes()
            box = layout._page_box
            top = box.content_box_y()
            bottom = top + box.height

            def outside(y: float, top: float = top, bottom: float = bottom) -> bool:
                return y < top or y > bottom

            found = pdf_stamp.find(page, glyphs, outside, layout.width / 2)
            if not found:
                out.append(info)
                continue
            pieces: list[bytes] = []
            stamps = []
            position = 0
            for start, end, stamp in found:
                pieces.append(content[position:start])
                stamps.append((len(pieces), stamp))
                pieces.append(content[start:end])
                position = end
            pieces.append(content[position:])
            page.obj.Contents = pikepdf.Array([pdf.make_stream(piece) for piece in pieces])
            out.append(dataclasses.replace(info, stamps=tuple(stamps)))
            changed = True
        if not changed:
            return data, tuple(out)
        buffer = io.BytesIO()
        pdf.save(buffer, compress_streams=True, deterministic_id=True)
        return buffer.getvalue(), tuple(out)


class _Records(logging.Handler):
    """Keeps the log records of one layout."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def engine_log() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's warnings and errors, kept instead of logged."""
    logger = logging.getLogger("weasyprint")
    handler = _Records()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
