"""Book → Plan: the units a PDF is laid out in, and the job that lays out each one.

A unit is a run of parts that start on a new page. Each is laid out on its own, after one page
of scaffolding that puts its first page where the single pass would have it: an empty copy of
the part just before the unit (for sibling selectors such as ``.glance + .document``, and named
pages) holding an empty copy of the title page (the first page, and the book title for the
running heads). The worker drops the scaffolding page (``units.lay_out``). Style sheets are
rewritten for units: page counters print marks that are stamped later (``stamp``), and
``target-counter`` reads a counter each link is given (``number_links``). A PDF that units
cannot make is laid out in one pass: no jobs, a PDF variant, a layout without units, or a style
sheet that counts pages in a way units cannot print.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import weasyprint

from publisher import css, pdf
from publisher.cache import store as cache
from publisher.pdf import flow as pdf_flow
from publisher.pdf import fontset as pdf_fontset
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf.prepare import Book
from publisher.pdf.units import Job
from publisher.reading import files
from publisher.rendering.options import OutputOptions
from publisher.rendering.render import Part

BATCH_RUNS = 8
"""Documents per unit, on average, where short ones are laid out together."""
BATCH_BYTES = 48_000
"""HTML after which a batch of documents takes no more: long documents are units alone."""
BATCH_PARTS = 24
"""Most parts in a batch."""
TARGET = "publisher-target"
"""The counter that stands in for ``target-counter(…, page)`` in a unit that shows page numbers."""

_STARTS_PAGE = {
    "book": frozenset({"title", "toc", "news", "section", "document", "sources", "colophon"}),
    "brief": frozenset({"title", "toc", "news", "sources"}),
}
_ENDS_PAGE = {"book": _STARTS_PAGE["book"], "brief": frozenset({"title", "toc", "news"})}
_BATCHED = frozenset({"section", "document"})
_LOCAL_LINK = re.compile(r'<a\b(?=[^>]*\bhref="#([^"]+)")')
_OPENING = re.compile(r"\s*(?:<!--.*?-->\s*)*<([\w:.-]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_ID = re.compile(r"""\s+id=(?:"[^"]*"|'[^']*')""")
_COUNTING = ("counter", "target-", "\\")
"""What a sheet that counts pages holds: the functions, or an escape that could spell one."""


@dataclass(frozen=True, slots=True)
class Plan:
    """The units of a PDF, and what lays out each one."""

    units: tuple[tuple[Part, ...], ...]
    """Runs of parts that each start on a new page, in reading order."""
    jobs: tuple[Job, ...]
    """The job that lays out each unit; the lay-out says where its font files go."""
    flows: Mapping[int, pdf_flow.Flow]
    """The flowing units by number, as the runner lays them out again from a block on."""
    salt: str
    """Everything besides a unit's own HTML and style sheet that shapes its pages."""


def plan(book: Book, options: OutputOptions) -> Plan | None:
    """The units to lay out and their jobs, or None when the PDF must be laid out in one pass."""
    if options.jobs == 0 or options.pdf_variant is not None or book.layout not in ("book", "brief"):
        return None
    if any(rewrite(text) is None for text, _ in book.styles):
        return None
    found = units(book.parts, book.layout, book.breaks)
    if len(found) <= 1:
        return None
    styles = tuple((rewrite(text) or "", base) for text, base in book.styles)
    folders = tuple(str(folder.resolve()) for folder in book.folders)
    position = {id(part): index for index, part in enumerate(book.parts)}
    counted = [flowing(unit, book.layout) for unit in found]
    flows = {
        number: _flow(book, unit, position, number == 0, blocks)
        for number, (unit, blocks) in enumerate(zip(found, counted, strict=True))
        if blocks is not None
    }
    jobs = tuple(
        Job(
            book.page(_scaffold(book.parts, position[id(unit[0])]) + unit, number == 0),
            unit[0].name,
            styles,
            rewrite(book.style(unit)) or "",
            folders,
            book.base_url,
            blocks,
        )
        for number, (unit, blocks) in enumerate(zip(found, counted, strict=True))
    )
    return Plan(tuple(found), jobs, flows, _salt(book, styles))


def units(
    parts: Sequence[Part], layout: str, breaks: frozenset[str] = frozenset()
) -> list[tuple[Part, ...]]:
    """The parts in units that each start on a new page, in reading order.

    A unit is a run of parts that start on a new page, or several such runs of documents and
    section dividers: laying out a few short documents together saves the cost of a layout
    per document. Where a batch ends depends on its own documents only (a digest of a
    document's id, or the batch's size), so adding or changing a document changes its batch
    and no other, and the others stay cached.
    """
    starts, ends = _STARTS_PAGE.get(layout, frozenset()), _ENDS_PAGE.get(layout, frozenset())
    runs: list[list[Part]] = []
    for part in parts:
        if not runs or part.kind in starts or part.name in breaks or runs[-1][-1].kind in ends:
            runs.append([part])
        else:
            runs[-1].append(part)
    found: list[list[Part]] = []
    for run in runs:
        if found and run[0].name not in breaks and _joins(found[-1], run):
            found[-1].extend(run)
        else:
            found.append(list(run))
    return [tuple(unit) for unit in found]


