"""Plan → laid-out units: in a pool of processes or any Executor, or from the cache.

Every unit is laid out on its own and cached by the digest of its HTML and of everything else
that shapes its pages; where it lands in the book does not matter, since the page numbers in
running feet are stamped on after the merge (``stamp``). Units that print other units' page
numbers (the contents, the at-a-glance table) get them from the page counts (``_Numbering``).
A rebuild after one document changed lays out that document, and the contents if it moved them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher.cache.store import Store
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import layouts as cache_layouts
from publisher.pdf import plan as pdf_plan
from publisher.pdf import runner as pdf_runner
from publisher.pdf import units as pdf_units
from publisher.pdf.layouts import Layout
from publisher.pdf.plan import Plan
from publisher.pdf.units import Laid, Page
from publisher.rendering.options import OutputOptions
from publisher.rendering.render import Part
from publisher.runtime.progress import Progress

PASSES = 3
"""Most layouts of a unit that prints page numbers: its own length can move them."""


@dataclass(frozen=True, slots=True)
class Stores:
    """Where laid-out units are cached, and where the workers keep font files for the merge."""

    cache: Store | None
    """The cache's PDF folder; None: nothing is cached."""
    programs: Store
    """The original font files that the merge cuts each face from (``pdf_fonts.keep``)."""


@contextlib.contextmanager
def stores(options: OutputOptions) -> Iterator[Stores]:
    """The stores of one build: without a cache, font files last the build in a temporary folder."""
    if options.cache is not None:
        store = Store(options.cache / "pdf")
        yield Stores(store, store)
        return
    with tempfile.TemporaryDirectory(prefix="publisher-fonts-") as folder:
        yield Stores(None, Store(Path(folder)))


@dataclass(frozen=True, slots=True)
class LaidOut:
    """Every unit of a PDF laid out, as the merge takes them."""

    pieces: tuple[Laid, ...]
    """The laid-out pieces in reading order: one per unit, or the chunks of a flowing one."""
    records: tuple[logging.LogRecord, ...]
    """The engine's messages, each once."""
    refused: tuple[tuple[str, str], ...]
    """Resources the fetchers refused: (URL, reason)."""

    @property
    def pages(self) -> list[Page]:
        """Every page, in reading order."""
        return [page for piece in self.pieces for page in piece.pages]


@dataclass(frozen=True, slots=True)
class Stats:
    """What one build laid out (for tests and the curious)."""

    units: int
    """Units in the publication."""
    laid_out: tuple[tuple[str, ...], ...]
    """The parts of each unit laid out in this build (not taken from the cache), in order."""
    resumed: tuple[tuple[str, int], ...] = ()
    """Flowing parts laid out from a block on, not from their start: (name, block)."""
    windows: tuple[tuple[str, int, int], ...] = ()
    """Windows of a run laid out: (name of the run's first part, first block, block after)."""


last: Stats | None = None
"""Stats of the last build in this process."""


def lay_out(plan: Plan, options: OutputOptions, stores: Stores) -> LaidOut | None:
    """Every unit laid out, or None if one cannot be placed alone (``units.Unplaceable``)."""
    global last
    pdf_fonts.forget()
    store, units = stores.cache, plan.units
    jobs = [dataclasses.replace(job, programs=str(stores.programs.folder)) for job in plan.jobs]
    lengths = _lengths(store, plan.salt)
    numbering = _Numbering(units, jobs, lengths)
    # What the numbered units wait for first, so that their last layout runs beside the back
    # matter; and longest first, so that a long document does not start last and run alone.
    needed = set().union(*numbering.needs.values())
    others = sorted(
        set(range(len(units))) - numbering.targets.keys(),
        key=lambda i: (i not in needed, -len(jobs[i].html)),
    )
    tell = options.progress

    def laid_out(done: int, total: int) -> None:
        if tell is not None:
            tell(Progress("layout", done, total))

    laid_out(0, len(units))
    runner = pdf_runner.Runner(
        jobs, plan.salt, store, options.jobs, options.executor, plan.flows, laid_out
    )
    try:
        with runner:
            final = numbering.run(runner, others)
    except pdf_units.Unplaceable:
        return None
    layouts = [final.get(i, runner.laid[i]) for i in range(len(units))]
    laid = [piece for layout in layouts for piece in layout]
    now = {
        name: pages
        for unit, layout in zip(units, layouts, strict=True)
        for name, pages in _part_lengths(unit, _pages(layout)).items()
    }
    if store is not None and now != lengths:
        store.put(_lengths_key(plan.salt), now)
    last = Stats(
        len(units),
        tuple(tuple(part.name for part in units[i]) for i in runner.log),
        tuple((units[i][0].name, block) for i, block in runner.resumed),
        tuple((units[i][0].name, start, stop) for i, start, stop in runner.windows),
    )
    # A flowing part laid out again from a chunk on repeats the messages of its pages.
    messages = dict.fromkeys(message for piece in laid for message in piece.records)
    refused = dict.fromkeys(item for piece in laid for item in piece.refused)
    return LaidOut(tuple(laid), tuple(_record(*message) for message in messages), tuple(refused))


class _Numbering:
    """Lays out the units that print others' page numbers, as early as the numbers are known.

    Such a unit is laid out at once with the numbers that the page counts of the last build
    give (1 page for a unit never seen); once every unit before its last target is laid out,
    the numbers are worked out again, and the unit is laid out again only if they changed
    (its own length counts too), at most ``PASSES`` times. After one document is added at the
    end, the guess is right and the contents are laid out once, beside the new document.
    """

    def __init__(
        self,
        units: Sequence[tuple[Part, ...]],
        jobs: Sequence[pdf_units.Job],
        lengths: dict[str, int],
    ) -> None:
        self.units, self.jobs, self.lengths = units, jobs, lengths
        where = {part.name: number for number, unit in enumerate(units) for part in unit}
        self.targets = {
            index: sorted(set(pdf_plan.local_links(job.html)))
            for index, (unit, job) in enumerate(zip(units, jobs, strict=True))
            if pdf_plan.shows_numbers(unit)
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


def _lengths(store: Store | None, salt: str) -> dict[str, int]:
    """The page count of each part in the last build with the same styles."""
    value = store.load(_lengths_key(salt), cache_layouts.lengths) if store is not None else None
    return value or {}


def _record(level: int, message: str, args: tuple[str, ...]) -> logging.LogRecord:
    """A worker's engine message as a log record again."""
    return logging.makeLogRecord(
        {"name": "weasyprint", "levelno": level, "levelname": logging.getLevelName(level),
         "msg": message, "args": args}
    )  # fmt: skip
