"""Benchmark: Publisher against Pandoc (EPUB) and Pandoc → WeasyPrint (PDF) on real documents.

Every figure is a whole child process tree: wall time, CPU time (the children's rusage, workers
included) and peak memory, both as the largest single process (``ru_maxrss`` from ``wait4``) and
as the largest sum over the live process tree of each process's proportional set size (PSS,
sampled from /proc every 20 ms): workers running at the same time count, and the pages that
forked workers share with their parent count once. Publisher and its anchor run in alternation.

Settings come from the environment: BENCH_SIZES (default ``100,300,598``; ``all`` is the whole
corpus), BENCH_RUNS (runs per figure, median taken; default 1), BENCH_JOBS (``--jobs``),
BENCH_CORPUS (folder of documents), BENCH_JSON (also write the figures there).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pypandoc  # type: ignore[import-untyped]  # ships no type hints
import weasyprint
import yaml

from publisher.assembling import duplicates
from publisher.build import load

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("BENCH_CORPUS", REPO.parent / "shared" / "corpus" / "whitehouse"))
BIN = Path(sys.executable).parent
TITLE = "White House briefings"
# Appended to the book for the incremental figure: newer than every corpus document.
EXTRA_DATE = "2023-01-02"


@dataclass(frozen=True, slots=True)
class Measure:
    """One command, run once."""

    wall: float
    """Seconds, start to exit."""
    cpu: float
    """User and system seconds of the process and every child it waited for."""
    rss: float
    """Largest resident memory of any one process, MB."""
    tree: float
    """Largest proportional memory (PSS) of the whole process tree at once, MB (sampled)."""


def run(commands: Sequence[Sequence[str]], cwd: Path) -> Measure:
    """Run commands one after the other and measure them together."""
    wall = cpu = rss = tree = 0.0
    for command in commands:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        peak = _Sampler(process.pid)
        peak.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall += time.perf_counter() - start
        peak.stop()
        assert process.stderr is not None
        errors = process.stderr.read().decode(errors="replace")
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command[:3])}… failed:\n{errors[-2000:]}")
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss / 1024)
        tree = max(tree, peak.peak / 1024)
    return Measure(wall, cpu, rss, tree)


class _Sampler(threading.Thread):
    """Polls the summed proportional memory of a process and its descendants, in KB."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, sum(map(_pss, _tree(self.pid))))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _pss(pid: int) -> float:
    """A process's proportional set size in KB: its own pages, plus its share of shared ones."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return float(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    """A process and all its live descendants (processes end while they are listed)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def prepare(size: int, work: Path) -> tuple[Path, Path]:
    """Publisher's sources (the files as they are) and Pandoc's (each title as a heading)."""
    files = sorted(CORPUS.glob("*.md"))[:size]
    sources, headed = work / "sources", work / "pandoc"
    for folder in (sources, headed):
        folder.mkdir(parents=True)
    for path in files:
        shutil.copy(path, sources / path.name)
        meta, body = _split(path.read_text(encoding="utf-8"))
        (headed / path.name).write_text(f"# {meta['title']}\n\n{body}", encoding="utf-8")
    return sources, headed


def _split(text: str) -> tuple[dict[str, str], str]:
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    meta["title"] = " ".join(str(meta["title"]).split())
    return meta, body


def extra_document(sources: Path) -> Path:
    """One new document, dated after the others: what a daily re-release adds."""
    reference = CORPUS / "2021-03-01-u-s-mexico-joint-declaration.md"
    text = re.sub(r"(?m)^date: .*$", f"date: '{EXTRA_DATE}'", reference.read_text("utf-8"))
    text = re.sub(r"(?m)^title: .*(\n  .*)*$", 'title: "One more joint declaration"', text)
    path = sources / f"{EXTRA_DATE}-one-more-joint-declaration.md"
    path.write_text(text, encoding="utf-8")
    return path


def publisher(sources: Path, out: Path, *options: str) -> list[str]:
    """A Publisher build of a folder."""
    return [str(BIN / "publisher"), "-q", "build", str(sources), "-o", str(out), "--title", TITLE,
            *options]  # fmt: skip


def pandoc(headed: Path, out: Path, *options: str) -> list[str]:
    """A Pandoc build of the headed files, in file order."""
    files = sorted(str(p) for p in headed.glob("*.md"))
    return [pypandoc.get_pandoc_path(), "--toc", "--metadata", f"title={TITLE}", "-f", "markdown",
            "-o", str(out), *options, *files]  # fmt: skip


