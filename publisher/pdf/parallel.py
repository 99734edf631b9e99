"""A PDF laid out in units: in a pool of processes or any Executor, cached, then assembled.

Every unit is laid out on its own and cached by the digest of its HTML and of everything else
that shapes its pages; where it lands in the book does not matter, since the page numbers in
running feet are stamped on at assembly (``pdf_stamp``). Units that print other units' page
numbers (the contents, the at-a-glance table) get them from the page counts (``_Numbering``).
A rebuild after one document changed lays out that document, and the contents if it moved them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import weasyprint

from publisher.cache import store as cache
from publisher.model import Diagnostic
from publisher.pdf import fetcher
from publisher.pdf import flow as pdf_flow
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import fontset as pdf_fontset
from publisher.pdf import layouts as cache_layouts
from publisher.pdf import merge as pdf_merge
from publisher.pdf import runner as pdf_runner
from publisher.pdf import stamp as pdf_stamp
from publisher.pdf import units as pdf_units
from publisher.pdf.layouts import Layout
from publisher.pdf.units import Job, Page
from publisher.reading import files
from publisher.rendering.options import OutputOptions
from publisher.rendering.render import Part

PASSES = 3
"""Most layouts of a unit that prints page numbers: its own length can move them."""


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
    laid_out: tuple[tuple[str, ...], ...]
    """The parts of each unit laid out in this build (not taken from the cache), in order."""
    resumed: tuple[tuple[str, int], ...] = ()
    """Flowing parts laid out from a block on, not from their start: (name, block)."""


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


Outcome = tuple[bytes, list[logging.LogRecord], list[tuple[str, str]], list[Diagnostic]]
"""The PDF, the engine's messages, the refused resources and the damaged cache entries met."""


def lay_out(book: Book, units: Sequence[tuple[Part, ...]], options: OutputOptions) -> Outcome:
    """The PDF, the engine's messages and the refused resources, as one pass would give them."""
    pdf_fonts.forget()
    if options.cache is not None:
        store = cache.Store(options.cache / "pdf")
        return _lay_out(book, units, options, store, store)
    # Without a cache, the font files that workers keep for the assembly last one build.
    with tempfile.TemporaryDirectory(prefix="publisher-fonts-") as folder:
        return _lay_out(book, units, options, None, cache.Store(Path(folder)))


def _lay_out(
    book: Book,
    units: Sequence[tuple[Part, ...]],
    options: OutputOptions,
    store: cache.Store | None,
    programs: cache.Store,
) -> Outcome:
    global last
    styles = tuple((pdf_units.rewrite(text) or "", base) for text, base in book.styles)
    salt = _salt(book, styles)
    folders = tuple(str(folder.resolve()) for folder in book.folders)
    position = {id(part): index for index, part in enumerate(book.parts)}
    counted = [pdf_units.flowing(unit, book.layout) for unit in units]
    flows = {
        number: _flow(book, unit, position, number == 0, blocks)
        for number, (unit, blocks) in enumerate(zip(units, counted, strict=True))
        if blocks is not None
    }
    jobs = [
        Job(
            book.page(_scaffold(book.parts, position[id(unit[0])]) + unit, number == 0),
            unit[0].name,
            styles,
            pdf_units.rewrite(book.style(unit)) or "",
            folders,
            book.base_url,
            blocks,
            str(programs.folder),
        )
        for number, (unit, blocks) in enumerate(zip(units, counted, strict=True))
    ]
    lengths = _lengths(store, salt)
    numbering = _Numbering(units, jobs, lengths)
    # What the numbered units wait for first, so that their last layout runs beside the back
    # matter; and longest first, so that a long document does not start last and run alone.
    needed = set().union(*numbering.needs.values())
    others = sorted(
        set(range(len(units))) - numbering.targets.keys(),
        key=lambda i: (i not in needed, -len(jobs[i].html)),
    )
    runner = pdf_runner.Runner(
        jobs, salt, store, options.jobs, options.executor, flows, options.progress
    )
    with runner:
        final = numbering.run(runner, others)
    layouts = [final.get(i, runner.laid[i]) for i in range(len(units))]
    laid = [piece for layout in layouts for piece in layout]
    now = {
        name: pages
        for unit, layout in zip(units, layouts, strict=True)
        for name, pages in _part_lengths(unit, _pages(layout)).items()
    }
    if store is not None and now != lengths:
        store.put(_lengths_key(salt), now)
    data, records = pdf_merge.assemble(laid, book.identifier, programs, store)
    last = Stats(
        len(units),
        tuple(tuple(part.name for part in units[i]) for i in runner.log),
        tuple((units[i][0].name, block) for i, block in runner.resumed),
    )
    # A flowing part laid out again from a chunk on repeats the messages of its pages.
    messages = dict.fromkeys(message for piece in laid for message in piece.records)
    refused = dict.fromkeys(item for piece in laid for item in piece.refused)
    engine = [_record(*message) for message in messages] + records
    return data, engine, list(refused), cache.report([store])


