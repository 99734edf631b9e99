"""Find the source files: files, folders and glob patterns, with excludes, in a stable order."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePath

from publisher.model import Diagnostic
from publisher.reading.reader import BODY_FORMATS

_GLOB_MAGIC = re.compile(r"[*?[]")


def find(
    inputs: Sequence[str], excludes: Sequence[str] = ()
) -> tuple[list[tuple[Path, Path]], list[Diagnostic]]:
    """Every (file, root) pair the inputs name, in a stable order, and the problems met.

    A file is its own input and its parent is the root. A folder is searched recursively for
    document files, skipping hidden names; it is the root. A glob pattern (``**`` allowed) is
    rooted at its longest leading folder without wildcards. An exclude is a glob matched
    with ``fnmatch`` against the root-relative path and each of its folders (``drafts``
    excludes ``drafts/a.md``; ``*`` also matches ``/``). Files come sorted by root, in the
    order the inputs first name it, then by relative path by code point; a file reached
    twice is listed once, at its first place.
    """
    found: list[tuple[int, str, Path, Path]] = []
    problems: list[Diagnostic] = []
    roots: dict[Path, int] = {}
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            root, candidates, guarded = path, _walk(path), True
        elif path.exists():
            root, candidates, guarded = path.parent, iter([path]), False
        elif _GLOB_MAGIC.search(given):
            root, guarded = _glob_root(given), True
            # glob.glob, not Path.glob: it skips hidden names and its `**` matches files too.
            matches = [Path(match) for match in glob.glob(given, recursive=True)]  # noqa: PTH207
            documents = [m for m in matches if m.is_file() and _is_document(m.name)]
            candidates = iter(documents)
            if not documents:
                problems.append(_missing(given, f"no document matches '{given}'"))
        else:
            problems.append(_missing(given, "no such file or folder"))
            continue
        order = roots.setdefault(root, len(roots))
        real_root = root.resolve()
        for file in candidates:
            rel = file.relative_to(root).as_posix()
            if _excluded(rel, excludes):
                continue
            # A user who names a file means it; a link met while searching must stay inside.
            if not _utf8(str(file)):
                shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
                message = "the file name is not valid UTF-8; rename it to include it"
                problems.append(Diagnostic(shown, None, "error", "file-name-encoding", message))
            elif guarded and not file.resolve().is_relative_to(real_root):
                message = "symbolic link to outside the source folder; skipped"
                problems.append(Diagnostic(rel, None, "warning", "symlink-escape", message))
            elif not file.is_dir():
                found.append((order, rel, file, root))
    found.sort(key=lambda item: item[:2])
    seen: set[Path] = set()
    pairs: list[tuple[Path, Path]] = []
    for _, _, file, root in found:
        if (real := file.resolve()) not in seen:
            seen.add(real)
            pairs.append((file, root))
    return pairs, problems


def _walk(root: Path) -> Iterator[Path]:
    """Document files under root, hidden names skipped, and the folder links met on the way."""
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        # os.walk does not enter linked folders: one that stays inside the root is searched
        # anyway, one that leaves it is reported, and neither can loop.
        yield from (here / name for name in subfolders if (here / name).is_symlink())
        yield from (here / name for name in sorted(files) if _is_document(name))


def _is_document(name: str) -> bool:
    """Whether a file name is a visible document the reader knows."""
    return not name.startswith(".") and PurePath(name).suffix.lower() in BODY_FORMATS


def _utf8(name: str) -> bool:
    """Whether a name from the file system was valid UTF-8."""
    # Python keeps undecodable bytes as lone surrogates, which no XML, hash or terminal accepts.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _glob_root(pattern: str) -> Path:
    """The longest leading folder of a glob pattern that holds no wildcard."""
    parts = PurePath(pattern).parts
    depth = next(i for i, part in enumerate(parts) if _GLOB_MAGIC.search(part))
    return Path(*parts[:depth])


def _excluded(rel: str, excludes: Sequence[str]) -> bool:
    """Whether rel, or one of the folders it is in, matches an exclude pattern."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(fnmatchcase(prefix, pattern) for pattern in excludes for prefix in prefixes)


def _missing(given: str, message: str) -> Diagnostic:
    """The error for an input that names nothing."""
    return Diagnostic(given, None, "error", "source-missing", message)
