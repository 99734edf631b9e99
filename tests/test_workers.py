"""Worker processes: they die with the build, there are no more than can work, Ctrl-C stops all.

Each test runs the real CLI in a child process with one stage slowed down (a worker sleeps
instead of working), so that the moment of the kill finds the workers busy.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from processes import descendants, start, survivors, wait_for

from publisher.runtime import workers

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or workers.cpus() < 2, reason="needs Linux /proc and two CPUs"
)

# The stage's function is replaced before the CLI runs; forked workers inherit the change.
SCRIPT = """
import sys, time
from publisher.normalizing import documents as cache_documents
from publisher.pdf import units as pdf_units
from publisher.cli.commands import main

def slow(*args, **kwargs):
    time.sleep(120)
    raise AssertionError("a slowed stage was not stopped")

stage, *args = sys.argv[1:]
if stage == "normalizing":
    cache_documents.PARALLEL_FROM = 2
    cache_documents._normalize_one = slow
else:
    pdf_units.lay_out = slow
main(args, prog_name="publisher")
"""

STAGES = {
    "normalizing": ["check", "content"],
    "layout": ["build", "content", "-f", "pdf", "-o", "out/book.pdf", "--no-cache", "-j", "2"],
}


@pytest.fixture
def folder(tmp_path: Path, sample_corpus: Path) -> Path:
    """Ten White House statements in ``content``."""
    (tmp_path / "content").mkdir()
    for path in sorted((sample_corpus / "whitehouse").glob("*.md"))[::4][:10]:
        shutil.copy(path, tmp_path / "content")
    return tmp_path


@dataclass
class Launched:
    """A CLI started in a child process, and the workers seen under it."""

    process: subprocess.Popen[str] | None = None
    seen: set[int] = field(default_factory=set)

    def workers(self, count: int) -> set[int]:
        """Its forked workers, once ``count`` of them run."""
        assert self.process is not None
        found = wait_for(self.process.pid, count, 90)
        self.seen |= found
        return found


@pytest.fixture
def launch() -> Iterator[Launched]:
    """A CLI to start; what it leaves running is killed at the end, whatever the outcome."""
    launched = Launched()
    yield launched
    if launched.process is not None:
        launched.seen |= descendants(launched.process.pid)
        if launched.process.poll() is None:
            launched.process.kill()
    # Before reading to the end of the output: workers left running hold the pipes open.
    for pid in survivors(launched.seen, 0):
        os.kill(pid, signal.SIGKILL)
    if launched.process is not None:
        launched.process.communicate()


def _start(folder: Path, stage: str, args: list[str], launch: Launched) -> subprocess.Popen[str]:
    """Run the CLI with ``stage`` slowed down."""
    launch.process = start([sys.executable, "-c", SCRIPT, stage, *args], folder)
    return launch.process


@pytest.mark.parametrize("stage", list(STAGES))
def test_workers_exit_when_the_build_is_killed(folder: Path, launch: Launched, stage: str) -> None:
    """kill -9 of the build left its workers blocked for minutes, 130 MB each."""
    process = _start(folder, stage, STAGES[stage], launch)
    busy = launch.workers(2)
    assert len(busy) >= 2, process.communicate()
    process.kill()
    process.wait()
    assert survivors(busy, 5) == set()


@pytest.mark.parametrize("stage", list(STAGES))
def test_ctrl_c_stops_everything_at_once(folder: Path, launch: Launched, stage: str) -> None:
    """Ctrl-C: exit 130 within 2 s with one line, no worker left, no temporary file."""
    process = _start(folder, stage, STAGES[stage], launch)
    busy = launch.workers(2)
    assert len(busy) >= 2, process.communicate()
    os.killpg(process.pid, signal.SIGINT)
    sent = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("the build went on after Ctrl-C")
    assert time.monotonic() - sent < 2
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1:] == ["publisher: interrupted"]
    assert "Traceback" not in stderr
    assert survivors(busy, 1) == set()
    out = folder / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_no_more_workers_than_cpus_and_units(folder: Path, launch: Launched) -> None:
    """``--jobs 1000`` on 3 documents forked 1,000 workers (64 here, to spare the machine)."""
    for path in sorted((folder / "content").iterdir())[3:]:
        path.unlink()
    args = ["build", "content", "-f", "pdf", "--layout", "book", "-o", "b.pdf", "--no-cache"]
    process = _start(folder, "layout", [*args, "-j", "64"], launch)
    launch.workers(2)
    # Workers are started together; a moment more lets any late one show up.
    time.sleep(1)
    assert 2 <= len(launch.workers(2)) <= workers.cpus(), process.pid
