"""Releases: one folder per version with its own checksums, earlier ones kept, never dated 1980."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from publisher.projects import scaffold

BIN = Path(sys.executable).parent
# Outside git, with no date given: what a first `make release` in a new folder sees.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
    "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    "GIT_CEILING_DIRECTORIES": "/",
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=ENV, capture_output=True, text=True, check=False, timeout=300
    )


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def colophon(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        name = next(n for n in book.namelist() if "colophon" in n)
        return book.read(name).decode()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    scaffold.init(folder)
    return folder


def test_two_releases_keep_their_own_checksums(project: Path) -> None:
    first = run("publisher", "release", "--version", "1.0", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "dated from the build time: no SOURCE_DATE_EPOCH and no git commit" in first.stdout
    one = project / "dist" / "releases" / "1.0"
    kept = digests(one)
    files = {"brief-1.0.pdf", "collection-1.0.epub", "SHA256SUMS", "manifest.json", "CHANGES.md"}
    assert set(kept) == files
    doc = next((project / "content").glob("*welcome.md"))
    doc.write_text(doc.read_text() + "\nA paragraph for the second release.\n")
    second = run("publisher", "release", "--version", "1.1", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "wrote dist/releases/1.1/collection-1.1.epub" in second.stdout
    assert digests(one) == kept
    for version in ("1.0", "1.1"):
        check = run("sha256sum", "-c", "SHA256SUMS", cwd=project / "dist" / "releases" / version)
        assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads((project / "dist" / "releases" / "1.1" / "manifest.json").read_text())
    assert manifest["release"] == "1.1"
    # The second release compares with the first, beside it: one document's text changed.
    assert manifest["changes"]["since"] == "1.0"
    assert [d["path"] for d in manifest["changes"]["updated"]] == [doc.name]
    assert [o["file"] for o in manifest["outputs"]] == ["brief-1.1.pdf", "collection-1.1.epub"]
    # Nothing but the releases: no loose outputs or checksums beside them.
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["releases"]


def test_a_release_is_refused_over_an_earlier_one_unless_forced(project: Path) -> None:
    assert run("publisher", "release", "--version", "2.0", cwd=project).returncode == 0
    folder = project / "dist" / "releases" / "2.0"
    kept = digests(folder)
    doc = next((project / "content").glob("*welcome.md"))
    doc.write_text(doc.read_text() + "\nChanged after the release.\n")
    refused = run("publisher", "release", "--version", "2.0", cwd=project)
    assert refused.returncode == 2
    assert "dist/releases/2.0 exists: release 2.0 was cut before (--force" in refused.stderr
    assert digests(folder) == kept
    forced = run("publisher", "release", "--version", "2.0", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    replaced = digests(folder)
    assert replaced.keys() == kept.keys() and replaced != kept
    assert run("sha256sum", "-c", "SHA256SUMS", cwd=folder).returncode == 0
    # The folder written aside and the one replaced are both gone.
    assert [p.name for p in folder.parent.iterdir()] == ["2.0"]


def test_o_names_the_release_folder(project: Path, tmp_path: Path) -> None:
    result = run(
        "publisher", "release", "--version", "3", "-o", str(tmp_path / "out"), "collection",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "CHANGES.md",
        "SHA256SUMS",
        "collection-3.epub",
        "manifest.json",
    ]
    assert run("sha256sum", "-c", "SHA256SUMS", cwd=tmp_path / "out").returncode == 0
    refused = run("publisher", "release", "--version", "3", "-o", "x.pdf", cwd=project)
    assert refused.returncode == 2
    assert "a release is written to a folder" in refused.stderr


def test_force_replaces_only_a_release(project: Path, tmp_path: Path) -> None:
    """`-o . --force` must not swap the project away; an empty folder needs no --force."""
    before = sorted(p.name for p in project.iterdir())
    refused = run("publisher", "release", "--version", "5", "-o", ".", "--force", cwd=project)
    assert refused.returncode == 2
    assert ". holds no release: --force replaces only one" in refused.stderr
    assert sorted(p.name for p in project.iterdir()) == before
    (tmp_path / "empty").mkdir()
    args = ("--version", "5", "-o", str(tmp_path / "empty"), "collection")
    result = run("publisher", "release", *args, cwd=project)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "empty" / "collection-5.epub").is_file()


def test_a_release_outside_git_is_dated_from_the_build_time(project: Path) -> None:
    result = run("make", "release", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dated from the build time: no SOURCE_DATE_EPOCH and no git commit" in result.stdout
    folder = project / "dist" / "releases" / "0.1.0"
    text = colophon(folder / "collection-0.1.0.epub")
    assert "1980" not in text
    assert str(dt.datetime.now(dt.UTC).year) in text
    built = json.loads((folder / "manifest.json").read_text())["built"]
    assert dt.datetime.fromisoformat(built).year == dt.datetime.now(dt.UTC).year
    assert run("sha256sum", "-c", "SHA256SUMS", cwd=folder).returncode == 0
    assert run("make", "clean", cwd=project).returncode == 0
    assert run("sha256sum", "-c", "SHA256SUMS", cwd=folder).returncode == 0


def test_a_release_with_a_skipped_document_lists_what_it_holds(project: Path) -> None:
    (project / "content" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    result = run("publisher", "release", "--version", "4", "collection", cwd=project)
    assert result.returncode == 1, result.stderr
    assert "broken.md" in result.stderr
    manifest = json.loads((project / "dist" / "releases" / "4" / "manifest.json").read_text())
    assert len(manifest["outputs"][0]["documents"]) == 2


def test_a_release_with_an_edition_not_written_leaves_no_folder(project: Path) -> None:
    toml = project / "publisher.toml"
    toml.write_text(toml.read_text() + '\n[editions.none]\nformat = "epub"\ntags = ["nosuch"]\n')
    result = run("publisher", "release", "--version", "6", "collection", "none", cwd=project)
    assert result.returncode == 1
    assert "[empty-publication]" in result.stderr
    assert "release 6 not written: not every edition was" in result.stderr
    assert not (project / "dist" / "releases" / "6").exists()
    assert list((project / "dist" / "releases").iterdir()) == []
