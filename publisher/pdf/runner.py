"""Units laid out as they are asked for: from the cache, else by processes or any Executor."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from publisher.cache import store as cache
from publisher.pdf import flow as pdf_flow
from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import layouts as cache_layouts
from publisher.pdf import plan as pdf_plan
from publisher.pdf import units as pdf_units
from publisher.pdf.layouts import Layout
from publisher.pdf.units import Job
from publisher.reading import files
from publisher.runtime import workers

T = TypeVar("T")

RECYCLE = 40
"""Units a worker lays out before a new process takes its place: what one keeps only grows."""
WINDOW = 80
"""Documents of a run (the brief's) laid out at once: a window's pages, not the run's, are held
in memory; the run is laid out a window at a time, each from where the last one's pages hold."""
ROWS = 600
"""Blocks of a long part (the contents, the sources: entries, rows) laid out at once, likewise."""

_FILE_URL = 'src="file://'


_Sent = tuple[int, str, "_Flow | None", "_Window | None"]
"""What a job sent out is for: its unit, cache key, flow, and window of a run."""


@dataclass(frozen=True, slots=True)
class _Window:
    """Where a run of documents laid out a window at a time has got to."""

    job: Job
    """The whole unit's job, as the windows stand for it."""
    start: int
    """The block the window in work starts at."""
    stop: int
    """The block it stops before."""
    blocks: int
    """Blocks in the unit."""
    numbers: dict[str, int] | None
    """The page numbers its links print."""
    done: Layout = ()
    """Chunks laid out for good, before ``start``."""


@dataclass(frozen=True, slots=True)
class _Flow:
    """What a layout of a flowing part is compared with next time."""

    record: str
    """Where the last layout is kept."""
    blocks: tuple[str, ...]
    """Digests of the part's blocks in this layout."""
    kept: Layout = ()
    """Chunks of the last layout this one starts after."""


class Runner:
    """Lays units out and hands them back in the order they are done."""

    def __init__(
        self,
        jobs: Sequence[Job],
        salt: str,
        store: cache.Store | None,
        jobs_at_once: int | None,
        executor: Executor | None,
        flows: Mapping[int, pdf_flow.Flow] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.jobs, self.salt, self.store = jobs, salt, store
        self._programs: set[str] = set()
        """Font files found whole in the cache in this build."""
        self.flows = flows or {}
        self.progress = progress
        self.laid: dict[int, Layout] = {}
        """The latest layout of each unit."""
        self.busy: set[int] = set()
        """Units being laid out."""
        self.log: list[int] = []
        """Units laid out (not found in the cache), in order."""
        self.resumed: list[tuple[int, int]] = []
        """Flowing units laid out from a block on (unit, block), in order."""
        self._workers, self._executor = jobs_at_once, executor
        self.windows: list[tuple[int, int, int]] = []
        """Windows of runs laid out (unit, first block, block stopped before), in order."""
        self._ready: list[tuple[int, Layout]] = []
        self._running: dict[Future[Layout], _Sent] = {}
        self._queue: list[tuple[Job, _Sent]] = []
        """Jobs not handed to the executor yet: a pool of our own gets a few at a time."""
        self._owned: Executor | None = None
        self._sent = 0
        """Jobs handed to the pool of our own since it was started."""

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._queue.clear()
        if self._owned is None:
            return
        # An error or an interrupt: the work still queued or running is no longer wanted.
        if kind is not None and isinstance(self._owned, ProcessPoolExecutor):
            workers.stop(self._owned)
        else:
            self._owned.shutdown()

    def submit(self, index: int, numbers: dict[str, int] | None = None) -> None:
        """Lay a unit out, its links given ``numbers``: from the cache or in the background."""
        job = self.jobs[index]
        if numbers is not None:
            job = dataclasses.replace(job, html=pdf_plan.number_links(job.html, numbers))
        key = _key(self.salt, job)
        flow = self._flow(index, numbers)
        cached = self._get(key)
        self.busy.add(index)
        if cached is not None:
            self._ready.append((index, cached))
            if flow is not None:
                self._remember(flow, cached)
            return
        if flow is not None and self.store is not None:
            job, flow = self._resume(index, job, flow, numbers)
        window = _first_window(job, flow, numbers)
        if window is not None:
            self._send(index, key, flow, window)
            return
        self._start(job, (index, key, flow, None))

    def next(self) -> int | None:
        """The next unit laid out, or None when none is waited for."""
        done = self._ready.pop(0) if self._ready else self._done()
        if done is None:
            return None
        index, laid = done
        self.busy.discard(index)
        first = index not in self.laid
        self.laid[index] = laid
        if first and self.progress is not None:
            self.progress(len(self.laid), len(self.jobs))
        return index

    def _done(self) -> tuple[int, Layout] | None:
        """The next unit laid out in the background (a run: its last window), kept and cached."""
        while self._running or self._queue:
            self._fill()
            future = next(iter(wait(self._running, return_when=FIRST_COMPLETED).done))
            index, key, flow, window = self._running.pop(future)
            laid = future.result()
            if window is not None:
                following, laid = self._slide(window, laid)
                if following is not None:
                    self._send(index, key, flow, following)
                    continue
            laid = (*flow.kept, *laid) if flow is not None else laid
            self.log.append(index)
            if self.store is not None:
                self.store.put(key, cache_layouts.layout_data(laid))
            if flow is not None:
                self._remember(flow, laid)
            return index, laid
        return None

    def _send(self, index: int, key: str, flow: _Flow | None, window: _Window) -> None:
        """Lay out one window of a run: its HTML holds only the window's documents."""
        last = window.stop >= window.blocks
        html, start, counted = self.flows[index].window(
            window.numbers, window.start, None if last else window.stop
        )
        job = dataclasses.replace(window.job, html=html, start=start, flow=counted)
        self.windows.append((index, window.start, min(window.stop, window.blocks)))
        self._start(job, (index, key, flow, window))

    @staticmethod
    def _slide(window: _Window, laid: Layout) -> tuple[_Window | None, Layout]:
        """The next window, after the chunks of this one that the documents after it cannot
        move; None and the whole run's chunks after the last window.

        A chunk opened by a block at least ``flow.STEADY`` blocks before the window's end starts
        where it would in the whole run (as a layout resumed from a chunk does): the chunks before
        it are kept, and the next window starts at it. A window with no such chunk is laid out
        again, longer.
        """
        if window.stop >= window.blocks:
            return None, window.done + laid
        cut = next(
            (
                number
                for number in range(len(laid) - 1, 0, -1)
                if (block := laid[number].pages[0].opens) is not None
                and window.start < block
                and block + pdf_flow.STEADY <= window.stop
            ),
            None,
        )
        size = _size(window.job)
        if cut is None:
            return dataclasses.replace(window, stop=window.stop + size), ()
        block = laid[cut].pages[0].opens
        assert block is not None
        done = window.done + laid[:cut]
        return dataclasses.replace(window, start=block, stop=block + size, done=done), ()

    def _get(self, key: str) -> Layout | None:
        layout = self.store.load(key, cache_layouts.layout) if self.store is not None else None
        return layout if layout is not None and self._whole(layout) else None

    def _whole(self, layout: Layout) -> bool:
        """Whether the font files a cached layout was drawn with are kept too.

        The merge cuts each face from the file its units were laid out with: a layout whose file
        the cache lost (evicted, or damaged and dropped) is made again, which keeps the file again.
        """
        assert self.store is not None
        programs = {font.program for laid in layout for font in laid.fonts.values() if font.program}
        for program in programs - self._programs:
            if not pdf_fonts.available(self.store, program):
                return False
            self._programs.add(program)
        return True

    def _flow(self, index: int, numbers: dict[str, int] | None) -> _Flow | None:
        flow = self.flows.get(index)
        blocks = flow.blocks(numbers) if flow is not None else None
        if flow is None or blocks is None:
            return None
        around = f"{self.salt}\0{flow.name}\0{flow.context}"
        return _Flow(hashlib.sha256(around.encode()).hexdigest(), blocks)

    def _resume(
        self, index: int, job: Job, flow: _Flow, numbers: dict[str, int] | None
    ) -> tuple[Job, _Flow]:
        """The job that lays out only what changed since the last layout of a flowing unit."""
        assert self.store is not None
        last = self.store.load(flow.record, cache_layouts.flow)
        if last is None or not self._whole(last[1]):
            return job, flow
        blocks, layout = last
        found = pdf_flow.resume([laid.pages[0].opens for laid in layout], blocks, flow.blocks)
        if found is None:
            return job, flow
        html, start, counted = self.flows[index].window(numbers, found.block, None)
        self.resumed.append((index, found.block))
        tail = dataclasses.replace(job, html=html, start=start, flow=counted)
        return tail, dataclasses.replace(flow, kept=layout[: found.kept])

    def _remember(self, flow: _Flow, layout: Layout) -> None:
        """Keep a flowing part's layout as the one the next build starts from."""
        if self.store is None:
            return
        last = self.store.load(flow.record, cache_layouts.flow)
        if last is None or last[0] != flow.blocks:
            self.store.put(flow.record, cache_layouts.flow_data(flow.blocks, layout))

    def _start(self, job: Job, sent: _Sent) -> None:
        self._queue.append((job, sent))
        self._fill()

    def _fill(self) -> None:
        """Hand queued jobs to the executor: to a pool of our own, two a worker at most."""
        while self._queue:
            pool = self._pool()
            if pool is None or (pool is self._owned and len(self._running) >= 2 * self._count):
                return
            job, sent = self._queue.pop(0)
            self._running[pool.submit(pdf_units.lay_out, job)] = sent
            self._sent += 1

    def _pool(self) -> Executor | None:
        """The executor; None while a worn pool finishes its work before a new one replaces it.

        What WeasyPrint, Pango and fontconfig keep between layouts only grows (a 3,000-document
        book grew each worker from 180 to 700 MB): after ``RECYCLE`` jobs a worker, the pool is
        shut down once its work is done and a new one forked. A pool is made here, in the main
        thread, and never by the pool's own thread as ``max_tasks_per_child`` would (which
        Python forbids with fork, and which hangs in Python 3.11 when workers exit).
        """
        if isinstance(self._owned, ProcessPoolExecutor) and self._sent >= RECYCLE * self._count:
            if self._running:
                return None
            self._owned.shutdown()
            self._executor = self._owned = None
        if self._executor is None:
            self._sent = 0
            self._executor = self._owned = (
                workers.pool(self._count) if self._count > 1 else _InProcess()
            )
        return self._executor

    @property
    def _count(self) -> int:
        """Processes of a pool of our own: no more than there are CPUs or jobs."""
        return min(self._workers or workers.cpus(), workers.cpus(), len(self.jobs))


class _InProcess(Executor):
    """Runs each job when it is submitted: one worker needs no other process."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller with the future, as a pool does
            future.set_exception(error)
        return future


def _first_window(job: Job, flow: _Flow | None, numbers: dict[str, int] | None) -> _Window | None:
    """The first window of a flowing unit longer than a window; None for any other unit."""
    if flow is None or job.flow is None:
        return None
    first, blocks = job.flow.first, len(flow.blocks)
    if blocks - first <= _size(job):
        return None
    return _Window(job, first, first + _size(job), blocks, numbers)


def _size(job: Job) -> int:
    """Blocks in a window of a flowing unit: documents of a run, or a long part's entries."""
    return ROWS if job.flow is not None and job.flow.children else WINDOW


def _key(salt: str, job: Job) -> str:
    """A unit's cache key: what shapes its pages, and the bytes of every local file it shows."""
    fields = f"{salt}\0{job.start}\0{job.extra}\0{job.flow}\0{job.html}"
    digest = hashlib.sha256(fields.encode())
    html = job.html
    position = html.find(_FILE_URL)
    while position != -1:
        end = html.find('"', position + len(_FILE_URL))
        try:
            path = Path(url2pathname(urlsplit(unescape(html[position + 5 : end])).path))
            digest.update(files.digest(path))
        except (OSError, ValueError):
            digest.update(b"\0missing")
        position = html.find(_FILE_URL, end)
    return digest.hexdigest()
