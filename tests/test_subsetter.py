"""Without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools: one hint, a clean build."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import weasyprint.pdf.fonts
from click.testing import CliRunner

from publisher.assembling.assemble import BookInfo, assemble
from publisher.build import load
from publisher.cli.commands import main
from publisher.pdf import writer as pdf
from publisher.rendering.options import OutputOptions

pytestmark = pytest.mark.fonts

DECLARATION = "2021-03-01-u-s-mexico-joint-declaration.md"
HINT = (
    "note: install libharfbuzz-subset0 (HarfBuzz 4.1 or later) for faster PDF builds; "
    "fonts were subset with the slower fontTools [pdf-subsetter]"
)


@pytest.fixture
def fonttools(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's WeasyPrint as on a machine without libharfbuzz-subset."""
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)


@pytest.fixture
def project(tmp_path: Path, sample_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two PDF editions and an EPUB of two documents; the working folder is the project."""
    content = tmp_path / "content"
    content.mkdir()
    for path in sorted((sample_corpus / "whitehouse").glob("2021-03-01-*.md")):
        shutil.copy(path, content / path.name)
    (tmp_path / "publisher.toml").write_text(
        '[book]\ntitle = "Subsetters"\n\n[sources]\npaths = ["content"]\n\n'
        '[editions.brief]\nformat = "pdf"\nlayout = "brief"\n\n'
        '[editions.book]\nformat = "pdf"\nlayout = "book"\n\n'
        '[editions.collection]\nformat = "epub"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("fonttools")
@pytest.mark.parametrize("strict", [False, True])
def test_fonttools_gives_one_note_per_build_and_no_problem(project: Path, strict: bool) -> None:
    # -j 0 lays each PDF out in this process, where WeasyPrint is made to take fontTools.
    args = ["build", "-j", "0", *(["--strict"] if strict else [])]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [HINT]
    assert "0 warnings" in result.stdout
    assert sorted(p.name for p in (project / "dist").iterdir()) == [
        "book.pdf",
        "brief.pdf",
        "collection.epub",
    ]


@pytest.mark.usefixtures("fonttools")
def test_quiet_hides_the_note(project: Path) -> None:
    result = CliRunner().invoke(main, ["-q", "build", "-j", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_documents_without_a_project_get_the_note_once(
    tmp_path: Path, sample_corpus: Path, fonttools: None
) -> None:
    source = sample_corpus / "whitehouse" / DECLARATION
    shutil.copy(source, tmp_path / DECLARATION)
    out = tmp_path / "out"
    args = ["build", str(tmp_path / DECLARATION), "-o", str(out), "-j", "0", "--strict"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [HINT]
    assert sorted(p.suffix for p in out.iterdir()) == [".epub", ".pdf"]


def test_a_layout_cached_under_another_date_gives_the_bytes_of_a_fresh_one(
    tmp_path: Path, sample_corpus: Path, fonttools: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fontTools dates each subset it writes by SOURCE_DATE_EPOCH, or by the clock without it.
    folder = tmp_path / "content"
    folder.mkdir()
    for path in sorted((sample_corpus / "whitehouse").glob("2021-03-01-*.md")):
        shutil.copy(path, folder / path.name)
    loaded = load([str(folder)])
    info = BookInfo(title="Dates", modified=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    compilation = assemble(loaded.documents, info)[0]
    with ThreadPoolExecutor(1) as executor:  # in this process, where fontTools is forced
        options = OutputOptions(
            roots=loaded.roots, layout="book", executor=executor, cache=tmp_path / "cache"
        )
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
        assert pdf.write(compilation, tmp_path / "first.pdf", options) == [pdf.SUBSETTER_HINT]
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
        pdf.write(compilation, tmp_path / "cached.pdf", options)
        pdf.write(compilation, tmp_path / "fresh.pdf", dataclasses.replace(options, cache=None))
    fresh = (tmp_path / "fresh.pdf").read_bytes()
    assert (tmp_path / "cached.pdf").read_bytes() == fresh
    assert (tmp_path / "first.pdf").read_bytes() == fresh
