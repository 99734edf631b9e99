"""Files that are not plain readable documents: a diagnostic naming them, no hang, no traceback."""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from publisher.cli.commands import main
from publisher.projects import project
from publisher.projects.config import load
from publisher.reading import files, reader, sources

GOOD = Path(__file__).parent / "fixtures" / "reader" / "2021-03-01-u-s-mexico-joint-declaration.md"
POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and byte names are POSIX")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of one good document in ``content``, with an EPUB edition; the working folder."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    shutil.copy(GOOD, tmp_path / "content")
    (tmp_path / "publisher.toml").write_text(
        '[book]\ntitle = "Files"\n\n[sources]\npaths = ["content"]\n\n'
        '[editions.book]\nformat = "epub"\noutput = "dist/book.epub"\n'
    )
    return tmp_path


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _limited_memory() -> None:
    # Reading a device without bound would take the machine's memory before failing.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _run(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process with a time and memory bound, since the failure is a hang."""
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_limited_memory,
    )


def _assert_reported(stderr: str, name: str, message: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert any(
        line.startswith(f"{name}: error: ") and message in line for line in stderr.splitlines()
    ), stderr


@POSIX
@pytest.mark.parametrize("verb", ["check", "build"])
def test_a_fifo_is_reported_not_waited_on(folder: Path, verb: str) -> None:
    """A named pipe with no writer blocked the reader for ever, with and without the cache."""
    os.mkfifo(folder / "content" / "x.md")
    result = _run([verb], folder)
    assert result.returncode == 1, result.stderr
    _assert_reported(result.stderr, "x.md", "not a regular file but a named pipe (FIFO)")
    if verb == "build":
        assert "1 documents" in result.stdout + result.stderr
        assert (folder / "dist" / "book.epub").is_file()


@POSIX
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_reported_not_read_without_end(folder: Path) -> None:
    """A link to /dev/zero named as a source has size 0 and no end: the cache key read it whole."""
    (folder / "zero.md").symlink_to("/dev/zero")
    result = _run(["build", "content", "zero.md", "-f", "epub", "-o", "out/z.epub"], folder)
    assert result.returncode == 1, result.stderr
    _assert_reported(result.stderr, "zero.md", "not a regular file but a device")
    assert (folder / "out" / "z.epub").is_file()


def test_reads_stop_at_the_limit(tmp_path: Path) -> None:
    """A file one byte over the limit is refused after reading limit + 1 bytes."""
    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 11)
    with pytest.raises(files.Refused) as refused:
        files.read(path, 10)
    assert refused.value.code == "too-large"
    assert files.read(path, 11) == b"x" * 11
    assert files.digest(path, 5) == files.digest(_write(tmp_path / "b.md", b"x" * 6))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _refusing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every way of opening files named ``name`` fail as chmod 000 does (tests run as root)."""

    def guard(opener: Callable[..., Any]) -> Callable[..., Any]:
        def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(name):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return opener(path, *args, **kwargs)

        return refuse

    monkeypatch.setattr(io, "open", guard(io.open))
    monkeypatch.setattr(os, "open", guard(os.open))


def test_an_unreadable_file_is_reported(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the build may not read: the project's up-to-date check raised PermissionError."""
    shutil.copy(GOOD, folder / "content" / "secret.md")
    _refusing("secret.md", monkeypatch)
    result = _cli("build")
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, PermissionError)
    _assert_reported(result.stderr, "secret.md", "Permission denied")
    assert (folder / "dist" / "book.epub").is_file()


def test_a_file_deleted_mid_build_is_reported(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file listed, then deleted before it is read: FileNotFoundError in the up-to-date check."""
    doomed = folder / "content" / "doomed.md"
    shutil.copy(GOOD, doomed)
    listing = sources.find([str(folder / "content")])

    def find_then_delete(*_: Any, **__: Any) -> Any:
        doomed.unlink(missing_ok=True)
        return listing

    monkeypatch.setattr(sources, "find", find_then_delete)
    result = _cli("build")
    assert not isinstance(result.exception, FileNotFoundError)
    assert result.exit_code == 1, result.output
    _assert_reported(result.stderr, "doomed.md", "No such file or directory")
    assert (folder / "dist" / "book.epub").is_file()


@POSIX
@pytest.mark.parametrize("verb", ["check", "build"])
def test_a_name_that_is_not_utf8_is_reported(folder: Path, verb: str) -> None:
    """A file named in Latin-1 became lone surrogates that broke the digest with a traceback."""
    content = os.fsencode(folder / "content")
    try:
        with open(os.path.join(content, b"caf\xe9.md"), "wb") as stream:  # noqa: PTH118, PTH123
            stream.write(GOOD.read_bytes())
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    result = _cli(verb)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    _assert_reported(result.stderr, "caf\\xe9.md", "not valid UTF-8")


def test_the_up_to_date_check_reads_no_more_than_the_reader(folder: Path) -> None:
    """A 64 MB source was read whole into memory to fingerprint the project."""
    with (folder / "content" / "huge.md").open("wb") as stream:
        stream.truncate(64 << 20)
    config = load(folder / "publisher.toml")
    found, _ = sources.find([str(folder / "content")])
    tracemalloc.start()
    try:
        first = project._fingerprint(config, [path for path, _ in found])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * reader.MAX_BYTES
    with (folder / "content" / "huge.md").open("r+b") as stream:
        stream.write(b"x")
    assert project._fingerprint(config, [path for path, _ in found]) != first


@POSIX
@pytest.mark.parametrize("fmt", ["epub", "pdf"])
def test_a_theme_file_name_that_is_not_utf8_is_no_traceback(folder: Path, fmt: str) -> None:
    """The up-to-date check and the PDF cache key encoded every theme file name as UTF-8."""
    styles = os.fsencode(folder / "styles")
    try:
        os.makedirs(os.path.join(styles, b"fonts"))  # noqa: PTH103, PTH118
        with open(os.path.join(styles, b"fonts", b"caf\xe9.txt"), "wb") as stream:  # noqa: PTH118, PTH123
            stream.write(b"notes\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    (folder / "publisher.toml").write_text(
        '[book]\ntitle = "Files"\n\n[sources]\npaths = ["content"]\n\n'
        '[theme]\nstyles = "styles"\n\n'
        f'[editions.book]\nformat = "{fmt}"\noutput = "dist/book.{fmt}"\n'
    )
    result = _cli("build", "-j", "2")
    assert result.exit_code == 0, result.output
    assert (folder / "dist" / f"book.{fmt}").is_file()
