"""Progress of a build as the user sees it: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar

from publisher.cli.console import State
from publisher.runtime.progress import Listener, Progress

EVERY = 5.0
"""Seconds between two lines about one stage in a log, at least (start and end aside)."""
ALIVE = 30.0
"""Seconds a log may go without a line while a build runs, at most."""
UNITS = {
    "reading": "files",
    "normalizing": "documents",
    "layout": "parts",
    "merging": "",
    "writing": "files",
}


@contextmanager
def showing(console: Console | None = None, log: bool = True) -> Iterator[Listener]:
    """A listener for a build's progress: a bar on a terminal, plain lines in a log, none if quiet.

    The bar is drawn on stderr; the lines go to stdout with the build's other news (stderr holds
    the diagnostics), unless ``log`` is False.
    """
    console = console or Console(stderr=True, highlight=False)
    if State.quiet:
        yield _silent
    elif console.is_terminal:
        with _bar(console) as tell:
            yield tell
    elif log:
        lines = Lines(click.echo)
        with lines.running():
            yield lines.tell
    else:
        yield _silent


def _silent(_: Progress) -> None:
    """Nothing is shown."""


@contextmanager
def _bar(console: Console) -> Iterator[Listener]:
    """A rich progress bar with one task for each stage of each edition."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
    )
    tasks: dict[tuple[str | None, str], TaskID] = {}
    with Bar(*columns, console=console) as bar:

        def tell(event: Progress) -> None:
            key = (event.edition, event.stage)
            if key not in tasks:
                name = f"{event.edition}: {event.stage}" if event.edition else event.stage
                tasks[key] = bar.add_task(name, total=event.total, unit=UNITS[event.stage])
            bar.update(tasks[key], completed=event.done, total=event.total)

        yield tell


@dataclass(slots=True)
class _Stage:
    """What a log has said of one stage."""

    started: float
    said: float
    done: int = 0
    total: int = 0
    ended: bool = False


class Lines:
    """Plain lines for a log: each stage's start and end, and its counts now and then."""

    def __init__(
        self,
        echo: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        every: float = EVERY,
        alive: float = ALIVE,
    ) -> None:
        self.echo, self.clock, self.every, self.alive = echo, clock, every, alive
        self.stages: dict[tuple[str | None, str], _Stage] = {}
        self.said = clock()
        self._lock = threading.Lock()

    def tell(self, event: Progress) -> None:
        """Hear one event; print a line if the stage starts or ends, or has been quiet a while."""
        with self._lock:
            now = self.clock()
            key = (event.edition, event.stage)
            stage = self.stages.get(key)
            if stage is None or (stage.ended and event.done < event.total):
                stage = _Stage(now, now, event.done, event.total, event.done >= event.total)
                self.stages[key] = stage
                self._say(key, stage, now)
                return
            if stage.ended:
                return
            stage.done, stage.total = event.done, event.total
            stage.ended = event.done >= event.total
            if stage.ended or now - stage.said >= self.every:
                self._say(key, stage, now)

    def beat(self) -> None:
        """Print a line if the log has had none for a while, so that it shows life."""
        with self._lock:
            now = self.clock()
            if now - self.said < self.alive:
                return
            running = [(key, s) for key, s in self.stages.items() if not s.ended]
            if running:
                self._say(*running[-1], now)
            else:
                self.said = now
                self.echo("working…")

    @contextmanager
    def running(self) -> Iterator[None]:
        """Beat every second in a thread while the build runs."""
        stop = threading.Event()

        def beating() -> None:
            while not stop.wait(1.0):
                self.beat()

        thread = threading.Thread(target=beating, name="progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _say(self, key: tuple[str | None, str], stage: _Stage, now: float) -> None:
        edition, name = key
        stage.said = self.said = now
        prefix = f"[{edition}] " if edition else ""
        unit = f" {UNITS[name]}" if UNITS[name] else ""
        counts = f"{prefix}{name}: {stage.done}/{stage.total}{unit}"
        if stage.done == 0 and not stage.ended:
            self.echo(counts)
        else:
            self.echo(f"{counts}, {_seconds(now - stage.started)}")


def _seconds(elapsed: float) -> str:
    """A duration for a log: ``31 s``, ``2 min 05 s``."""
    whole = round(elapsed)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"
