"""Worker processes that never outlive the build: they die with it, and an interrupt stops them."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends a process when its parent exits."""
_WATCH_SECONDS = 1.0
"""How often a worker without prctl looks whether its parent is still there."""

_live: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
"""Pools of this process not stopped yet, for an interrupt to stop wherever it lands."""


def cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that exit when this one dies, even by SIGKILL."""
    # Forked workers start at once with the parsers and WeasyPrint already imported; spawning
    # would import them again in each. macOS cannot fork safely, and gets its default.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    executor = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_guard, initargs=(os.getpid(),)
    )
    _live.add(executor)
    return executor


@contextlib.contextmanager
def running(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool that is shut down when the block ends, and stopped at once if it ends in error."""
    executor = pool(workers)
    try:
        yield executor
    except BaseException:
        stop(executor)
        raise
    _live.discard(executor)
    executor.shutdown()


def stop_all() -> None:
    """Stop every pool still running: on an interrupt, before the process exits."""
    for executor in list(_live):
        stop(executor)


def stop(executor: ProcessPoolExecutor) -> None:
    """Drop the queued work and kill the workers now, not once their current work is done."""
    # Python 3.14 has ProcessPoolExecutor.kill_workers(); before it, the processes are private.
    found = list((getattr(executor, "_processes", None) or {}).values())
    _live.discard(executor)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in found:
        process.kill()
    for process in found:
        process.join()


def _guard(parent: int) -> None:
    """In a new worker: leave interrupts to the parent, and exit as soon as the parent is gone."""
    # A Ctrl-C reaches the whole process group; the parent stops the workers itself, so that
    # none prints a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    # The parent may have died before the kernel was told: then no signal will ever come.
    if os.getppid() != parent:
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux to kill this process when its parent exits; False where that cannot be done."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    """Exit once the parent is gone (the worker is then adopted by another process)."""
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
