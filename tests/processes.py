"""Processes seen through /proc: a build's workers, and whether they outlive it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

PROC = Path("/proc")


def start(argv: Sequence[str], folder: Path) -> subprocess.Popen[str]:
    """Start a command in ``folder`` with a fixed build date, its output kept for the test."""
    return subprocess.Popen(
        list(argv),
        cwd=folder,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own process group, as a shell gives a command: Ctrl-C is sent to the group.
        start_new_session=True,
    )


def _stat(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name, or None once the process is gone."""
    try:
        data = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # The command name is in parentheses and may hold any byte, ")" included.
    return data.rpartition(b")")[2].split()


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie has exited; only its parent's reaping is left)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != b"Z"


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid``, and theirs, that are running now."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, of in parents.items() if of == parent} - found
        found |= children
        todo.extend(children)
    return {child for child in found if alive(child)}


def forks(pid: int) -> set[int]:
    """The running descendants of ``pid`` that are copies of it (workers), not other programs."""
    command = _command(pid)
    return {child for child in descendants(pid) if _command(child) == command}


def _command(pid: int) -> bytes | None:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None


def survivors(pids: set[int], seconds: float) -> set[int]:
    """Those of ``pids`` still running after ``seconds`` (returns as soon as none is)."""
    deadline = time.monotonic() + seconds
    while (left := {pid for pid in pids if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def wait_for(pid: int, count: int, seconds: float) -> set[int]:
    """The forked workers of ``pid`` once there are ``count`` of them (or after ``seconds``)."""
    deadline = time.monotonic() + seconds
    before: set[int] = set()
    # Seen twice: a program started by fork and exec is a copy too, for a moment.
    while time.monotonic() < deadline:
        found = forks(pid)
        if len(found & before) >= count:
            return found & before
        before = found
        time.sleep(0.2)
    return before
