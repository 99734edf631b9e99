"""What the command line prints: diagnostics, summaries, progress, and the exit codes."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    """Verbosity and diagnostics format chosen on the command line."""

    quiet = False
    verbose = False
    json = False
    """Diagnostics as JSON Lines on stderr; what else would go there goes to stdout."""


def report(
    diagnostics: Sequence[Diagnostic], editions: Mapping[Diagnostic, str] | None = None
) -> None:
    """Print diagnostics on stderr: errors in full, the others one line per code unless verbose.

    Quiet prints only the errors; JSON prints every diagnostic, with its edition if known.
    """
    if State.json:
        for diagnostic in diagnostics:
            click.echo(_json(diagnostic, (editions or {}).get(diagnostic)), err=True)
        return
    if State.verbose and not State.quiet:
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        return
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.severity == "error":
            click.echo(diagnostic.format(), err=True)
        elif not State.quiet:
            groups.setdefault((diagnostic.severity, diagnostic.code), []).append(diagnostic)
    for (severity, code), found in groups.items():
        if len(found) == 1:
            click.echo(found[0].format(), err=True)
        else:
            click.echo(f"{severity} {code} \u00d7{len(found)}, e.g. {_example(found[0])}", err=True)
    if any(len(found) > 1 for found in groups.values()):
        click.echo("(one line per code: -v prints every one, --ignore CODE drops a code)", err=True)


def _example(diagnostic: Diagnostic) -> str:
    """A diagnostic without its severity and code, which its group line gives."""
    line = diagnostic.format().removesuffix(f" [{diagnostic.code}]")
    return line.replace(f": {diagnostic.severity}: ", ": ", 1)


def _json(diagnostic: Diagnostic, edition: str | None) -> str:
    """One diagnostic as one line of JSON."""
    fields = {
        "path": diagnostic.path,
        "line": diagnostic.line,
        "col": diagnostic.col,
        "severity": diagnostic.severity,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "edition": edition,
    }
    return json.dumps(fields, ensure_ascii=False)


def editions_of(about: Sequence[tuple[str, Sequence[Diagnostic]]]) -> dict[Diagnostic, str]:
    """The edition of each diagnostic that is about one edition only."""
    seen: dict[Diagnostic, set[str]] = {}
    for edition, diagnostics in about:
        for diagnostic in diagnostics:
            seen.setdefault(diagnostic, set()).add(edition)
    return {d: names.pop() for d, names in seen.items() if len(names) == 1}


def aside(message: str) -> None:
    """A message for the user beside the diagnostics: stderr, or stdout when that holds JSON."""
    click.echo(message, err=not State.json)


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
    aside(crash.report(root / CACHE, crashes))
    sys.exit(EXIT_CRASH)


def has_errors(diagnostics: Sequence[Diagnostic]) -> bool:
    """Whether any diagnostic is an error."""
    return any(d.severity == "error" for d in diagnostics)
