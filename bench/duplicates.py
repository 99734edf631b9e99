"""Benchmark: duplicate detection as a share of a cold EPUB build of the same documents.

``python bench/duplicates.py [FOLDER]`` (default: the whole White House set) builds the folder's
EPUB cold, as ``bench/run.py`` does (a child process in an empty folder, so an empty cache),
then reads the documents in this process and times ``duplicates.find`` on them alone: the exact
digests, the MinHash signatures, the LSH index and the exact measure of each candidate pair.
The best of BENCH_RUNS (default 3) of each is taken: both are CPU-bound, and the machine shared.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from publisher.assembling import duplicates
from publisher.build import load

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "whitehouse"
BIN = Path(sys.executable).parent


@dataclass(frozen=True, slots=True)
class Share:
    """What detection took, against the build it runs in."""

    documents: int
    """Documents compared."""
    copies: int
    """Copies found."""
    detection: float
    """Seconds ``duplicates.find`` took (wall, best run)."""
    epub: float
    """Seconds the cold EPUB build took (wall, best run)."""
    detection_cpu: float
    """CPU seconds of detection (best run)."""
    epub_cpu: float
    """CPU seconds of the build, its workers' included (best run)."""

    @property
    def share(self) -> float:
        """Detection as a fraction of the build, in wall time."""
        return self.detection / self.epub

    @property
    def cpu_share(self) -> float:
        """Detection as a fraction of the build, in CPU time."""
        return self.detection_cpu / self.epub_cpu


def measure(folder: Path, runs: int) -> Share:
    """Time the cold EPUB build of a folder, then detection on its documents."""
    builds, build_cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="publisher-bench-") as work:
            command = [str(BIN / "publisher"), "-q", "build", str(folder), "-f", "epub"]
            start, cpu = time.perf_counter(), _children_cpu()
            subprocess.run([*command, "-o", "book.epub"], cwd=work, check=False)
            builds.append(time.perf_counter() - start)
            build_cpu.append(_children_cpu() - cpu)
    docs = load([str(folder)]).documents
    found, times, cpus = [], [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        found = duplicates.find(docs)
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return Share(len(docs), len(found), min(times), min(builds), min(cpus), min(build_cpu))


def _children_cpu() -> float:
    """User and system seconds of every child waited for so far (a build's workers too)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    result = measure(folder, int(os.environ.get("BENCH_RUNS", "3")))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{result.documents} documents, {result.copies} copies found: detection "
        f"{result.detection:.3f} s, cold EPUB build {result.epub:.2f} s, "
        f"share {result.share:.1%}; CPU {result.detection_cpu:.3f} s against "
        f"{result.epub_cpu:.2f} s, share {result.cpu_share:.1%} (this process peaked at "
        f"{peak:.0f} MB)"
    )


if __name__ == "__main__":
    main()
