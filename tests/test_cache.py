"""The document cache: an unchanged file is not parsed again, and nothing else changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.build import Loaded, load
from publisher.cache import store as cache
from publisher.normalizing import documents as cache_documents
from publisher.reading import reader


@pytest.fixture
def folder(tmp_path: Path, whitehouse_sample: Path) -> Path:
    """Five real documents and one with problems, in a folder of their own."""
    root = tmp_path / "documents"
    root.mkdir()
    for path in sorted(whitehouse_sample.glob("*.md"))[:5]:
        shutil.copy(path, root / path.name)
    (root / "odd.md").write_text("---\ntitle: Odd\ndate: someday\nlang: 12\n---\n\nText.\n")
    (root / "broken.md").write_text("---\ntitle: [unclosed\n---\n\nText.\n")
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every file the reader parses."""
    seen: list[str] = []
    original = reader.parse

    def counting(path: Path, root: Path, data: bytes | None) -> object:
        seen.append(path.name)
        return original(path, root, data)

    monkeypatch.setattr(cache_documents.reader, "parse", counting)
    return seen


def same(one: Loaded, other: Loaded) -> None:
    assert one.documents == other.documents
    assert one.diagnostics == other.diagnostics
    assert (one.files, one.roots) == (other.files, other.roots)


def test_a_cached_load_gives_what_an_uncached_one_gives(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    uncached = load([str(folder)])
    first, second = load([str(folder)], cache=store), load([str(folder)], cache=store)
    same(first, uncached)
    same(second, uncached)
    assert {d.code for d in second.diagnostics} >= {"bad-date", "bad-lang", "front-matter-invalid"}
    assert len(list((store / "documents").glob("*.entry"))) == 6


def test_only_new_and_changed_files_are_parsed_again(
    folder: Path, tmp_path: Path, reads: list[str]
) -> None:
    store = tmp_path / "cache"
    load([str(folder)], cache=store)
    assert len(reads) == 7
    reads.clear()
    changed = sorted(folder.glob("2*.md"))[0]
    changed.write_text(changed.read_text().replace("title:", "title: Changed", 1))
    (folder / "new.md").write_text("---\ntitle: New\n---\n\nNew text.\n")
    loaded = load([str(folder)], cache=store)
    # The broken file is never cached: reading it again is what reports it.
    assert sorted(reads) == sorted([changed.name, "new.md", "broken.md"])
    same(loaded, load([str(folder)]))


def test_a_document_whose_id_changes_is_normalized_again(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    (root / "b").mkdir(parents=True)
    (root / "b" / "note.md").write_text("---\ntitle: B\n---\n\nSee [below](#x).\n\n## X {#x}\n")
    store = tmp_path / "cache"
    assert [d.id for d in load([str(root)], cache=store).documents] == ["note"]
    (root / "a").mkdir()
    (root / "a" / "note.md").write_text("---\ntitle: A\n---\n\nA.\n")
    loaded = load([str(root)], cache=store)
    assert [d.id for d in loaded.documents] == ["note", "note-2"]
    same(loaded, load([str(root)]))
    assert "doc-note-2" in loaded.documents[1].body


def test_documents_with_local_images_are_always_read(tmp_path: Path, reads: list[str]) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    (root / "pictured.md").write_text("---\ntitle: P\n---\n\n![A](p.png)\n")
    store = tmp_path / "cache"
    first = load([str(root)], cache=store)
    assert [d.code for d in first.diagnostics] != []
    shutil.copy(Path(__file__).parents[1] / "docs" / "epub-page.png", root / "p.png")
    second = load([str(root)], cache=store)
    assert reads == ["pictured.md", "pictured.md"]
    same(second, load([str(root)]))


def test_a_damaged_or_unwritable_cache_only_costs_time(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    load([str(folder)], cache=store)
    for entry in (store / "documents").glob("*.entry"):
        entry.write_bytes(b"not an entry")
    damaged = load([str(folder)], cache=store)
    assert [p.code for p in damaged.diagnostics if p.code == "cache-corrupt"] == ["cache-corrupt"]
    same(load([str(folder)], cache=store), load([str(folder)]))
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    same(load([str(folder)], cache=blocked), load([str(folder)]))


def test_cache_keys_follow_the_code() -> None:
    assert cache.code_digest([cache]) != cache.code_digest([cache, reader])


def test_worker_processes_normalize_alike(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = load([str(folder)])
    monkeypatch.setattr(cache_documents, "PARALLEL_FROM", 2)
    same(load([str(folder)], cache=tmp_path / "cache"), serial)
