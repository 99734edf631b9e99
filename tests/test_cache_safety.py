"""The cache holds data only: planted, damaged or edited-under-us entries cost time, never trust."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.build import Loaded, load
from publisher.cache import store as cache
from publisher.pdf import layouts as cache_layouts
from publisher.pdf.stamp import Run, Stamp
from publisher.pdf.units import Font, Laid, Page
from publisher.reading import files

CORRUPT = "cache-corrupt"


@pytest.fixture
def folder(tmp_path: Path, whitehouse_sample: Path) -> Path:
    """Four real documents in a folder of their own."""
    root = tmp_path / "documents"
    root.mkdir()
    for path in sorted(whitehouse_sample.glob("*.md"))[:4]:
        shutil.copy(path, root / path.name)
    return root


def entries(store: Path) -> list[Path]:
    """Every file in a cache folder, whatever the format that wrote it."""
    return sorted(p for p in store.rglob("*") if p.is_file())


def corrupt_codes(loaded: Loaded) -> list[str]:
    return [p.code for p in loaded.diagnostics if p.code == CORRUPT]


def without_corrupt(loaded: Loaded) -> tuple[object, ...]:
    return loaded.documents, tuple(p for p in loaded.diagnostics if p.code != CORRUPT)


class _Planted:
    """Runs a shell command when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def test_a_planted_pickle_is_never_run(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    load([str(folder)], cache=store)
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Planted(marker))
    named = entries(store)
    assert named
    # Under every name the cache asks for, in either format it ever used.
    for path in named:
        for name in (path.with_suffix(".pickle"), path.with_suffix(".entry")):
            name.write_bytes(payload)
    loaded = load([str(folder)], cache=store)
    assert not marker.exists()
    assert without_corrupt(loaded) == without_corrupt(load([str(folder)]))
    assert corrupt_codes(loaded) == [CORRUPT]


def _entry(value: object, version: int = int(cache.FORMAT)) -> bytes:
    """A well-formed entry around any JSON value: a wrong type with a right checksum."""
    return _framed(json.dumps({"value": value, "blobs": []}).encode(), version)


def _framed(text: bytes, version: int = int(cache.FORMAT)) -> bytes:
    digest = hashlib.sha256(text).digest()
    return struct.pack(">8sIQQ32s", b"PUBCACHE", version, len(text), 0, digest) + text


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _zero(path: Path) -> None:
    path.write_bytes(bytes(path.stat().st_size))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _wrong_type(path: Path) -> None:
    path.write_bytes(_entry([1, 2, 3]))


def _wrong_field(path: Path) -> None:
    path.write_bytes(_entry({"id": 5, "read": [], "document": None, "found": []}))


def _bad_text(path: Path) -> None:
    path.write_bytes(_framed(b'{"value": "\xff\xfe", "blobs": []}'))


def _deep(path: Path) -> None:
    path.write_bytes(_framed(b'{"value":' + b"[" * 100_000 + b"]" * 100_000 + b',"blobs":[]}'))


def _bad_blob(path: Path) -> None:
    path.write_bytes(_framed(b'{"value": {"$b": 3}, "blobs": []}'))


def _huge_length(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:12] + struct.pack(">Q", 2**62) + data[20:])


def _huge_file(path: Path) -> None:
    with path.open("wb") as stream:
        stream.truncate(cache.MAX_ENTRY + 1)  # sparse: costs no disk


