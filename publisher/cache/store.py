"""Work kept between builds: entries of plain data, checked when read, the folder kept under a cap.

An entry is named by a SHA-256 of everything its value depends on, so a stale entry is never
read: it is simply not asked for again. Entries are written atomically (a temporary file renamed
into place), so builds running at the same time can share a folder. Nothing read back can run
code: an entry is JSON and raw bytes behind a header with the format and a checksum, its size is
checked before it is read, and anything that does not verify is dropped, made again, and
reported once per build (``cache-corrupt``). The least recently used entries go first when the
folder outgrows its cap.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from publisher import __version__
from publisher.cache.data import Damaged, Data, Unstorable
from publisher.model import Diagnostic
from publisher.runtime import output

_TEMP = ".tmp"
_LEFT = re.compile(r"\.[0-9a-f]{1,16}\.([0-9]+)\..*\.tmp")
"""A temporary entry as ``Store.put`` names it, with the id of the process writing it."""

DEFAULT = Path(".publisher-cache")
"""Cache folder, relative to the project root (or to the working folder without a project)."""

FORMAT = "2"
"""Bumped when the layout of entries or of what the codecs write changes."""
LIMIT_MB = 1000
"""Default cap on the cache folder, in megabytes (``[cache] max_mb`` in publisher.toml)."""
MAX_ENTRY = 256_000_000
"""Largest entry read or written: a bigger file is damaged, a bigger value is not cached."""
CORRUPT = "cache-corrupt"
"""Diagnostic code of damaged entries."""

SUFFIX = ".entry"
_MAGIC = b"PUBCACHE"
# magic, format, length of the JSON, length of the bytes after it, SHA-256 of both.
_HEADER = struct.Struct(">8sIQQ32s")
_BLOB = "$b"

T = TypeVar("T")


def code_digest(modules: Iterable[ModuleType]) -> str:
    """A digest of the tool version and of the source of some modules: code changes miss.

    A package counts with every module in its folder, so that a module added to a stage is
    covered without being named here.
    """
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    for module in modules:
        for path in _sources(module):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _sources(module: ModuleType) -> list[Path]:
    """The source files of a module, or of every module of a package."""
    folders = getattr(module, "__path__", None)
    if folders is None:
        return [Path(str(module.__file__))]
    return sorted(path for folder in folders for path in Path(folder).glob("*.py"))


@dataclass(slots=True)
class Store:
    """One folder of entries, named by key."""

    folder: Path
    """Where the entries are."""
    damaged: list[tuple[Path, str]] = field(default_factory=list)
    """Entries found damaged and dropped in this build, with why."""

    def get(self, key: str) -> Data | None:
        """The value stored under ``key``, or None (missing, unreadable, or damaged and dropped)."""
        path = self.folder / f"{key}{SUFFIX}"
        try:
            data = _read(path)
        except FileNotFoundError:
            return None
        except Damaged as error:
            self._drop(path, str(error))
            return None
        except OSError as error:
            if error.errno not in (errno.ELOOP, errno.EISDIR):
                return None
            self._drop(path, "not a regular file")
            return None
        try:
            value = _decode(data)
        except Damaged as error:
            self._drop(path, str(error))
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # the mtime is when it was last used: the cap evicts by it
        return value

    def has(self, key: str) -> bool:
        """Whether an entry is there under ``key``, without reading or checking it."""
        return (self.folder / f"{key}{SUFFIX}").is_file()

    def load(self, key: str, read: Callable[[Data], T]) -> T | None:
        """The value stored under ``key`` as ``read`` makes it, or None; a misfit is dropped."""
        value = self.get(key)
        if value is None:
            return None
        try:
            return read(value)
        except Damaged as error:
            self._drop(self.folder / f"{key}{SUFFIX}", str(error))
            return None

    def put(self, key: str, value: Data) -> None:
        """Store a value; a folder that cannot be written is not an error, only a slower build."""
        try:
            data = _encode(value)
        except Unstorable:
            return
        if len(data) > MAX_ENTRY:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # The process id in the name lets `trim` tell a killed build's file from a live one's.
            prefix = f".{key[:16]}.{os.getpid()}."
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=_TEMP, dir=self.folder)
        except OSError:
            return
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            temp.replace(self.folder / f"{key}{SUFFIX}")
        except OSError:
            temp.unlink(missing_ok=True)

    def _drop(self, path: Path, reason: str) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            path.unlink()
        self.damaged.append((path, reason))


def report(stores: Iterable[Store | None]) -> list[Diagnostic]:
    """One warning for every damaged entry the stores met, or none."""
    found = [item for store in stores if store is not None for item in store.damaged]
    if not found:
        return []
    path, reason = found[0]
    count = f"{len(found)} damaged cache entries" if len(found) > 1 else "a damaged cache entry"
    message = f"{count} dropped and made again (this one: {reason})"
    return [Diagnostic(str(path), None, "warning", CORRUPT, message)]


def trim(root: Path, limit: int) -> None:
    """Remove what killed builds left, then the least recently used files past ``limit`` bytes."""
    files: list[tuple[int, int, Path]] = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            with contextlib.suppress(OSError):
                if (left := _LEFT.fullmatch(name)) and output.gone(int(left[1])):
                    path.unlink()
                    continue
                info = path.lstat()
                files.append((info.st_mtime_ns, info.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size


def clean(root: Path) -> bool:
    """Remove a cache folder and all it holds; False when there was none."""
    if not root.is_dir() or root.is_symlink():
        return False
    shutil.rmtree(root)
    return True


def _read(path: Path) -> bytes:
    """The bytes of a regular file no larger than an entry can be, without blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Damaged("not a regular file")
        if info.st_size > MAX_ENTRY:
            raise Damaged(f"{info.st_size:,} bytes, over the {MAX_ENTRY:,} an entry may have")
        return stream.read(MAX_ENTRY + 1)


