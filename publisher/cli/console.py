"""What the command line prints: diagnostics, summaries, progress, and the exit codes."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

from publisher.cache.store import DEFAULT as CACHE
from publisher.model import Diagnostic
from publisher.projects import config
from publisher.runtime import crash

EXIT_OK, EXIT_DOCUMENT_ERRORS, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a program that a closed pipe ended, as for git."""
EXIT_INTERRUPTED = 128 + signal.SIGINT

_stderr = Console(stderr=True, highlight=False)


class State:
    """Verbosity chosen on the command line."""

    quiet = False
    verbose = False


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Print diagnostics on stderr, only errors when quiet."""
    for diagnostic in diagnostics:
        if State.quiet and diagnostic.severity != "error":
            continue
        click.echo(diagnostic.format(), err=True)


def summary(files: int, included: int, diagnostics: Sequence[Diagnostic]) -> str:
    """The closing line of a build or check: documents read, included, skipped, warnings."""
    warnings = sum(d.severity == "warning" for d in diagnostics)
    return (
        f"{files} documents read, {included} included, {files - included} skipped, "
        f"{warnings} warnings"
    )


def info(message: str) -> None:
    """Print a line on stdout unless quiet."""
    if not State.quiet:
        click.echo(message)


def parts(done: int, total: int) -> str:
    """Progress of the PDF layout, for the spinner."""
    return f"PDF parts laid out: {done} of {total}…"


@contextmanager
def progress(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr, only on a terminal, so pipes and make logs stay clean."""
    if State.quiet or not _stderr.is_terminal:
        yield lambda _: None
        return
    with _stderr.status(message) as status:
        yield lambda text: status.update(text)


def crashed(crashes: Sequence[crash.Crash], root: Path | None = None) -> None:
    """One line naming the crash log, and the exit code that tells a bug from bad input."""
    if root is None:
        try:
            found = config.find(Path.cwd())
        except OSError:  # the working folder itself is gone
            found = None
        root = found.parent if found else Path()
    click.echo(crash.report(root / CACHE, crashes), err=True)
    sys.exit(EXIT_CRASH)


def has_errors(diagnostics: Sequence[Diagnostic]) -> bool:
    """Whether any diagnostic is an error."""
    return any(d.severity == "error" for d in diagnostics)
