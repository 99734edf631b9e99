"""Progress: events from the stages, a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

import publisher
from publisher.cli import progress
from publisher.cli.console import State
from publisher.runtime.progress import Progress


class Clock:
    """Time that moves only when the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_has_each_stage_start_and_end_and_a_line_every_few_seconds() -> None:
    clock, said = Clock(), []
    lines = progress.Lines(said.append, clock)
    lines.tell(Progress("reading", 0, 3))
    lines.tell(Progress("reading", 3, 3))
    for done in range(41):
        clock.now = 10.0 + done
        lines.tell(Progress("layout", done, 40, "weekly"))
    assert said[:2] == ["reading: 0/3 files", "reading: 3/3 files, 0 s"]
    layout = said[2:]
    assert layout[0] == "[weekly] layout: 0/40 parts"
    assert layout[-1] == "[weekly] layout: 40/40 parts, 40 s"
    # Forty events in forty seconds: one line in five seconds, not forty.
    assert layout[1:-1] == [f"[weekly] layout: {n}/40 parts, {n} s" for n in range(5, 40, 5)]


def test_a_log_shows_life_in_a_long_quiet_stage() -> None:
    clock, said = Clock(), []
    lines = progress.Lines(said.append, clock)
    lines.tell(Progress("layout", 0, 2, "weekly"))
    lines.tell(Progress("layout", 1, 2, "weekly"))
    for second in range(1, 95):
        clock.now = second
        lines.beat()
    assert said == [
        "[weekly] layout: 0/2 parts",
        "[weekly] layout: 1/2 parts, 30 s",
        "[weekly] layout: 1/2 parts, 1 min 00 s",
        "[weekly] layout: 1/2 parts, 1 min 30 s",
    ]
    lines.tell(Progress("layout", 2, 2, "weekly"))
    assert said[-1] == "[weekly] layout: 2/2 parts, 1 min 34 s"


def test_a_terminal_has_a_bar_for_each_stage() -> None:
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=100)
    State.quiet = False
    with progress.showing(terminal) as tell:
        tell(Progress("normalizing", 0, 12))
        tell(Progress("normalizing", 12, 12))
        tell(Progress("layout", 0, 4, "weekly"))
        tell(Progress("layout", 4, 4, "weekly"))
        tell(Progress("merging", 0, 1, "weekly"))
    shown = out.getvalue()
    assert "\x1b[" in shown
    assert "normalizing" in shown and "12/12" in shown and "documents" in shown
    assert "weekly: layout" in shown and "4/4" in shown and "parts" in shown
    # Assembly is a task of its own, not a bar that sits at "4 of 4".
    assert "weekly: merging" in shown and "0/1" in shown


def test_the_api_tells_each_stage_of_each_edition(tmp_path: Path, sample_corpus: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted((sample_corpus / "whitehouse").glob("2021-03-*.md")):
        (content / path.name).write_bytes(path.read_bytes())
    (tmp_path / "publisher.toml").write_text(
        '[sources]\npaths = ["content"]\n[editions.all]\nformat = "epub"\n', encoding="utf-8"
    )
    heard: list[Progress] = []
    publisher.build(tmp_path / "publisher.toml", progress=heard.append)
    files = len(list(content.iterdir()))
    assert heard[0] == Progress("reading", 0, files)
    assert Progress("reading", files, files) in heard
    assert Progress("normalizing", files, files) in heard
    assert heard[-2:] == [Progress("writing", 0, 1, "all"), Progress("writing", 1, 1, "all")]
