"""Atomic file output: a failed build leaves no half-written file, a killed one not for long."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    fd, name = tempfile.mkstemp(prefix=_prefix(target), suffix=_SUFFIX, dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; published outputs should be readable like any other file.
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(0o666 & ~umask)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


def temporary_folder(target: Path) -> Path:
    """A new hidden folder beside ``target``, named as ``sweep`` knows it; the caller removes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    return Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=_SUFFIX, dir=target.parent))


def sweep(target: Path) -> None:
    """Remove what builds that were killed left beside ``target``: never a live build's files."""
    own = re.compile(rf"\.{re.escape(target.name)}\.([0-9]+)\.[^/]*{re.escape(_SUFFIX)}")
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        found = own.fullmatch(entry.name)
        if found is None or not gone(int(found[1])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                Path(entry.path).unlink()


def _prefix(target: Path) -> str:
    # The process id in the name tells the next build whether the writer is still running.
    return f".{target.name}.{os.getpid()}."


def gone(pid: int) -> bool:
    """Whether no process ``pid`` runs any more (a zombie has stopped running too)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # noqa: PTH123
            # The state follows the command name, which is in parentheses and may hold any byte.
            return stat.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return False