def _encode(value: Data) -> bytes:
    blobs: list[bytes] = []
    try:
        tree = {"value": _tree(value, blobs), "blobs": [len(b) for b in blobs]}
        text = json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()
    except (RecursionError, ValueError) as error:
        raise Unstorable(str(error)) from None
    rest = b"".join(blobs)
    digest = hashlib.sha256(text + rest).digest()
    return _HEADER.pack(_MAGIC, int(FORMAT), len(text), len(rest), digest) + text + rest


def _decode(data: bytes) -> Data:
    if len(data) < _HEADER.size:
        raise Damaged("truncated header")
    magic, version, size, rest, digest = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise Damaged("not a cache entry")
    if version != int(FORMAT):
        raise Damaged(f"format {version}, not {FORMAT}")
    if _HEADER.size + size + rest != len(data):
        raise Damaged(f"{len(data):,} bytes where the header says {_HEADER.size + size + rest:,}")
    body = data[_HEADER.size :]
    if hashlib.sha256(body).digest() != digest:
        raise Damaged("checksum mismatch")
    try:
        text = body[:size].decode()
        tree = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Damaged(f"not JSON: {error}") from None
    if not isinstance(tree, dict) or sorted(tree) != ["blobs", "value"]:
        raise Damaged("no value")
    lengths = tree["blobs"]
    if not isinstance(lengths, list) or not all(type(n) is int and n >= 0 for n in lengths):
        raise Damaged("bad list of byte strings")
    if sum(lengths) != rest:
        raise Damaged("byte strings do not add up")
    starts = [size + sum(lengths[:i]) for i in range(len(lengths))]
    blobs = [body[start : start + n] for start, n in zip(starts, lengths, strict=True)]
    # Read again, each object turned into its value as the parser makes it: walking the tree
    # in Python afterwards took most of the time of loading a thousand cached layouts.
    value: Data = json.loads(text, object_hook=lambda item: _value(item, blobs))["value"]
    return value


def _tree(value: Data, blobs: list[bytes]) -> object:
    """JSON for a value: bytes become references to raw byte strings, ``$`` keys are escaped."""
    if isinstance(value, bytes):
        blobs.append(value)
        return {_BLOB: len(blobs) - 1}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {_escape(key): _tree(item, blobs) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [_tree(item, blobs) for item in value]
    raise Unstorable(f"{type(value).__name__} is not data")


def _escape(key: object) -> str:
    if not isinstance(key, str):
        raise Unstorable(f"key {key!r} is not text")
    return f"${key}" if key.startswith("$") else key


def _value(item: dict[str, Data], blobs: Sequence[bytes]) -> Data:
    """A JSON object's value: a reference to bytes (checked), or its keys unescaped."""
    if list(item) == [_BLOB]:
        index = item[_BLOB]
        if type(index) is not int or not 0 <= index < len(blobs):
            raise Damaged("bad reference to bytes")
        return blobs[index]
    if not any(key.startswith("$") for key in item):
        return item
    if any(not key.startswith("$$") for key in item if key.startswith("$")):
        raise Damaged("unknown $ key")
    return {(k[1:] if k.startswith("$") else k): v for k, v in item.items()}
