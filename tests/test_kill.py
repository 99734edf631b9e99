"""The fault test: ``publisher build`` killed at random moments, by SIGKILL or Ctrl-C.

After each kill: every output is the old one intact or a new one complete, no process of the
build is left, and the next build leaves no temporary file and gives the bytes of a
``--no-cache`` build. A few kills run in the normal suite; PUBLISHER_KILLS=50 runs more, and
PUBLISHER_KILL_SEED picks other moments.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import descendants, survivors

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


@dataclass(frozen=True)
class State:
    """One version of the project's documents, and what a --no-cache build makes of it."""

    documents: dict[str, bytes]
    outputs: dict[str, bytes]


def _run(folder: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    return subprocess.Popen(
        [sys.executable, "-m", "publisher", "build", "-j", "2", *extra],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own process group, as a shell gives a command: Ctrl-C is sent to the group.
        start_new_session=True,
    )


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
def states(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> tuple[State, State, float]:
    """Two versions of ten statements (the second edits one), and how long a cold build takes."""
    paths = sorted((corpus / "whitehouse").glob("*.md"))[5::59][:10]
    first = {path.name: path.read_bytes() for path in paths}
    second = dict(first)
    edited = paths[3].name
    second[edited] = first[edited] + b"\n\nA paragraph added while the book was being built.\n"
    made = []
    for number, documents in enumerate((first, second)):
        folder = tmp_path_factory.mktemp(f"reference-{number}")
        (folder / "publisher.toml").write_text(CONFIG)
        _put(folder, documents)
        started = time.monotonic()
        _build(folder, "--no-cache")
        took = time.monotonic() - started
        outputs = {name: (folder / name).read_bytes() for name in OUTPUTS}
        made.append(State(documents, outputs))
    return made[0], made[1], took


def _temporary(folder: Path) -> list[str]:
    """Temporary files and folders in the project, the cache's own store aside."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.name.endswith(".tmp") and ".publisher-cache" not in path.parts
    )


def test_a_killed_build_loses_nothing(tmp_path: Path, states: tuple[State, State, float]) -> None:
    first, second, took = states
    (tmp_path / "publisher.toml").write_text(CONFIG)
    _put(tmp_path, first.documents)
    _build(tmp_path)
    assert _outputs(tmp_path) == first.outputs
    shown = first
    pick = random.Random(SEED)
    for kill in range(KILLS):
        wanted = second if shown is first else first
        how = (signal.SIGKILL, signal.SIGINT)[kill % 2]
        moment = pick.uniform(0.2, took)
        where = f"kill {kill}: {how.name} after {moment:.2f} s (seed {SEED})"
        _put(tmp_path, wanted.documents)
        process = _run(tmp_path)
        time.sleep(moment)
        running = descendants(process.pid) | {process.pid}
        if how == signal.SIGINT:
            os.killpg(process.pid, how)
        else:
            process.send_signal(how)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        stopped = time.monotonic() - sent
        if how == signal.SIGINT:
            assert process.returncode in (0, 130), f"{where}: {stderr}"
            assert "Traceback" not in stderr, where
            assert stopped < 2, f"{where}: Ctrl-C took {stopped:.2f} s"
        assert survivors(running, 5) == set(), where
        for name, data in _outputs(tmp_path).items():
            assert data in (shown.outputs[name], wanted.outputs[name]), f"{where}: {name}"
        _build(tmp_path)
        assert _temporary(tmp_path) == [], where
        assert _outputs(tmp_path) == wanted.outputs, where
        shown = wanted
