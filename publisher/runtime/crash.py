"""Unexpected exceptions (bugs): kept with their traceback in a crash log, never shown raw."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher import __version__


@dataclass(frozen=True, slots=True)
class Crash:
    """An exception a stage did not expect, caught so that the other outputs are still written."""

    stage: str
    """What was running, e.g. ``writing dist/brief.pdf``."""
    traceback: str
    """The formatted traceback."""


def caught(stage: str, error: BaseException) -> Crash:
    """A crash record of an exception being handled."""
    return Crash(stage, "".join(traceback.format_exception(error)))


def write_log(folder: Path, crashes: Sequence[Crash], argv: Sequence[str]) -> Path:
    """Write every crash, with the version and the command line, to a new file in folder."""
    # The real time, not SOURCE_DATE_EPOCH: two crash logs of reproducible builds must not clash.
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    header = (
        f"publisher {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"command: {' '.join(argv)}\n"
        f"folder: {Path.cwd()}\n"
    )
    body = "".join(f"\n-- while {c.stage}:\n{c.traceback}" for c in crashes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{now}-{os.getpid()}.log"
    path.write_text(header + body, encoding="utf-8")
    return path


def report(folder: Path, crashes: Sequence[Crash]) -> str:
    """The one line for stderr: where the crash log is, or the traceback if it cannot be written."""
    stages = "; ".join(dict.fromkeys(c.stage for c in crashes))
    try:
        log = write_log(folder, crashes, sys.argv)
    except OSError as error:
        details = "".join(c.traceback for c in crashes)
        return (
            f"internal error while {stages} (a bug; could not write a crash log: "
            f"{error.strerror or error}):\n{details}"
        )
    return f"internal error while {stages} (a bug): please report it with {log}"