def _joins(batch: Sequence[Part], run: Sequence[Part]) -> bool:
    """Whether a run of body parts is laid out with the batch before it."""
    if not all(part.kind in _BATCHED for part in (*batch, *run)):
        return False
    if len(batch) >= BATCH_PARTS or sum(len(part.html) for part in batch) >= BATCH_BYTES:
        return False
    return not _closes(batch)


def _closes(batch: Sequence[Part]) -> bool:
    """Whether a batch ends after its last part, by a digest of that part's name alone."""
    digest = hashlib.sha256(batch[-1].name.encode()).digest()
    return digest[0] % BATCH_RUNS == 0


def flowing(unit: Sequence[Part], layout: str) -> pdf_flow.Counted | None:
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


def shows_numbers(unit: Sequence[Part]) -> bool:
    """Whether a unit prints other units' page numbers (the contents, the at-a-glance table)."""
    return any(part.kind == "toc" for part in unit)


def rewrite(sheet: str) -> str | None:
    """A style sheet as units use it, or None if it counts pages in a way units cannot."""
    if not any(word in sheet.lower() for word in _COUNTING):
        # Nothing to rewrite (each unit's own sheet, most often): parsing a thousand of them
        # took two seconds of a rebuild.
        return sheet
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


def scaffold(parts: Sequence[Part], index: int) -> str:
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


def _scaffold(parts: Sequence[Part], first: int) -> tuple[Part, ...]:
    html = scaffold(parts, first)
    return (Part("", "title", "", parts[0].lang, html),) if html else ()


def _salt(book: Book, styles: tuple[tuple[str, str | None], ...]) -> str:
    """Everything besides a unit's own HTML and style sheet that shapes its pages."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    # Every module of the backend (this one writes the units' HTML and style sheets), and
    # the style-sheet editing it relies on.
    digest.update(cache.code_digest((pdf, css)).encode())
    digest.update(pdf_fontset.digest().encode())
    for text, base in styles:
        digest.update(f"\0{base}\0{text}".encode())
    for folder in book.style_dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            # As the file system has it: a name that is not UTF-8 cannot be encoded as text.
            digest.update(b"\0" + os.fsencode(path) + b"\0" + files.digest(path))
    folders = [str(folder.resolve()) for folder in book.folders]
    digest.update(f"\0{book.base_url}\0{folders}".encode())
    return digest.hexdigest()


def _flow(
    book: Book,
    unit: tuple[Part, ...],
    position: dict[int, int],
    metadata: bool,
    counted: pdf_flow.Counted,
) -> pdf_flow.Flow:
    """A flowing unit, as the runner lays it out again from a block on."""

    def page(block: int, shown: tuple[Part, ...], numbers: dict[str, int] | None) -> str:
        """The HTML document of some parts that take the place of ``unit[block:]``."""
        html = book.page(_scaffold(book.parts, position[id(unit[block])]) + shown, metadata)
        return html if numbers is None else number_links(html, numbers)

    around = book.page(_scaffold(book.parts, position[id(unit[0])]), metadata)
    if counted.children:
        return _part_flow(unit, f"{around}\0{book.style(unit)}", page, counted)
    # Each document's own style rules go with it: adding one adds rules for it alone.
    digests = pdf_flow.run_digests([f"{part.html}\0{book.style((part,))}" for part in unit])

    def window(
        numbers: dict[str, int] | None, block: int, stop: int | None = None
    ) -> tuple[str, str, pdf_flow.Counted]:
        """The run's documents from ``block`` (on a new page, but the first) to ``stop``."""
        shown = list(unit[block:stop])
        if block:
            shown[0] = dataclasses.replace(shown[0], html=pdf_flow.opened(shown[0].html))
        names = pdf_flow.Counted(tuple(part.name for part in shown), False, block)
        return page(block, tuple(shown), numbers), shown[0].name, names

    context = f"{around}\0{book.style(())}"
    return pdf_flow.Flow(unit[0].name, context, lambda _: digests, window)


def _part_flow(
    unit: tuple[Part, ...],
    context: str,
    page: Callable[[int, tuple[Part, ...], dict[str, int] | None], str],
    counted: pdf_flow.Counted,
) -> pdf_flow.Flow:
    """A long part (and what follows it on its last page) as a flow of its children."""
    part = unit[0]

    def digests(numbers: dict[str, int] | None) -> tuple[str, ...] | None:
        shown = [p.html if numbers is None else number_links(p.html, numbers) for p in unit]
        return pdf_flow.digests(shown[0], shown[1:])

    def window(
        numbers: dict[str, int] | None, block: int, stop: int | None = None
    ) -> tuple[str, str, pdf_flow.Counted]:
        """The part from ``block`` (on a new page, but the first) to ``stop``; what follows the
        part goes with its last block."""
        html, start = pdf_flow.tail(part.html, block, stop)
        shown = (dataclasses.replace(part, html=html), *(unit[1:] if stop is None else ()))
        return page(0, shown, numbers), start, dataclasses.replace(counted, first=block)

    return pdf_flow.Flow(part.name, context, digests, window)
