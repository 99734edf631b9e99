"""Tests for publisher.reading.sources: which files a build reads, from where, in what order."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.reading.sources import find


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project, the working folder: documents in nested folders, and other files."""
    files = [
        "docs/2021/03/b.md",
        "docs/2021/03/a.markdown",
        "docs/2021/B.md",
        "docs/Z.txt",
        "docs/index.html",
        "docs/page.HTM",
        "docs/img.png",
        "docs/notes.rst",
        "docs/.hidden.md",
        "docs/.git/x.md",
        "docs/drafts/d.md",
        "other/e.md",
        "other/f.md",
    ]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\ntitle: x\n---\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _names(pairs: list[tuple[Path, Path]]) -> list[tuple[str, str]]:
    return [(file.as_posix(), root.as_posix()) for file, root in pairs]


def test_folder_is_searched_recursively_in_code_point_order(tree: Path) -> None:
    pairs, problems = find(["docs"])
    assert problems == []
    assert _names(pairs) == [
        ("docs/2021/03/a.markdown", "docs"),
        ("docs/2021/03/b.md", "docs"),
        ("docs/2021/B.md", "docs"),
        ("docs/Z.txt", "docs"),
        ("docs/drafts/d.md", "docs"),
        ("docs/index.html", "docs"),
        ("docs/page.HTM", "docs"),
    ]


def test_file_is_rooted_at_its_parent(tree: Path) -> None:
    pairs, problems = find(["docs/2021/03/b.md", "docs/notes.rst"])
    assert problems == []
    # The reader, not the finder, reports a named file it cannot read.
    assert _names(pairs) == [("docs/2021/03/b.md", "docs/2021/03"), ("docs/notes.rst", "docs")]


def test_roots_keep_input_order(tree: Path) -> None:
    pairs, _ = find(["other", "docs/2021"])
    assert _names(pairs) == [
        ("other/e.md", "other"),
        ("other/f.md", "other"),
        ("docs/2021/03/a.markdown", "docs/2021"),
        ("docs/2021/03/b.md", "docs/2021"),
        ("docs/2021/B.md", "docs/2021"),
    ]


def test_glob_is_rooted_at_its_plain_folder(tree: Path) -> None:
    pairs, problems = find(["docs/20*/**/*.md"])
    assert problems == []
    assert _names(pairs) == [("docs/2021/03/b.md", "docs"), ("docs/2021/B.md", "docs")]


def test_glob_at_top_level_and_absolute(tree: Path) -> None:
    pairs, _ = find(["*/*.md"])
    assert _names(pairs) == [("other/e.md", "."), ("other/f.md", ".")]
    pairs, _ = find([str(tree / "other" / "*.md")])
    assert [(f.name, r) for f, r in pairs] == [("e.md", tree / "other"), ("f.md", tree / "other")]


def test_excludes_match_paths_and_folders(tree: Path) -> None:
    pairs, _ = find(["docs"], excludes=["drafts", "*.html", "2021/*/b.md", "*.HTM"])
    assert _names(pairs) == [
        ("docs/2021/03/a.markdown", "docs"),
        ("docs/2021/B.md", "docs"),
        ("docs/Z.txt", "docs"),
    ]


def test_duplicates_are_listed_once(tree: Path) -> None:
    pairs, problems = find(["other", "other/e.md", str(tree / "other"), "other/*.md"])
    assert problems == []
    assert _names(pairs) == [("other/e.md", "other"), ("other/f.md", "other")]


def test_missing_inputs(tree: Path) -> None:
    pairs, problems = find(["nowhere", "docs/*.pdf", "other/e.md"])
    assert _names(pairs) == [("other/e.md", "other")]
    assert [p.format() for p in problems] == [
        "nowhere: error: no such file or folder [source-missing]",
        "docs/*.pdf: error: no document matches 'docs/*.pdf' [source-missing]",
    ]


def test_symlinks_leaving_the_root_are_skipped(tree: Path) -> None:
    (tree / "docs" / "outside.md").symlink_to(tree / "other" / "e.md")
    (tree / "docs" / "elsewhere").symlink_to(tree / "other", target_is_directory=True)
    (tree / "docs" / "inside.md").symlink_to(tree / "docs" / "Z.txt")
    (tree / "docs" / "loop").symlink_to(tree / "docs", target_is_directory=True)
    pairs, problems = find(["docs"], excludes=["2021", "drafts", "*.htm*", "*.HTM"])
    assert [p.format() for p in problems] == [
        "elsewhere: warning: symbolic link to outside the source folder; skipped [symlink-escape]",
        "outside.md: warning: symbolic link to outside the source folder; skipped [symlink-escape]",
    ]
    # inside.md and Z.txt are one file: the first in order stays.
    assert _names(pairs) == [("docs/Z.txt", "docs")]


def test_named_symlink_is_taken_as_given(tree: Path) -> None:
    (tree / "docs" / "outside.md").symlink_to(tree / "other" / "e.md")
    pairs, problems = find(["docs/outside.md"])
    assert problems == []
    assert _names(pairs) == [("docs/outside.md", "docs")]
