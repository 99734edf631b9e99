"""``publisher watch``: a change to a document rebuilds only the editions that hold it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TIMEOUT = 60

CONFIG = """\
[book]
title = "Watched"

[sources]
paths = ["content"]

[theme]
css = ["extra.css"]

[editions.alpha]
format = "epub"
tags = ["alpha"]
output = "dist/alpha.epub"

[editions.beta]
format = "epub"
tags = ["beta"]
output = "dist/beta.epub"
"""


def document(tag: str) -> str:
    return f"---\ntitle: About {tag}\ndate: 2024-05-01\ntags: [{tag}]\n---\nA text on {tag}.\n"


class Lines:
    """The lines a process prints, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.found: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.found.put(line)

    def until(self, start: str) -> list[str]:
        """Every line up to the first that starts so, waiting at most TIMEOUT seconds."""
        seen: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        while not seen or not seen[-1].startswith(start):
            try:
                seen.append(self.found.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r} in {TIMEOUT} s: {seen}") from None
        return seen


def test_a_changed_document_rebuilds_only_its_edition(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(CONFIG)
    (tmp_path / "extra.css").write_text(":root { --accent: #0a7; }\n")
    (tmp_path / "content").mkdir()
    for tag in ("alpha", "beta"):
        (tmp_path / "content" / f"{tag}.md").write_text(document(tag))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(
        ["publisher", "watch"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = Lines(process)
        first = lines.until("watching")
        assert "wrote dist/alpha.epub (1 documents)\n" in first
        assert "wrote dist/beta.epub (1 documents)\n" in first
        beta = (tmp_path / "dist" / "beta.epub").stat().st_mtime_ns
        # A file that is no source (a log kept beside the project) is no change to build.
        (tmp_path / "notes.txt").write_text("not a document")
        with (tmp_path / "content" / "alpha.md").open("a") as changed:
            changed.write("\nA paragraph more.\n")
        started = time.monotonic()
        rebuilt = lines.until("built")
        assert time.monotonic() - started < TIMEOUT
        assert rebuilt[0] == "changed: content/alpha.md\n", rebuilt
        assert "wrote dist/alpha.epub (1 documents)\n" in rebuilt
        assert not any("beta" in line for line in rebuilt), rebuilt
        assert rebuilt[-1].startswith("built alpha in ")
        assert (tmp_path / "dist" / "beta.epub").stat().st_mtime_ns == beta
        # A project style sheet is the look of every edition.
        (tmp_path / "extra.css").write_text(":root { --accent: #a07; }\n")
        restyled = lines.until("built")
        assert restyled[0] == "changed: extra.css\n", restyled
        assert "wrote dist/alpha.epub (1 documents)\n" in restyled
        assert "wrote dist/beta.epub (1 documents)\n" in restyled
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 130
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
