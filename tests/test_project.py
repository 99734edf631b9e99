"""Projects: init, editions from publisher.toml, up-to-date builds, and reproducible releases."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import publisher

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
# What `make` in a new terminal sees: no virtual environment, no `publisher` on PATH.
OTHER_PATHS = [p for p in os.environ["PATH"].split(os.pathsep) if p and Path(p) != BIN]
BARE = {
    **os.environ,
    "PATH": os.pathsep.join(p for p in OTHER_PATHS if not (Path(p) / "publisher").exists()),
}


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env or ENV, capture_output=True, text=True, check=False, timeout=300
    )


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "news"
    result = run("publisher", "init", str(folder), cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def test_init_creates_a_project_that_make_builds(scaffold: Path) -> None:
    # The Makefile runs the Publisher that ran init, though it is not on PATH.
    assert {p.name for p in scaffold.iterdir()} >= {
        "publisher.toml",
        "Makefile",
        "content",
        ".gitignore",
    }
    assert len(list((scaffold / "content").glob("*.md"))) == 2
    result = run("make", cwd=scaffold, env=BARE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (scaffold / "dist" / "brief.pdf").stat().st_size > 0
    assert (scaffold / "dist" / "collection.epub").stat().st_size > 0
    assert "wrote dist/brief.pdf" in result.stdout.replace(str(scaffold) + "/", "")


def test_an_up_to_date_project_renders_nothing(scaffold: Path) -> None:
    run("make", cwd=scaffold, env=BARE)
    before = {p: p.stat().st_mtime_ns for p in (scaffold / "dist").iterdir()}
    result = run("make", cwd=scaffold, env=BARE)
    assert result.returncode == 0
    assert result.stdout.count("up to date") == 2, result.stdout
    assert before == {p: p.stat().st_mtime_ns for p in (scaffold / "dist").iterdir()}
    doc = next((scaffold / "content").glob("*welcome.md"))
    doc.write_text(doc.read_text() + "\nOne more paragraph.\n")
    result = run("make", cwd=scaffold, env=BARE)
    assert result.stdout.count("wrote") == 2, result.stdout


def test_make_says_how_to_find_publisher_when_it_cannot(scaffold: Path) -> None:
    result = run("make", "INIT_PYTHON=/nonexistent/python", cwd=scaffold, env=BARE)
    assert result.returncode != 0
    assert "cannot run Publisher as 'publisher'" in result.stderr
    assert "make PUBLISHER=/path/to/publisher" in result.stderr
    given = run("make", f"PUBLISHER={BIN / 'publisher'}", cwd=scaffold, env=BARE)
    assert given.returncode == 0, given.stderr


def test_make_check_builds_then_validates_every_edition(scaffold: Path) -> None:
    result = run("make", "check", cwd=scaffold, env=BARE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 outputs validated: 0 errors, 0 warnings" in result.stdout


def test_init_refuses_to_overwrite(scaffold: Path) -> None:
    result = run("publisher", "init", str(scaffold), cwd=scaffold.parent)
    assert result.returncode == 2
    assert "already exist" in result.stderr


def test_make_release_twice_gives_identical_files(scaffold: Path) -> None:
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    assert run("git", "init", "-q", cwd=scaffold).returncode == 0
    run(*git, "add", "-A", cwd=scaffold)
    assert run(*git, "commit", "-qm", "content", cwd=scaffold).returncode == 0
    version = run("git", "describe", "--tags", "--always", cwd=scaffold).stdout.strip()
    folder = scaffold / "dist" / "releases" / version
    run("rm", "-rf", "dist", cwd=scaffold)
    first = run("make", "release", cwd=scaffold, env=BARE)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "dated from the build time" not in first.stdout
    release_one = digests(folder)
    run("rm", "-rf", "dist", ".publisher-cache", cwd=scaffold)
    second = run("make", "release", cwd=scaffold, env=BARE)
    assert second.returncode == 0, second.stderr
    assert digests(folder) == release_one
    names = set(release_one)
    assert "SHA256SUMS" in names and "manifest.json" in names
    assert any(n.startswith("brief-") and n.endswith(".pdf") for n in names)
    manifest = json.loads((folder / "manifest.json").read_text())
    brief = next(o for o in manifest["outputs"] if o["edition"] == "brief")
    assert {d["lang"] for d in brief["documents"]} == {"en", "es"}
    assert all(d["source_url"].startswith("https://") for d in brief["documents"])
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert release_one[name] == digest


def test_unknown_edition_is_a_usage_error(scaffold: Path) -> None:
    result = run("publisher", "build", "nosuch", cwd=scaffold)
    assert result.returncode == 2
    assert "editions: brief, collection" in result.stderr


def test_config_error_is_reported_with_line(scaffold: Path, tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(
        '[book]\ntitle = "x"\n\n[editions.a]\nformat = "docx"\n'
    )
    result = run("publisher", "build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "publisher.toml:5: error: editions.a.format: 'docx' is not one of epub, pdf [config-value]"
    )


def test_strict_writes_no_edition_when_a_later_one_meets_a_problem(
    tmp_path: Path, sample_corpus: Path
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    # Its emoji are in no bundled font: a warning in the PDF, none in the EPUB.
    emoji = next(
        (sample_corpus / "whitehouse").glob("2022-03-03-wide-range-of-constituencies-*.md")
    ).name
    shutil.copy(sample_corpus / "whitehouse" / emoji, content / emoji)
    (tmp_path / "publisher.toml").write_text(
        '[book]\ntitle = "Strict"\n\n[sources]\npaths = ["content"]\n\n'
        '[editions.clean]\nformat = "epub"\noutput = "out/clean.epub"\n\n'
        '[editions.warned]\nformat = "pdf"\noutput = "out/warned.pdf"\n'
    )
    result = run("publisher", "build", "--strict", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "[pdf-glyph-missing]" in result.stderr
    # The EPUB was written cleanly, but aside: with the PDF failing, neither is released.
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    result = run("publisher", "build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clean.epub", "warned.pdf"]


def test_python_api_builds_the_example(tmp_path: Path) -> None:
    example = Path(__file__).parents[1] / "examples"
    shutil.copytree(
        example, tmp_path / "ex", ignore=shutil.ignore_patterns("dist", ".publisher-cache")
    )
    built = publisher.build(tmp_path / "ex" / "publisher.toml", ["collection"])
    assert [b.path for b in built] == [tmp_path / "ex" / "dist" / "relations.epub"]
    documents = publisher.load([tmp_path / "ex" / "content"])
    assert len(documents) == 12


def test_a_change_to_any_stage_makes_every_edition_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The up-to-date check hashes the code of every subpackage, not only of ``projects/``."""
    from publisher.projects import config, project

    (tmp_path / "content").mkdir()
    (tmp_path / "publisher.toml").write_text('[sources]\npaths = ["content"]\n')
    loaded = config.load(tmp_path / "publisher.toml")
    package = tmp_path / "package"
    shutil.copytree(Path(publisher.__file__).parent, package)
    monkeypatch.setattr(project, "_PACKAGE", package)
    before = project._fingerprint(loaded, [])
    for stage in ("pdf/merge.py", "normalizing/markdown.py", "build.py"):
        with (package / stage).open("a") as module:
            module.write("\n# changed\n")
        after = project._fingerprint(loaded, [])
        assert after != before, stage
        before = after
