"""Units laid out as they are asked for: from the cache, else by processes or any Executor."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from html import unescape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from publisher import cache, pdf_units
from publisher.pdf_units import Job, Laid

T = TypeVar("T")

_FILE_URL = 'src="file://'


class Runner:
    """Lays units out and hands them back in the order they are done."""

    def __init__(
        self,
        jobs: Sequence[Job],
        salt: str,
        store: cache.Store | None,
        jobs_at_once: int | None,
        executor: Executor | None,
    ) -> None:
        self.jobs, self.salt, self.store = jobs, salt, store
        self.laid: dict[int, Laid] = {}
        """The latest layout of each unit."""
        self.busy: set[int] = set()
        """Units being laid out."""
        self.log: list[int] = []
        """Units laid out (not found in the cache), in order."""
        self._workers, self._executor = jobs_at_once, executor
        self._ready: list[tuple[int, Laid]] = []
        self._running: dict[Future[Laid], tuple[int, str]] = {}
        self._owned: Executor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *_: object) -> None:
        if self._owned is not None:
            self._owned.shutdown()

    def submit(self, index: int, html: str | None = None) -> None:
        """Lay a unit out (``html`` replaces its own): from the cache or in the background."""
        job = self.jobs[index] if html is None else dataclasses.replace(self.jobs[index], html=html)
        key = _key(self.salt, job)
        cached = self.store.get(key) if self.store is not None else None
        if isinstance(cached, Laid):
            self._ready.append((index, cached))
        else:
            self._running[self._pool().submit(pdf_units.lay_out, job)] = (index, key)
        self.busy.add(index)

    def next(self) -> int | None:
        """The next unit laid out, or None when none is waited for."""
        if self._ready:
            index, laid = self._ready.pop(0)
        elif self._running:
            future = next(iter(wait(self._running, return_when=FIRST_COMPLETED).done))
            index, key = self._running.pop(future)
            laid = future.result()
            self.log.append(index)
            if self.store is not None:
                self.store.put(key, laid)
        else:
            return None
        self.busy.discard(index)
        self.laid[index] = laid
        return index

    def _pool(self) -> Executor:
        if self._executor is None:
            workers = self._workers or os.cpu_count() or 1
            self._executor = self._owned = _processes(workers) if workers > 1 else _InProcess()
        return self._executor


def _processes(workers: int) -> Executor:
    # Forked workers start at once with WeasyPrint already imported; spawning would import it
    # again in each. macOS cannot fork safely, and gets the platform's default.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    return ProcessPoolExecutor(workers, mp_context=context)


class _InProcess(Executor):
    """Runs each job when it is submitted: one worker needs no other process."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller with the future, as a pool does
            future.set_exception(error)
        return future


def _key(salt: str, job: Job) -> str:
    """A unit's cache key: what shapes its pages, and the bytes of every local file it shows."""
    digest = hashlib.sha256(f"{salt}\0{job.start}\0{job.extra}\0{job.html}".encode())
    html = job.html
    position = html.find(_FILE_URL)
    while position != -1:
        end = html.find('"', position + len(_FILE_URL))
        try:
            path = Path(url2pathname(urlsplit(unescape(html[position + 5 : end])).path))
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except (OSError, ValueError):
            digest.update(b"\0missing")
        position = html.find(_FILE_URL, end)
    return digest.hexdigest()
