"""Benchmark: one document of 10,000-character tokens (words, URLs, code, table cells, headings).

Prints the wall time of a cold EPUB and PDF build of it (``--jobs 0``); BENCH_TOKENS sets how
many tokens of each kind (default 5). Before table cells stopped breaking anywhere and
hyphenating, five of them took the PDF past five minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LENGTH = 10_000
KINDS = (
    "A word: {t} and on.",
    "A link: https://example.com/{t} and on.",
    "Code: `{t}` and on.",
    "```\n{t}\n```",
    "| Token | Note |\n|---|---|\n| {t} | short |",
    "## {t}",
)


def token(seed: int) -> str:
    """A token of LENGTH consonants, different for each seed, the same every run."""
    return "".join("bcdfghjklmnpqrstvwxz"[(i * 7 + seed + i // 20) % 20] for i in range(LENGTH))


def main() -> None:
    count = int(os.environ.get("BENCH_TOKENS", "5"))
    blocks = [kind.format(t=token(n)) for n in range(count) for kind in KINDS]
    publisher = Path(sys.executable).with_name("publisher")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "long.md"
        source.write_text("---\ntitle: Long tokens\n---\n" + "\n\n".join(blocks) + "\n")
        for fmt in ("epub", "pdf"):
            out = Path(folder) / f"long.{fmt}"
            command = [str(publisher), "-q", "build", str(source), "-f", fmt, "-o", str(out)]
            start = time.perf_counter()
            subprocess.run([*command, "--no-cache", "--jobs", "0"], check=False)
            print(f"{fmt}: {time.perf_counter() - start:.1f} s for {len(blocks)} tokens")


if __name__ == "__main__":
    main()