def _old_format(path: Path) -> None:
    path.write_bytes(_entry({}, version=1))


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGE = {
    f.__name__.lstrip("_"): f
    for f in (
        _truncate, _zero, _empty, _flip, _wrong_type, _wrong_field, _bad_text, _deep,
        _bad_blob, _huge_length, _huge_file, _old_format, _fifo, _device, _folder,
    )
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_entry_is_dropped_made_again_and_reported_once(
    kind: str, folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "cache"
    uncached = load([str(folder)])
    load([str(folder)], cache=store)
    damaged = entries(store / "documents")[0]
    DAMAGE[kind](damaged)
    loaded = load([str(folder)], cache=store)
    assert without_corrupt(loaded) == without_corrupt(uncached)
    problem = next(p for p in loaded.diagnostics if p.code == CORRUPT)
    assert problem.severity == "warning"
    assert problem.path == str(damaged)
    assert corrupt_codes(loaded) == [CORRUPT]
    again = load([str(folder)], cache=store)
    assert corrupt_codes(again) == []
    assert damaged.is_file()


def test_every_front_matter_type_comes_back_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    (root / "a.md").write_text(
        "---\ntitle: A\nwhen: 2021-02-03T04:05:06+05:30\nday: 2021-02-03\nn: 3\nx: 1.5\n"
        "flag: true\nnothing: null\n$odd: [1, {$b: 2, c: [x]}]\nraw: !!binary aGk=\n---\n\nText.\n"
    )
    (root / "b.md").write_text(
        '+++\ntitle = "B"\nat = 07:32:00\nlocal = 1979-05-27T07:32:00\n[table]\nkey = [1, 2]\n+++\n'
        "\nText.\n"
    )
    store = tmp_path / "cache"
    uncached = load([str(root)])
    load([str(root)], cache=store)
    cached = load([str(root)], cache=store)
    assert cached.documents == uncached.documents
    assert [type(v) for d in cached.documents for v in d.meta.values()] == [
        type(v) for d in uncached.documents for v in d.meta.values()
    ]
    assert corrupt_codes(cached) == []


def test_a_file_edited_while_it_is_read_does_not_poison_the_cache(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = sorted(folder.glob("*.md"))[0]
    before = target.read_bytes()
    after = before.replace(b"title:", b"title: Edited", 1)
    original = load([str(folder)])
    edits: list[Path] = []

    def edit_once(path: Path) -> None:
        if path == target and not edits:
            edits.append(path)
            target.write_bytes(after)

    def reading(path: Path, limit: int) -> bytes:
        data = read(path, limit)
        edit_once(Path(path))
        return data

    # The file changes the moment it has been read once, as an editor saving mid-build does.
    read = files.read
    monkeypatch.setattr(files, "read", reading)
    store = tmp_path / "cache"
    during = load([str(folder)], cache=store)
    monkeypatch.undo()
    assert edits == [target]
    # What was read is what was parsed and kept: the bytes before the edit.
    assert during.documents == original.documents
    target.write_bytes(before)
    assert load([str(folder)], cache=store).documents == original.documents
    target.write_bytes(after)
    assert load([str(folder)], cache=store).documents == load([str(folder)]).documents


def test_a_value_that_is_not_data_is_not_cached(tmp_path: Path) -> None:
    store = cache.Store(tmp_path / "store")
    store.put("set", {"a": {1, 2}})  # type: ignore[dict-item]
    store.put("key", {1: "a"})  # type: ignore[dict-item]
    assert entries(tmp_path) == []
    store.put("ok", {"$b": b"\x00bytes", "$$": [1.0, 0, None, "x"]})
    assert store.get("ok") == {"$b": b"\x00bytes", "$$": [1.0, 0, None, "x"]}


def _laid(opens: int | None = 0) -> Laid:
    run = Run(0, 2, 10.5, 700.0, ((3, 0.0), (4, -12)), ((0, False),), ((5, 6.25),))
    page = Page(
        (("doc-a", 0, 72.5),),
        ((1, "A", 0.0, 700.0, "open"),),
        (("doc-b", (1, 2.5, 3, 4)),),
        ((1, Stamp((b"BT", b"ET"), (run,), 0.5)),),
        opens,
    )
    fonts = {"F1": Font("ABCDEF+Serif", {3: 500, 4: 250.5}, {3: "a"}, "ab" * 32, 0)}
    return Laid(b"%PDF-1.7 \x00\xff", (page,), fonts, ((30, "%s", ("x",)),), (("u", "why"),))


def test_a_layout_comes_back_as_it_was_or_not_at_all(tmp_path: Path) -> None:
    store = cache.Store(tmp_path)
    store.put("good", cache_layouts.layout_data((_laid(), _laid(None))))
    back = store.load("good", cache_layouts.layout)
    assert back == (_laid(), _laid(None))
    # A PDF writes 0 and 0.0 differently: numbers keep their type.
    assert back is not None and repr(back) == repr((_laid(), _laid(None)))
    pageless = cache_layouts.layout_data((_laid(),))
    assert isinstance(pageless, list) and isinstance(pageless[0], dict)
    pageless[0]["pages"] = []
    crafted = {
        "no pages": pageless,
        "negative block": cache_layouts.layout_data((_laid(-1),)),
        "bool for int": cache_layouts.layout_data((_laid(True),)),
    }
    for key, value in crafted.items():
        store.put(key, value)
        assert store.load(key, cache_layouts.layout) is None, key
    assert [reason for _, reason in store.damaged] == [
        "a laid-out piece without pages",
        "block -1",
        "expected an integer, found bool",
    ]
