"""PDF units: runs of parts that start on a new page, and the worker that lays one out alone.

A unit is laid out after one page of scaffolding that puts its first page where the single pass
would have it: an empty copy of the part just before the unit (for sibling selectors such as
``.glance + .document``, and named pages) holding an empty copy of the title page (the first
page, and the book title for the running heads). The scaffolding page is dropped. What the
assembly needs is kept as plain data: page anchors, bookmarks, links to other units, the fonts'
glyphs, and the blocks that print page numbers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publisher import css
from publisher.cache.store import Store
from publisher.pdf import flow as pdf_flow
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf.fetcher import Fetcher
from publisher.pdf.fonts import Font
from publisher.rendering import render

BATCH_RUNS = 8
"""Documents per unit, on average, where short ones are laid out together."""
BATCH_BYTES = 48_000
"""HTML after which a batch of documents takes no more: long documents are units alone."""
BATCH_PARTS = 24
"""Most parts in a batch."""
TARGET = "publisher-target"
"""The counter that stands in for ``target-counter(…, page)`` in a unit that shows page numbers."""

_STARTS_PAGE = {
    "book": frozenset({"title", "toc", "section", "document", "sources", "colophon"}),
    "brief": frozenset({"title", "toc", "sources"}),
}
_ENDS_PAGE = {"book": _STARTS_PAGE["book"], "brief": frozenset({"title", "toc"})}
_BATCHED = frozenset({"section", "document"})
_LOCAL_LINK = re.compile(r'<a\b(?=[^>]*\bhref="#([^"]+)")')
_OPENING = re.compile(r"\s*(?:<!--.*?-->\s*)*<([\w:.-]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_ID = re.compile(r"""\s+id=(?:"[^"]*"|'[^']*')""")
_SCALE = 0.75
"""PDF points per CSS pixel."""


def units(parts: Sequence[render.Part], layout: str) -> list[tuple[render.Part, ...]]:
    """The parts in units that each start on a new page, in reading order.

    A unit is a run of parts that start on a new page, or several such runs of documents and
    section dividers: laying out a few short documents together saves the cost of a layout
    per document. Where a batch ends depends on its own documents only (a digest of a
    document's id, or the batch's size), so adding or changing a document changes its batch
    and no other, and the others stay cached.
    """
    starts, ends = _STARTS_PAGE.get(layout, frozenset()), _ENDS_PAGE.get(layout, frozenset())
    runs: list[list[render.Part]] = []
    for part in parts:
        if not runs or part.kind in starts or runs[-1][-1].kind in ends:
            runs.append([part])
        else:
            runs[-1].append(part)
    found: list[list[render.Part]] = []
    for run in runs:
        if found and _joins(found[-1], run):
            found[-1].extend(run)
        else:
            found.append(list(run))
    return [tuple(unit) for unit in found]


def _joins(batch: Sequence[render.Part], run: Sequence[render.Part]) -> bool:
    """Whether a run of body parts is laid out with the batch before it."""
    if not all(part.kind in _BATCHED for part in (*batch, *run)):
        return False
    if len(batch) >= BATCH_PARTS or sum(len(part.html) for part in batch) >= BATCH_BYTES:
        return False
    return not _closes(batch)


def _closes(batch: Sequence[render.Part]) -> bool:
    """Whether a batch ends after its last part, by a digest of that part's name alone."""
    digest = hashlib.sha256(batch[-1].name.encode()).digest()
    return digest[0] % BATCH_RUNS == 0


def flowing(unit: Sequence[render.Part], layout: str) -> pdf_flow.Counted | None:
    """The blocks of a unit laid out as a flow (``pdf_flow``), or None for a unit of another kind.

    A long part that lists documents is one (with what follows it on its last page); so is a
    run of documents that do not start pages.
    """
    if unit[0].kind in pdf_flow.KINDS:
        return pdf_flow.Counted(tuple(part.name for part in unit), children=True)
    runs_on = "document" not in _STARTS_PAGE.get(layout, ())
    if len(unit) > 1 and runs_on and all(part.kind in _BATCHED for part in unit):
        return pdf_flow.Counted(tuple(part.name for part in unit), children=False)
    return None


def shows_numbers(unit: Sequence[render.Part]) -> bool:
    """Whether a unit prints other units' page numbers (the contents, the at-a-glance table)."""
    return any(part.kind == "toc" for part in unit)


def rewrite(sheet: str) -> str | None:
    """A style sheet as units use it, or None if it counts pages in a way units cannot."""
    sheet = pdf_stamp.mark_counters(css.edit(sheet, _target_counter))
    return None if any(map(_unsupported, css.walk(css.parse(sheet)))) else sheet


def _target_counter(value: css.Node, source: css.Source) -> str | None:
    """``counter(TARGET…)`` for ``target-counter(attr(href), page…)``, keeping its style."""
    if not css.is_function(value, "target-counter"):
        return None
    arguments = css.arguments(value)
    if len(arguments) not in (2, 3) or not css.is_ident(arguments[1], "page"):
        return None
    if not _is_link_target(arguments[0]):
        return None
    style = "," + source(css.arguments(value, written=True)[2]) if len(arguments) == 3 else ""
    return f"counter({TARGET}{style})"


def _is_link_target(values: Sequence[css.Node]) -> bool:
    """Whether some values are ``attr(href)`` or ``attr(href url)``: where the link points."""
    if len(values) != 1 or not css.is_function(values[0], "attr"):
        return False
    names = css.arguments(values[0])
    if len(names) != 1 or any(token.type != "ident" for token in names[0]):
        return False
    return [token.value for token in names[0]] in (["href"], ["href", "url"])


def _unsupported(value: css.Node) -> bool:
    """Whether a value counts pages in a way units cannot: only one pass knows the numbers."""
    if css.is_function(value, "target-counter", "target-counters", "target-text"):
        return True
    if css.is_function(value, "counter", "counters"):
        return css.is_ident(css.arguments(value)[0], "page", "pages")
    return False


def scaffold(parts: Sequence[render.Part], index: int) -> str:
    """An empty page before ``parts[index]``: the part before it holding the title part."""
    if index == 0:
        return ""
    title = _empty(parts[0].html, ' style="break-after: auto"' if index > 1 else "")
    return title if index == 1 else _empty(parts[index - 1].html, "", title)


def number_links(html: str, pages: dict[str, int]) -> str:
    """Give every local link the page number of its target, where ``counter(TARGET)`` reads it."""
    return _LOCAL_LINK.sub(
        lambda m: f'<a style="counter-reset: {TARGET} {pages.get(m[1], 0)}"', html
    )


def local_links(html: str) -> list[str]:
    """The anchors that a unit's local links point at."""
    return _LOCAL_LINK.findall(html)


def _empty(html: str, style: str = "", inside: str = "") -> str:
    """A part's outer element without its id and content (but ``inside``), ``style`` added."""
    match = _OPENING.match(html)
    if match is None:
        raise ValueError("a part must be one element")
    attributes = _ID.sub("", match[2]).removesuffix("/")
    return f"<{match[1]}{attributes}{style}>{inside}</{match[1]}>"


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
    """What the assembly needs to know about one page of a unit."""

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
    """A unit laid out: its PDF, and what the assembly needs from it."""

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
    """Some laid-out pages as a PDF of their own, with what the assembly needs of them."""
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
    # Links to other units are added by the assembly, where their targets exist.
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

            found = pdf_stamp.find(content, glyphs, outside, layout.width / 2)
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