class _Numbering:
    """Lays out the units that print others' page numbers, as early as the numbers are known.

    Such a unit is laid out at once with the numbers that the page counts of the last build
    give (1 page for a unit never seen); once every unit before its last target is laid out,
    the numbers are worked out again, and the unit is laid out again only if they changed
    (its own length counts too), at most ``PASSES`` times. After one document is added at the
    end, the guess is right and the contents are laid out once, beside the new document.
    """

    def __init__(
        self, units: Sequence[tuple[Part, ...]], jobs: Sequence[Job], lengths: dict[str, int]
    ) -> None:
        self.units, self.jobs, self.lengths = units, jobs, lengths
        where = {part.name: number for number, unit in enumerate(units) for part in unit}
        self.targets = {
            index: sorted(set(pdf_units.local_links(job.html)))
            for index, (unit, job) in enumerate(zip(units, jobs, strict=True))
            if pdf_units.shows_numbers(unit)
        }
        self.needs = {
            index: set(range(max((where.get(t, len(units) - 1) for t in targets), default=0) + 1))
            | {index}
            for index, targets in self.targets.items()
        }
        self.final: dict[int, Layout] = {}
        self.used: dict[int, dict[str, int]] = {}
        self.passes = dict.fromkeys(self.targets, 0)

    def run(self, runner: pdf_runner.Runner, others: Sequence[int]) -> dict[int, Layout]:
        """Lay out every unit; the layouts of the numbered ones whose numbers are right."""
        # The numbered units first: they are long, and a guess is enough to start them.
        self._advance(runner)
        for index in others:
            runner.submit(index)
        while runner.next() is not None:
            self._advance(runner)
        return self.final

    def _advance(self, runner: pdf_runner.Runner) -> None:
        """Accept the numbered layouts whose numbers proved right; lay out again the others."""
        for index in sorted(self.targets.keys() - self.final.keys() - runner.busy):
            exact = self._numbers(index, runner.laid, exact=True)
            if exact is not None and self.used.get(index) == exact:
                self.final[index] = runner.laid[index]
                continue
            # A guess is laid out once, at the start; after that only numbers known for sure.
            if exact is None and index in self.used:
                continue
            numbers = exact if exact is not None else self._numbers(index, runner.laid, False)
            if numbers is not None and self.passes[index] < PASSES:
                runner.submit(index, numbers)
                self.used[index] = numbers
                self.passes[index] += 1

    def _numbers(self, index: int, laid: dict[int, Layout], exact: bool) -> dict[str, int] | None:
        """The page number of each target; None if ``exact`` and a unit it needs is not laid out."""
        if exact and not self.needs[index] <= laid.keys():
            return None
        pages: dict[str, int] = {}
        start = 1
        for number, unit in enumerate(self.units):
            if number in laid:
                shown = _pages(laid[number])
                for page, info in enumerate(shown, start):
                    for name, _, _ in info.anchors:
                        pages.setdefault(name, page)
                start += len(shown)
            else:
                # Not laid out yet: each part as long as it was last time (a new one: 1 page).
                for part in unit:
                    pages.setdefault(part.name, start)
                    start += self.lengths.get(part.name, 1)
        return {target: pages.get(target, 0) for target in self.targets[index]}


