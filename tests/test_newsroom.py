"""A newsroom's project run from make: a weekly brief, a Spanish edition, its own look, releases."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from test_theme import count, cover_image, first_page, page_images

CONFIG = """\
[book]
title = "The Desk"
publisher = "Desk Co"
lang = "en"

[sources]
paths = ["content"]

[theme]
css = ["extra.css"]
logo = "brand/logo.png"

[editions.weekly]
format = "pdf"
output = "dist/weekly.pdf"
since = "-7d"

[editions.semanal]
format = "epub"
output = "dist/semanal.epub"
lang = "es"
title = "La mesa"
since = "-7d"
"""
MAKEFILE = """\
release:
\t$(PUBLISHER) release --version $(VERSION)
"""
ACCENT = (0x0A, 0x7A, 0x55)
LOGO = (200, 30, 160)
LOGO_SIZE = (300, 120)
FIRST = dt.datetime(2021, 3, 5, 12, tzinfo=dt.UTC)
"""The first release's day: the week before it holds the documents of March 1."""
SECOND = dt.datetime(2021, 3, 22, 12, tzinfo=dt.UTC)
"""The second release's: the week before it holds March 19's document only."""
BROKEN = "---\ntitle: [unclosed\n---\nBody.\n"


@dataclass(frozen=True)
class Run:
    """What a command printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], root: Path, when: dt.datetime, **env: str) -> Run:
    """A command at a given time, with stdout and stderr piped as a scheduled job or CI has them."""
    done = subprocess.run(
        args,
        cwd=root,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(int(when.timestamp())), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def make(root: Path, version: str, when: dt.datetime) -> Run:
    """`make release` of a version."""
    publisher = f"{sys.executable} -m publisher"
    done = run(
        ["make", "--no-print-directory", "release"],
        root,
        when,
        PUBLISHER=publisher,
        VERSION=version,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path) -> tuple[Path, Run]:
    """The project after its two releases, and what make printed for the second."""
    root = tmp_path_factory.mktemp("desk")
    (root / "content").mkdir()
    later = sorted(whitehouse_sample.glob("2021-03-19-*.md"))
    for path in sorted(whitehouse_sample.glob("2021-0[1-3]-*.md")):
        if path not in later:
            shutil.copy(path, root / "content" / path.name)
    (root / "publisher.toml").write_text(CONFIG, encoding="utf-8")
    (root / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (root / "extra.css").write_text(":root { --accent: #0a7a55; }\n", encoding="utf-8")
    (root / "brand").mkdir()
    Image.new("RGB", LOGO_SIZE, LOGO).save(root / "brand" / "logo.png")
    make(root, "1", FIRST)
    for path in later:
        shutil.copy(path, root / "content" / path.name)
    return root, make(root, "2", SECOND)


def test_make_prints_a_line_for_each_stage_of_each_edition(desk: tuple[Path, Run]) -> None:
    _, printed = desk
    lines = printed.stdout.splitlines()
    for stage in ("reading:", "normalizing:", "[weekly] layout:", "[weekly] merging:"):
        assert any(line.startswith(stage) for line in lines), (stage, printed.stdout)
    assert any(line.startswith("[semanal] writing:") for line in lines), printed.stdout
    # The relative dates, as resolved for this release.
    assert "weekly: since -7d = 2021-03-15" in lines, printed.stdout
    assert "wrote dist/releases/2/weekly-2.pdf" in printed.stdout


def test_each_release_keeps_its_own_checksums(desk: tuple[Path, Run]) -> None:
    root, _ = desk
    for version in ("1", "2"):
        folder = root / "dist" / "releases" / version
        check = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert f"weekly-{version}.pdf: OK" in check.stdout
        assert f"semanal-{version}.epub: OK" in check.stdout


def test_the_weekly_brief_holds_the_week_before_each_release(desk: tuple[Path, Run]) -> None:
    root, _ = desk
    releases = root / "dist" / "releases"
    first = json.loads((releases / "1" / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((releases / "2" / "manifest.json").read_text(encoding="utf-8"))
    weekly = next(o for o in first["outputs"] if o["edition"] == "weekly")
    assert {d["published"][:10] for d in weekly["documents"]} == {"2021-03-01"}
    weekly = next(o for o in second["outputs"] if o["edition"] == "weekly")
    assert [d["published"][:10] for d in weekly["documents"]] == ["2021-03-19"]


def test_the_spanish_edition_speaks_spanish(desk: tuple[Path, Run]) -> None:
    root, _ = desk
    with zipfile.ZipFile(root / "dist" / "releases" / "2" / "semanal-2.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
        nav = book.read("EPUB/nav.xhtml").decode()
    assert "<dc:language>es</dc:language>" in opf
    assert "<dc:title" in opf and "La mesa" in opf
    assert 'xml:lang="es"' in nav and "Índice" in nav


def test_both_covers_show_the_logo_and_the_accent(desk: tuple[Path, Run]) -> None:
    root, _ = desk
    folder = root / "dist" / "releases" / "2"
    assert LOGO_SIZE in page_images(folder / "weekly-2.pdf")
    for image in (first_page(folder / "weekly-2.pdf"), cover_image(folder / "semanal-2.epub")):
        assert count(image, LOGO) > 5000
        assert count(image, ACCENT) > 500
    text = PdfReader(folder / "weekly-2.pdf").pages[0].extract_text()
    assert "The Desk" in text and "Desk Co" in text


def test_diagnostics_as_json_lines_name_the_file_and_line(desk: tuple[Path, Run]) -> None:
    root, _ = desk
    (root / "content" / "2021-03-20-broken.md").write_text(BROKEN, encoding="utf-8")
    command = [sys.executable, "-m", "publisher", "build", "--diagnostics-format", "json"]
    done = run(command, root, SECOND)
    assert done.returncode == 1, done.stdout + done.stderr
    diagnostics = [json.loads(line) for line in done.stderr.splitlines()]
    broken = [d for d in diagnostics if d["path"].endswith("2021-03-20-broken.md")]
    assert broken and broken[0]["severity"] == "error", diagnostics
    # YAML finds the bracket left open where the front matter closes, on line 3.
    assert broken[0]["line"] == 3
    assert set(broken[0]) >= {"path", "line", "severity", "code", "message"}
    # The good documents still made both editions.
    assert (root / "dist" / "weekly.pdf").is_file() and (root / "dist" / "semanal.epub").is_file()