def bench_size(size: int, runs: int, jobs: list[str], root: Path) -> dict[str, dict[str, float]]:
    """Every figure for one number of documents."""
    work = root / str(size)
    sources, headed = prepare(size, work)
    html = work / "anchor.html"
    book = publisher(sources, work / "book.pdf", "-f", "pdf", "--layout", "book", *jobs)
    brief = publisher(sources, work / "brief.pdf", "-f", "pdf", "--layout", "brief", *jobs)
    epub = publisher(sources, work / "book.epub", "-f", "epub")
    cases: dict[str, list[list[str]]] = {
        "pdf-book": [book],
        "anchor-pdf": [pandoc(headed, html, "-s"), [str(BIN / "weasyprint"), str(html), "out.pdf"]],
        "pdf-brief": [brief],
        "epub": [epub],
        "anchor-epub": [pandoc(headed, work / "anchor.epub")],
    }
    found: dict[str, list[Measure]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, commands in cases.items():
            # Each build has a folder (and so a cache) of its own, emptied first: a cold build.
            cwd = work / name
            shutil.rmtree(cwd, ignore_errors=True)
            cwd.mkdir()
            found[name].append(run(commands, cwd))
            _progress(size, name, found[name][-1])
    # Each PDF's cache is as its last cold build left it: add one document and build again.
    extra = extra_document(sources)
    for name, command in (("pdf-book", book), ("pdf-brief", brief)):
        found[f"{name}+1"] = [run([command], work / name)]
        _progress(size, f"{name}+1", found[f"{name}+1"][-1])
    extra.unlink()
    found["duplicates"] = [_detection(sources) for _ in range(runs)]
    _progress(size, "duplicates", found["duplicates"][-1])
    found["epub-warm"] = [run([epub], work / "epub")]
    _progress(size, "epub-warm", found["epub-warm"][-1])
    shutil.rmtree(work)
    return {name: asdict(_median(measures)) for name, measures in found.items()}


def _detection(sources: Path) -> Measure:
    """Duplicate detection on a folder's documents, timed in this process (it is one step of a
    build, not a command); its ratio is to the cold EPUB build of the same folder."""
    docs = load([str(sources)]).documents
    wall, cpu = time.perf_counter(), time.process_time()
    duplicates.find(docs)
    return Measure(time.perf_counter() - wall, time.process_time() - cpu, 0.0, 0.0)


def _median(measures: list[Measure]) -> Measure:
    return Measure(*(statistics.median(getattr(m, f) for m in measures) for f in Measure.__slots__))


def _progress(size: int, name: str, m: Measure) -> None:
    line = f"  {size:>4} {name:<12} {m.wall:8.1f} s wall {m.cpu:8.1f} s CPU"
    print(f"{line} {m.rss:7.0f} MB max {m.tree:7.0f} MB tree PSS", file=sys.stderr, flush=True)


def report(results: dict[int, dict[str, dict[str, float]]]) -> str:
    """The figures as a Markdown table, with the ratios the issue sets targets for."""
    lines = [
        "| docs | build | wall s | CPU s | peak MB, largest process | peak MB, tree PSS | "
        "wall ratio | memory ratios (process, tree) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    anchors = {"pdf-book": "anchor-pdf", "pdf-brief": "anchor-pdf", "epub": "anchor-epub",
               "epub-warm": "anchor-epub", "pdf-book+1": "pdf-book",
               "pdf-brief+1": "pdf-brief", "duplicates": "epub"}  # fmt: skip
    names = {"pdf-book": "Publisher PDF book (cold)", "pdf-brief": "Publisher PDF brief (cold)",
             "epub": "Publisher EPUB (cold)", "epub-warm": "Publisher EPUB (cached documents)",
             "pdf-book+1": "Publisher PDF book, one document added",
             "pdf-brief+1": "Publisher PDF brief, one document added",
             "duplicates": "Duplicate detection (share of the cold EPUB)",
             "anchor-pdf": "Pandoc → WeasyPrint PDF", "anchor-epub": "Pandoc EPUB"}  # fmt: skip
    for size, found in results.items():
        for name in names:
            m = found[name]
            ratio = memory = ""
            if name in anchors:
                base = found[anchors[name]]
                ratio = f"{m['wall'] / base['wall']:.2f}x"
                if not name.endswith("+1") and name != "duplicates":
                    memory = f"{m['rss'] / base['rss']:.2f}x, {m['tree'] / base['tree']:.2f}x"
            # Detection runs inside a process: its memory is the build's, not its own.
            rss, tree = (
                ("", "") if name == "duplicates" else (f"{m['rss']:.0f}", f"{m['tree']:.0f}")
            )
            lines.append(
                f"| {size} | {names[name]} | {m['wall']:.1f} | {m['cpu']:.1f} | {rss} "
                f"| {tree} | {ratio} | {memory} |"
            )
    return "\n".join(lines)


def machine() -> str:
    """What the figures were measured on."""
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} x {model}, {memory:.0f} GiB, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"Pandoc {pypandoc.get_pandoc_version()}"
    )


def main() -> None:
    """Run every size and print the table."""
    available = len(list(CORPUS.glob("*.md")))
    sizes = [
        available if s == "all" else min(int(s), available)
        for s in os.environ.get("BENCH_SIZES", "100,300,598").split(",")
    ]
    runs = int(os.environ.get("BENCH_RUNS", "1"))
    jobs = ["--jobs", os.environ["BENCH_JOBS"]] if os.environ.get("BENCH_JOBS") else []
    print(f"machine: {machine()}", file=sys.stderr, flush=True)
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as root:
        for size in sizes:
            results[size] = bench_size(size, runs, jobs, Path(root))
    print(f"\nMachine: {machine()}. Runs per figure: {runs} (median).\n")
    print(report(results))
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
