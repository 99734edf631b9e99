"""The fault test: ``publisher build`` killed at random moments, by SIGKILL or Ctrl-C.

After each kill: every output is the old one intact or a new one complete, no process of the
build is left, and the next build leaves no temporary file and gives the bytes of a
``--no-cache`` build. Two kills (Ctrl-C, then SIGKILL) run in the normal suite;
PUBLISHER_KILLS=50 runs more, and PUBLISHER_KILL_SEED picks other moments.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import descendants, start, survivors

KILLS = int(os.environ.get("PUBLISHER_KILLS", "2"))
SEED = int(os.environ.get("PUBLISHER_KILL_SEED", "2026"))
OUTPUTS = ("dist/book.pdf", "dist/collection.epub")
CONFIG = """[book]
title = "Killed"

[sources]
paths = ["content"]

[editions.book]
format = "pdf"
layout = "book"
output = "dist/book.pdf"

[editions.collection]
format = "epub"
output = "dist/collection.epub"
"""

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="processes are seen in /proc")


def _run(folder: Path, *extra: str) -> subprocess.Popen[str]:
    return start([sys.executable, "-m", "publisher", "build", "-j", "2", *extra], folder)


def _build(folder: Path, *extra: str) -> None:
    process = _run(folder, *extra)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr


def _put(folder: Path, documents: dict[str, bytes]) -> None:
    content = folder / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    for name, data in documents.items():
        (content / name).write_bytes(data)


def _outputs(folder: Path) -> dict[str, bytes | None]:
    return {
        name: (folder / name).read_bytes() if (folder / name).exists() else None for name in OUTPUTS
    }


@pytest.fixture(scope="module")
def documents(sample_corpus: Path) -> dict[str, bytes]:
    """Ten White House statements."""
    paths = sorted((sample_corpus / "whitehouse").glob("*.md"))[1::4][:10]
    return {path.name: path.read_bytes() for path in paths}


def _edited(documents: dict[str, bytes], version: int) -> dict[str, bytes]:
    """The documents with one of them edited: each version is new to the cache."""
    name = sorted(documents)[3]
    added = f"\n\nA paragraph added while the book was built, version {version}.\n".encode()
    return {**documents, name: documents[name] + added}


def _reference(folder: Path, documents: dict[str, bytes]) -> dict[str, bytes | None]:
    """What a ``--no-cache`` build of these documents writes, in a folder of its own."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "publisher.toml").write_text(CONFIG)
    _put(folder, documents)
    _build(folder, "--no-cache")
    return _outputs(folder)


def _temporary(folder: Path) -> list[str]:
    """Temporary files and folders in the project, the cache's own store aside."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.name.endswith(".tmp") and ".publisher-cache" not in path.parts
    )


def test_a_killed_build_loses_nothing(tmp_path: Path, documents: dict[str, bytes]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "publisher.toml").write_text(CONFIG)
    _put(project, documents)
    _build(project)
    # The builds killed below are like this one: one document changed, the rest cached.
    _put(project, _edited(documents, 0))
    started = time.monotonic()
    _build(project)
    took = time.monotonic() - started
    shown = _outputs(project)
    assert shown == _reference(tmp_path / "reference", _edited(documents, 0))
    pick = random.Random(SEED)
    for kill in range(1, KILLS + 1):
        how = (signal.SIGKILL, signal.SIGINT)[kill % 2]
        moment = pick.uniform(0.2, took)
        where = f"kill {kill}: {how.name} after {moment:.2f} s (seed {SEED})"
        _put(project, _edited(documents, kill))
        process = _run(project)
        time.sleep(moment)
        running = descendants(process.pid) | {process.pid}
        if how == signal.SIGINT:
            os.killpg(process.pid, how)
        else:
            process.send_signal(how)
        sent = time.monotonic()
        process.wait(timeout=60)
        stopped = time.monotonic() - sent
        left = survivors(running, 5)
        # Killed here, not only reported: they would hold the output pipes open for ever.
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=60)
        assert left == set(), f"{where}: processes left running"
        if how == signal.SIGINT:
            # Done, interrupted, or killed by the signal itself: SIGINT has its default action
            # before the interpreter has started and again while it finalizes after the build; a
            # shell shows 130 for both.
            assert process.returncode in (0, 130, -signal.SIGINT), f"{where}: {stderr}"
            if process.returncode == 0:
                assert "documents read" in stdout, f"{where}: {stdout}"
            assert "Traceback" not in stderr, where
            assert stopped < 2, f"{where}: Ctrl-C took {stopped:.2f} s"
        wanted = _reference(tmp_path / "reference", _edited(documents, kill))
        for name, data in _outputs(project).items():
            assert data in (shown[name], wanted[name]), f"{where}: {name} is neither old nor new"
        _build(project)
        assert _temporary(project) == [], where
        assert _outputs(project) == wanted, where
        shown = wanted