def _scaffold(parts: Sequence[Part], first: int) -> tuple[Part, ...]:
    html = pdf_units.scaffold(parts, first)
    return (Part("", "title", "", parts[0].lang, html),) if html else ()


def _salt(book: Book, styles: tuple[tuple[str, str | None], ...]) -> str:
    """Everything besides a unit's own HTML and style sheet that shapes its pages."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    modules = (pdf_units, pdf_fonts, pdf_flow, pdf_stamp, fetcher, cache_layouts)
    digest.update(cache.code_digest(modules).encode())
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
        return html if numbers is None else pdf_units.number_links(html, numbers)

    around = book.page(_scaffold(book.parts, position[id(unit[0])]), metadata)
    if counted.children:
        return _part_flow(unit, f"{around}\0{book.style(unit)}", page, counted)
    # Each document's own style rules go with it: adding one adds rules for it alone.
    digests = pdf_flow.run_digests([f"{part.html}\0{book.style((part,))}" for part in unit])

    def tail(numbers: dict[str, int] | None, block: int) -> tuple[str, str, pdf_flow.Counted]:
        first = dataclasses.replace(unit[block], html=pdf_flow.opened(unit[block].html))
        names = pdf_flow.Counted(tuple(part.name for part in unit[block:]), False, block)
        return page(block, (first, *unit[block + 1 :]), numbers), first.name, names

    return pdf_flow.Flow(unit[0].name, f"{around}\0{book.style(())}", lambda _: digests, tail)


def _part_flow(
    unit: tuple[Part, ...],
    context: str,
    page: Callable[[int, tuple[Part, ...], dict[str, int] | None], str],
    counted: pdf_flow.Counted,
) -> pdf_flow.Flow:
    """A long part (and what follows it on its last page) as a flow of its children."""
    part = unit[0]

    def digests(numbers: dict[str, int] | None) -> tuple[str, ...] | None:
        shown = [
            p.html if numbers is None else pdf_units.number_links(p.html, numbers) for p in unit
        ]
        return pdf_flow.digests(shown[0], shown[1:])

    def tail(numbers: dict[str, int] | None, block: int) -> tuple[str, str, pdf_flow.Counted]:
        html, start = pdf_flow.tail(part.html, block)
        shown = (dataclasses.replace(part, html=html), *unit[1:])
        return page(0, shown, numbers), start, dataclasses.replace(counted, first=block)

    return pdf_flow.Flow(part.name, context, digests, tail)


def _pages(layout: Layout) -> list[Page]:
    return [page for laid in layout for page in laid.pages]


def _part_lengths(unit: Sequence[Part], pages: Sequence[Page]) -> dict[str, int]:
    """How many pages each part of a laid-out unit fills, from where each one starts."""
    first: dict[str, int] = {}
    for number, page in enumerate(pages):
        for name, _, _ in page.anchors:
            first.setdefault(name, number)
    starts = [(part.name, first[part.name]) for part in unit if part.name in first]
    ends = [start for _, start in starts[1:]] + [len(pages)]
    return {name: end - start for (name, start), end in zip(starts, ends, strict=True)}


def _lengths_key(salt: str) -> str:
    return hashlib.sha256(f"{salt}\0lengths".encode()).hexdigest()


def _lengths(store: cache.Store | None, salt: str) -> dict[str, int]:
    """The page count of each part in the last build with the same styles."""
    value = store.load(_lengths_key(salt), cache_layouts.lengths) if store is not None else None
    return value or {}


def _record(level: int, message: str, args: tuple[str, ...]) -> logging.LogRecord:
    """A worker's engine message as a log record again."""
    return logging.makeLogRecord(
        {"name": "weasyprint", "levelno": level, "levelname": logging.getLevelName(level),
         "msg": message, "args": args}
    )  # fmt: skip
