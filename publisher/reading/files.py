"""Bounded reads of regular files: a FIFO, a device or a huge file never stalls a build."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

_CHUNK = 1 << 20


class Refused(OSError):
    """A file not read: something other than a regular file, or larger than the limit."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(errno.EINVAL, message)
        self.code = code
        """``not-regular-file`` or ``too-large``."""


def read(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; OSError (maybe Refused) otherwise."""
    fd = _open(path)
    with os.fdopen(fd, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Refused("too-large", f"larger than {limit:,} bytes")
    return data


def digest(path: Path, limit: int | None = None) -> bytes:
    """SHA-256 of a regular file's bytes (its first ``limit + 1`` only), read in chunks."""
    fd = _open(path)
    hashed = hashlib.sha256()
    left = -1 if limit is None else limit + 1
    with os.fdopen(fd, "rb") as stream:
        while left and (chunk := stream.read(_CHUNK if left < 0 else min(left, _CHUNK))):
            hashed.update(chunk)
            left -= len(chunk) if left > 0 else 0
    return hashed.digest()


def _open(path: Path) -> int:
    """A descriptor of a regular file, opened so that a FIFO or device cannot block or start."""
    # A look before opening spares a device the side effects of an open (a tape rewinds).
    _check(path.stat().st_mode)
    # O_NONBLOCK: a FIFO put in the file's place since is opened at once, then refused below.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        _check(os.fstat(fd).st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check(mode: int) -> None:
    """Refuse anything but a regular file, saying what it is."""
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "something else")
    raise Refused("not-regular-file", f"not a regular file but {kind}")
