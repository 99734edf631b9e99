"""Whole builds with the cache: the same bytes as without it, whatever it held, under its cap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cache import store as cache
from publisher.cli.commands import main
from publisher.pdf import parallel as pdf_parallel
from publisher.projects import config

EPOCH = "1700000000"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def run(*args: str) -> None:
    result = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(
        main, list(args), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def project(tmp_path: Path, whitehouse_sample: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three real documents, and a working folder whose cache is the one under test."""
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted(whitehouse_sample.glob("*.md"))[:3]:
        shutil.copy(path, content / path.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def damage(store: Path) -> int:
    """Damage every other entry, each in one of several ways; how many were damaged."""
    found = sorted(p for p in store.rglob("*.entry"))[::2]
    for number, path in enumerate(found):
        data = path.read_bytes()
        kind = number % 4
        if kind == 0:
            path.write_bytes(data[: len(data) // 2])
        elif kind == 1:
            path.write_bytes(bytes(len(data)))
        elif kind == 2:
            path.write_bytes(data[:12] + b"\xff" * 8 + data[20:])
        else:
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    return len(found)


@pytest.mark.parametrize("fmt", ["epub", "pdf"])
def test_a_rebuild_after_damage_gives_the_bytes_of_an_uncached_build(
    project: Path, fmt: str
) -> None:
    run("build", "content", "-f", fmt, "-o", f"plain.{fmt}", "-j", "1", "--no-cache")
    run("build", "content", "-f", fmt, "-o", f"first.{fmt}", "-j", "1")
    run("build", "content", "-f", fmt, "-o", f"cached.{fmt}", "-j", "1")
    if fmt == "pdf":
        assert pdf_parallel.last is not None and pdf_parallel.last.laid_out == ()
    assert damage(project / cache.DEFAULT) >= (2 if fmt == "epub" else 4)
    run("build", "content", "-f", fmt, "-o", f"again.{fmt}", "-j", "1")
    plain = (project / f"plain.{fmt}").read_bytes()
    for name in ("first", "cached", "again"):
        assert (project / f"{name}.{fmt}").read_bytes() == plain, name


@pytest.mark.parametrize("how", ["removed", "damaged"])
def test_a_rebuild_after_losing_the_font_files_gives_the_bytes_of_an_uncached_build(
    project: Path, how: str
) -> None:
    # The merge cuts faces from the font files the units kept: losing only those must not change
    # a byte, even in the process that kept them (``run`` builds in this one).
    run("build", "content", "-f", "pdf", "-o", "plain.pdf", "-j", "1", "--no-cache")
    run("build", "content", "-f", "pdf", "-o", "first.pdf", "-j", "1")
    store = cache.Store(project / cache.DEFAULT / "pdf")
    fonts = [
        path
        for path in sorted(store.folder.glob(f"*{cache.SUFFIX}"))
        if isinstance(value := store.get(path.stem), bytes) and value[:4] in (b"\0\1\0\0", b"true")
    ]
    assert fonts
    for path in fonts:
        if how == "removed":
            path.unlink()
        else:
            path.write_bytes(path.read_bytes()[:100])
    run("build", "content", "-f", "pdf", "-o", "again.pdf", "-j", "1")
    assert (project / "again.pdf").read_bytes() == (project / "plain.pdf").read_bytes()
    assert all(path.is_file() for path in fonts)


def test_the_least_recently_used_files_go_past_the_cap(tmp_path: Path) -> None:
    store = cache.Store(tmp_path / "documents")
    for number in range(5):
        store.put(f"k{number}", b"x" * 1000)
    now = time.time()
    for number, path in enumerate(sorted(store.folder.iterdir())):
        os.utime(path, (now - 100 + number, now - 100 + number))
    assert store.get("k0") == b"x" * 1000  # used now: the newest
    cache.trim(tmp_path, 3 * 1100)
    assert sorted(p.stem for p in store.folder.iterdir()) == ["k0", "k3", "k4"]


def test_a_killed_builds_temporary_entries_go_and_a_live_ones_stay(tmp_path: Path) -> None:
    store = tmp_path / "pdf"
    store.mkdir()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = store / f".0123456789abcdef.{ended.stdout.strip()}.x1y2.tmp"
    live = store / f".0123456789abcdef.{os.getpid()}.z3w4.tmp"
    for path in (dead, live):
        path.write_bytes(b"half an entry")
    cache.trim(tmp_path, 10**9)
    assert not dead.exists()
    assert live.exists()


def test_a_project_build_keeps_its_cache_under_the_cap(project: Path) -> None:
    (project / "publisher.toml").write_text(
        '[sources]\npaths = ["content"]\n[cache]\nmax_mb = 1\n[editions.all]\nformat = "epub"\n'
    )
    old = project / cache.DEFAULT / "documents" / "old.entry"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"\0" * 3_000_000)
    os.utime(old, (1, 1))
    run("build")
    assert not old.exists()
    kept = [p for p in (project / cache.DEFAULT).rglob("*") if p.is_file()]
    assert len([p for p in kept if p.suffix == ".entry"]) == 3
    assert sum(p.stat().st_size for p in kept) <= 1_000_000


@pytest.mark.parametrize(("value", "code"), [("0", "config-value"), ('"1 GB"', "config-type")])
def test_the_cap_must_be_a_positive_number_of_megabytes(
    tmp_path: Path, value: str, code: str
) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(f"[cache]\nmax_mb = {value}\n")
    with pytest.raises(config.ConfigError) as error:
        config.load(path)
    assert [(d.code, d.line) for d in error.value.diagnostics] == [(code, 2)]
    path.write_text("[cache]\nmax_mb = 20\n")
    assert config.load(path).cache_mb == 20


def test_clean_removes_the_cache(project: Path) -> None:
    run("build", "content", "-f", "epub", "-o", "out.epub")
    assert (project / cache.DEFAULT / "documents").is_dir()
    run("clean")
    assert not (project / cache.DEFAULT).exists()
    assert (project / "out.epub").is_file()
    run("clean")


@pytest.mark.skipif(not DEJAVU.is_file(), reason=f"needs a font with Armenian: {DEJAVU}")
def test_installing_a_font_makes_cached_layouts_miss(project: Path) -> None:
    (project / "content" / "hy.md").write_text(
        # Armenian, which the theme's Liberation fonts lack and DejaVu has.
        "---\ntitle: Բարեւ\ndate: 2021-01-01\nlang: hy\n---\n\nԲարեւ Ձեզ, աշխարհ։\n"  # noqa: RUF001
    )
    fonts = project / "fonts"
    fonts.mkdir()
    conf = project / "fonts.conf"
    conf.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir>"
        f"<cachedir>{project / 'fc-cache'}</cachedir></fontconfig>"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "SOURCE_DATE_EPOCH": EPOCH}

    def build(name: str, *options: str) -> bytes:
        command = [sys.executable, "-m", "publisher", "build", "content", "-f", "pdf", "-j", "1"]
        subprocess.run([*command, "-o", name, *options], env=env, check=True, cwd=project)
        return (project / name).read_bytes()

    (project / "publisher.toml").write_text(
        '[sources]\npaths = ["content"]\n[editions.brief]\nformat = "pdf"\noutput = "brief.pdf"\n'
    )
    command = [sys.executable, "-m", "publisher", "build", "brief", "-j", "1"]
    edition = subprocess.run(command, env=env, cwd=project, capture_output=True, text=True)
    before = build("before.pdf")
    shutil.copy(DEJAVU, fonts)
    after = build("after.pdf")
    assert after == build("plain.pdf", "--no-cache")
    assert after != before
    # The edition was up to date; with a new font it is not.
    again = subprocess.run(command, env=env, cwd=project, capture_output=True, text=True)
    assert "wrote brief.pdf" in edition.stderr + edition.stdout
    assert "wrote brief.pdf" in again.stderr + again.stdout, again.stderr
