"""The Python API: the README's example runs, and builds say what they hold and left out."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import publisher
from publisher.projects import scaffold

README = Path(__file__).parents[1] / "README.md"
BROKEN = "---\ntitle: [unclosed\n---\nText.\n"


def example() -> str:
    """The first Python block of the README's "Python API" section."""
    section = README.read_text(encoding="utf-8").split("\n## Python API\n", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found[1]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "news"
    scaffold.init(folder)
    (folder / "content" / "broken.md").write_text(BROKEN)
    monkeypatch.chdir(folder)
    return folder


def test_the_readme_example_runs_on_a_new_project(project: Path) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example(), "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert re.fullmatch(r"brief: wrote brief\.pdf \(2 documents, \d+ pages\)", lines[0]), lines
    assert "collection: wrote collection.epub (2 documents)" in lines
    assert sum(line.startswith("  skipped broken.md: ") for line in lines) == 2


def test_builds_say_what_they_hold_and_what_was_left_out(project: Path) -> None:
    brief, collection = publisher.build("publisher.toml")
    assert (brief.edition, brief.format, brief.fresh, brief.failed) == ("brief", "pdf", True, False)
    assert brief.path == project / "dist" / "brief.pdf" and brief.path.is_file()
    assert brief.pages is not None and brief.pages > 0 and collection.pages is None
    assert sorted(d.path for d in collection.included) == [
        "2024-03-01-welcome.md",
        "2024-03-02-bienvenida.md",
    ]
    assert [s.path for s in brief.skipped] == ["broken.md"]
    assert all(d.severity == "error" for d in brief.skipped[0].diagnostics)
    # An edition's diagnostics are its documents', never those of a file it does not hold.
    assert not any(d.path == "broken.md" for d in brief.diagnostics)
    (project / "content" / "broken.md").unlink()
    publisher.build("publisher.toml")
    again = publisher.build("publisher.toml", ["collection"])
    assert [(b.edition, b.fresh, b.skipped) for b in again] == [("collection", False, ())]
    assert again[0].included == collection.included


def test_an_edition_that_cannot_be_written_is_reported(project: Path) -> None:
    toml = project / "publisher.toml"
    toml.write_text(toml.read_text() + '\n[editions.none]\nformat = "epub"\ntags = ["nosuch"]\n')
    built = {b.edition: b for b in publisher.build("publisher.toml", ["collection", "none"])}
    assert built["none"].failed and not built["none"].path.exists()
    assert [d.code for d in built["none"].diagnostics] == ["empty-publication"]
    assert not built["collection"].failed
