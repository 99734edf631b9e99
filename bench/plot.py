"""Memory over time of the largest PDF builds in ``bench/scale.json`` → ``bench/memory.png``.

Usage: ``python bench/plot.py [scale.json] [memory.png]``; each series is the summed PSS of the
build's process tree, sampled every half second by ``bench/scale.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from matplotlib.figure import Figure

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Plot the cold PDF book and brief of the largest size measured."""
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "scale.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "memory.png"
    results = json.loads(source.read_text())
    largest = max(int(name.split()[0]) for name in results)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    for name, found in sorted(results.items()):
        size, build = name.split(maxsplit=1)
        if int(size) != largest or build not in ("pdf-book", "pdf-brief"):
            continue
        times, memory = zip(*found["series"], strict=True)
        axes.plot(times, memory, label=f"{build}: {found['wall']:.0f} s, peak {found['tree']} MB")
    axes.axhline(1500, color="grey", linestyle="--", linewidth=0.8, label="target: 1.5 GB")
    axes.set_xlabel("seconds since the build started")
    axes.set_ylabel("MB, summed PSS of the process tree")
    axes.set_title(f"Cold PDF builds of {largest:,} documents (--no-cache)")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(target)


if __name__ == "__main__":
    main()
