"""Output that cannot be written: a clear message, the previous file intact, nothing left over."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_adversarial import ADVERSARIAL

from publisher.cli.commands import main

GOOD = ADVERSARIAL / "good-u-s-mexico-joint-declaration.md"


@pytest.fixture
def previous(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one good document, built once to out/book.epub."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    shutil.copy(GOOD, tmp_path / "src")
    assert _build(tmp_path).exit_code == 0
    return tmp_path / "out" / "book.epub"


def _build(folder: Path, *extra: str) -> Result:
    arguments = [
        "build",
        str(folder / "src"),
        "-f",
        "epub",
        "-o",
        str(folder / "out" / "book.epub"),
    ]
    return CliRunner().invoke(main, [*arguments, "--title", "Book", "--no-cache", *extra])


def _leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p != output)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_output_folder_is_reported(previous: Path) -> None:
    """A folder that refuses writes gives exit 1 and a message, and the old book stays."""
    before = previous.read_bytes()
    previous.parent.chmod(0o555)
    try:
        result = _build(previous.parents[1])
    finally:
        previous.parent.chmod(0o755)
    assert result.exit_code == 1
    assert "Permission denied" in result.stderr
    assert "Traceback" not in result.output
    assert previous.read_bytes() == before


def test_a_refused_temporary_file_is_reported(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only folder as root sees it: creating the file beside the book fails."""
    before = previous.read_bytes()

    def refuse(*_: Any, **__: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = _build(previous.parents[1])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    expected = f"{previous}: error: could not write the EPUB: [Errno 13] Permission denied"
    assert expected in result.stderr
    assert previous.read_bytes() == before
    assert _leftovers(previous) == []


def test_a_disk_full_mid_write_keeps_the_previous_book(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half the bytes written, then ENOSPC: an error, the old book, no temporary file."""
    before = previous.read_bytes()
    write_bytes = Path.write_bytes

    def half(self: Path, data: bytes) -> int:
        write_bytes(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", half)
    result = _build(previous.parents[1])
    assert result.exit_code == 1
    assert "could not write the EPUB: [Errno 28] No space left on device" in result.stderr
    assert previous.read_bytes() == before
    assert _leftovers(previous) == []


@pytest.mark.crash
def test_an_unexpected_error_in_the_zip_writer_keeps_the_previous_book(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug mid-archive keeps its traceback in a crash log, exits 3, and still writes nothing."""
    before = previous.read_bytes()
    writestr = zipfile.ZipFile.writestr

    def explode(self: zipfile.ZipFile, entry: str | zipfile.ZipInfo, *rest: Any, **kw: Any) -> None:
        # EbookLib names its entries by string; only the repacked archive passes ZipInfo.
        if isinstance(entry, zipfile.ZipInfo) and entry.filename != "mimetype":
            raise RuntimeError("writer bug")
        writestr(self, entry, *rest, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    result = _build(previous.parents[1])
    assert result.exit_code == 3
    [log] = (previous.parents[1] / ".publisher-cache").glob("crash-*.log")
    assert "RuntimeError: writer bug" in log.read_text()
    assert "Traceback" not in result.output
    assert previous.read_bytes() == before
    assert _leftovers(previous) == []


def _strict(folder: Path, *extra: str) -> Result:
    arguments = ["build", str(folder / "src"), "-o", str(folder / "strict"), "--strict", *extra]
    return CliRunner().invoke(main, [*arguments, "--title", "Book", "--no-cache"])


def test_strict_writes_nothing_after_a_document_warning(previous: Path) -> None:
    """A warning while reading stops a --strict build before any output."""
    folder = previous.parents[1]
    (folder / "src" / "plain.md").write_text("No front matter here.\n")
    result = _strict(folder, "-f", "epub")
    assert result.exit_code == 1
    assert "plain.md:1: warning: no front matter" in result.stderr
    assert "strict: nothing written because of the problems above" in result.stderr
    assert not (folder / "strict").exists()


def test_strict_writes_nothing_when_a_later_format_warns(previous: Path) -> None:
    """The PDF is written aside, the EPUB then warns: neither is kept, nor the aside folder."""
    folder = previous.parents[1]
    result = _strict(folder, "-f", "pdf", "-f", "epub", "--bilingual", "parallel")
    assert result.exit_code == 1
    assert "[parallel-in-epub]" in result.stderr
    assert "strict: nothing written because of the problems above" in result.stderr
    assert list((folder / "strict").iterdir()) == []


def test_strict_writes_a_clean_build(previous: Path) -> None:
    """Without any problem, --strict writes as usual."""
    folder = previous.parents[1]
    result = _strict(folder, "-f", "epub")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in (folder / "strict").iterdir()] == ["book.epub"]


@pytest.mark.skipif(os.name != "posix", reason="process ids are checked with POSIX signals")
@pytest.mark.parametrize("strict", [False, True])
def test_a_killed_builds_temporary_files_go_with_the_next_build(
    previous: Path, strict: bool
) -> None:
    """A killed write left ``.book.epub.*.tmp`` beside the book for ever; a live build's stay."""
    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    folder = previous.parent
    try:
        (folder / f".book.epub.{ended.pid}.k1ll3d00.tmp").write_bytes(b"PK\x03\x04 half")
        aside = folder / f".book.epub.{ended.pid}.k1ll3d01.tmp"
        aside.mkdir()
        (aside / "book.epub").write_bytes(b"PK\x03\x04 half")
        live = folder / f".book.epub.{running.pid}.w0rk1ng0.tmp"
        live.write_bytes(b"PK\x03\x04 being written")
        other = folder / f".notes.txt.{ended.pid}.k1ll3d02.tmp"
        other.write_bytes(b"not ours")
        result = _build(previous.parents[1], *(["--strict"] if strict else []))
    finally:
        running.kill()
        running.wait()
    assert result.exit_code == 0, result.output
    assert _leftovers(previous) == sorted([live.name, other.name])
