"""Archive-scale figures: PDF book, PDF brief and EPUB of 1,000 and 3,000 documents.

The corpus has 598 documents; larger sets are made by copying them, each copy under a title of
its own (``… (copy 2)``) and a file name of its own, so that every document is distinct, and
built with ``--duplicates keep``: the copies are re-posts of the same texts, which a build
would otherwise leave out, all but the newest. Each
build is cold (``--no-cache``) and measured as a whole process tree (``run.run``); the summed PSS
of the tree is also kept over time, for the memory plot (``bench/memory.png``). ``pdf-book+1`` is
the daily case: a cold book built with its cache (``pdf-book, cached``), then one document added
and the book built again.

Settings come from the environment: SCALE_SIZES (default ``300,1000,3000``), SCALE_BUILDS
(default ``pdf-book,pdf-brief,epub,pdf-book+1``; ``pdf-book-dask`` too), SCALE_JSON (where the
figures and memory series go; default ``bench/scale.json``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import run as bench  # the harness next to this file (a script's folder is on its path)
import yaml

HERE = Path(__file__).resolve().parent
BUILDS = {
    "pdf-book": ("-f", "pdf", "--layout", "book"),
    "pdf-brief": ("-f", "pdf", "--layout", "brief"),
    "epub": ("-f", "epub"),
    "pdf-book-dask": ("-f", "pdf", "--layout", "book"),
}
"""Builds by name; ``-dask`` ones send the units to a local Dask cluster of two processes
(started before the clock, and not in the memory figure: its workers are not the build's)."""
DEFAULT = ("pdf-book", "pdf-brief", "epub", "pdf-book+1")


def make_corpus(size: int, folder: Path) -> Path:
    """``size`` distinct documents: the corpus, then copies of it under new titles."""
    folder.mkdir(parents=True)
    originals = sorted(bench.CORPUS.glob("*.md"))
    for number in range(size):
        path = originals[number % len(originals)]
        copy = number // len(originals)
        if copy == 0:
            shutil.copy(path, folder / path.name)
            continue
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        meta["title"] = f"{' '.join(str(meta['title']).split())} (copy {copy + 1})"
        text = f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}"
        (folder / f"{path.stem}-copy-{copy + 1}.md").write_text(text, encoding="utf-8")
    return folder


class _Series(threading.Thread):
    """The summed PSS of a process tree every ``step`` seconds: (seconds, MB)."""

    def __init__(self, pid: int, step: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.step, self.points = pid, step, [(0.0, 0.0)]
        self._done = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self._done.wait(self.step):
            total = sum(map(bench._pss, bench._tree(self.pid))) / 1024
            self.points.append((round(time.perf_counter() - start, 2), round(total, 1)))

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(command: list[str], cwd: Path) -> dict[str, object]:
    """Wall, CPU and peak memory of one build (as ``run.run`` measures), and memory over time."""
    # A file, not a pipe: the warnings of thousands of copies would fill a pipe nobody reads yet.
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
        peak, series = bench._Sampler(process.pid), _Series(process.pid)
        peak.start()
        series.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        peak.stop()
        series.stop()
        log.seek(0)
        errors = log.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{' '.join(command[:3])}… failed:\n{errors[-2000:]}")
    return {
        "wall": round(wall, 1),
        "cpu": round(usage.ru_utime + usage.ru_stime, 1),
        "rss": round(usage.ru_maxrss / 1024),
        "tree": round(peak.peak / 1024),
        "series": series.points,
    }


@contextlib.contextmanager
def _cluster(wanted: bool) -> Iterator[str]:
    """A local Dask cluster of two worker processes, as a ``dask://`` URL ("" if not wanted)."""
    if not wanted:
        yield ""
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        yield cluster.scheduler_address.replace("tcp://", "dask://")


def main() -> None:
    """Every size and build, in alternation within a size; figures to SCALE_JSON."""
    sizes = [int(s) for s in os.environ.get("SCALE_SIZES", "300,1000,3000").split(",")]
    builds = os.environ.get("SCALE_BUILDS", ",".join(DEFAULT)).split(",")
    out = Path(os.environ.get("SCALE_JSON", HERE / "scale.json"))
    results: dict[str, dict[str, object]] = json.loads(out.read_text()) if out.exists() else {}
    print(f"machine: {bench.machine()}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="publisher-scale-") as root:
        for size in sizes:
            sources = make_corpus(size, Path(root) / str(size))
            for name in builds:
                cwd = Path(root) / f"{size}-{name}"
                cwd.mkdir()
                target = cwd / ("book.epub" if name == "epub" else "out.pdf")
                options = (*BUILDS[name.removesuffix("+1")], "--duplicates", "keep")
                command = bench.publisher(sources, target, *options)
                if name.endswith("+1"):
                    cold = f"{size} {name.removesuffix('+1')}, cached"
                    results[cold] = _report(cold, measure(command, cwd))
                    extra = bench.extra_document(sources)
                    results[f"{size} {name}"] = _report(f"{size} {name}", measure(command, cwd))
                    extra.unlink()
                else:
                    with _cluster(name.endswith("-dask")) as url:
                        found = measure(
                            [*command, "--no-cache", *(("--executor", url) if url else ())], cwd
                        )
                    results[f"{size} {name}"] = _report(f"{size} {name}", found)
                out.write_text(json.dumps(results) + "\n")
                shutil.rmtree(cwd)
            shutil.rmtree(sources)
    for line in exponents(results, sizes, builds):
        print(line, file=sys.stderr)


def exponents(
    results: dict[str, dict[str, object]], sizes: list[int], builds: list[str]
) -> list[str]:
    """How each build's wall time grows from the smallest size to the largest: t ∝ N^k."""
    small, large = min(sizes), max(sizes)
    lines = []
    for name in builds:
        first, last = results.get(f"{small} {name}"), results.get(f"{large} {name}")
        if large > small and first and last:
            ratio = float(str(last["wall"])) / float(str(first["wall"]))
            k = math.log(ratio) / math.log(large / small)
            lines.append(
                f"{name}: {ratio:.1f}x the time for {large / small:.0f}x the documents, k = {k:.2f}"
            )
    return lines


def _report(name: str, found: dict[str, object]) -> dict[str, object]:
    line = f"{name:<24} {found['wall']:8.1f} s {found['cpu']:8.1f} s CPU"
    print(f"{line} {found['tree']:7.0f} MB tree PSS", file=sys.stderr, flush=True)
    return found


if __name__ == "__main__":
    main()
