"""``publisher validate``: outputs through EPUBCheck, Ace and the PDF checks, as diagnostics."""

from __future__ import annotations

import dataclasses
import re
import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result
from test_epub import build, built
from tools import ACE_MISSING, ace_runs, programs

from publisher import checking
from publisher.checking import ace, epubcheck, pdf
from publisher.cli import validating
from publisher.cli.commands import main
from publisher.model import Diagnostic

TERMS = ("cluster.md", "container.md", "ingress.md")


@pytest.fixture(scope="module")
def epub(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """A small EPUB: three glossary terms."""
    folder = tmp_path_factory.mktemp("validate")
    (folder / "terms").mkdir()
    for term in TERMS:
        shutil.copy(sample_corpus / "bilingual" / "cncf-glossary" / "en" / term, folder / "terms")
    path = folder / "terms.epub"
    built(build(str(folder / "terms"), "-f", "epub", "-o", str(path)), path)
    return path


@pytest.fixture
def no_ace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verb finds the machine's validators but Ace, which other tests run on their own."""
    found = dataclasses.replace(programs(), ace=None)
    monkeypatch.setattr(validating.checking, "find", lambda _: found)


def validate(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)


def tampered(epub: Path, target: Path, edit: dict[str, tuple[str, str]]) -> Path:
    """A copy of an EPUB with text replaced in some entries (entry: (old, new))."""
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in edit:
                old, new = edit[info.filename]
                assert old.encode() in data, (info.filename, old)
                data = data.replace(old.encode(), new.encode(), 1)
            out.writestr(info, data)
    return target


def blank_pdf(path: Path) -> Path:
    with pikepdf.new() as document:
        document.add_blank_page()
        document.save(path)
    return path


@pytest.mark.usefixtures("no_ace")
def test_a_clean_epub_and_pdf_pass_and_a_missing_ace_is_a_note(epub: Path, tmp_path: Path) -> None:
    result = validate(str(epub), str(blank_pdf(tmp_path / "blank.pdf")))
    assert result.exit_code == 0, result.output
    assert "2 outputs validated: 0 errors, 0 warnings" in result.output
    assert "note: Ace by DAISY is not installed" in result.output


@pytest.mark.usefixtures("no_ace")
def test_epubcheck_errors_fail_with_the_file_and_line(epub: Path, tmp_path: Path) -> None:
    broken = tampered(
        epub,
        tmp_path / "broken.epub",
        {"EPUB/doc-cluster.xhtml": ('<h1 class="doc-title">', '<h1 class="doc-title"><p>')},
    )
    result = validate(str(broken))
    assert result.exit_code == 1
    where = re.escape(f"{broken}/EPUB/doc-cluster.xhtml")
    found = rf"{where}:\d+:\d+: error: .* \[epubcheck-RSC-\d+\]"
    assert re.search(found, result.output), result.output
    assert re.search(r"1 output validated: [1-9]\d* errors", result.output)


def test_epubcheck_messages_become_diagnostics_at_their_first_place(tmp_path: Path) -> None:
    report = {
        "messages": [
            {
                "ID": "RSC-005",
                "severity": "ERROR",
                "message": "Error while parsing file",
                "locations": [
                    {"path": "EPUB/a.xhtml", "line": 3, "column": 7},
                    {"path": "EPUB/b.xhtml", "line": 9, "column": 1},
                ],
            },
            {"ID": "OPF-085", "severity": "WARNING", "message": "odd", "locations": []},
            {"ID": "ACC-009", "severity": "SUPPRESSED", "message": "quiet", "locations": []},
            {"ID": "PKG-024", "severity": "INFO", "message": "a hint", "locations": [{"line": -1}]},
        ]
    }
    book = tmp_path / "b.epub"
    assert epubcheck.findings(report, book) == [
        Diagnostic(
            f"{book}/EPUB/a.xhtml",
            3,
            "error",
            "epubcheck-RSC-005",
            "Error while parsing file (and 1 more places)",
            7,
        ),
        Diagnostic(str(book), None, "warning", "epubcheck-OPF-085", "odd"),
        Diagnostic(str(book), None, "note", "epubcheck-PKG-024", "a hint"),
    ]


def test_pdfs_that_do_not_parse_or_are_damaged_are_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really\n")
    good = blank_pdf(tmp_path / "good.pdf").read_bytes()
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(re.sub(rb"startxref\s+\d+", b"startxref\n999", good))
    assert [d.code for d in pdf.check(junk)] == ["pdf-unreadable"]
    found = pdf.check(damaged)
    assert found and {d.code for d in found} == {"pdf-damaged"}
    assert all(str(damaged) not in d.message for d in found)
    result = validate(str(junk), str(damaged))
    assert result.exit_code == 1


def test_the_pdf_checks_hook_runs_every_check_on_the_opened_pdf(tmp_path: Path) -> None:
    path = blank_pdf(tmp_path / "one.pdf")
    seen: list[int] = []

    def pages(at: Path, document: pikepdf.Pdf) -> list[Diagnostic]:
        seen.append(len(document.pages))
        return [Diagnostic(str(at), None, "warning", "pdf-test", "looked")]

    assert [d.code for d in pdf.check(path, (pages, pages))] == ["pdf-test", "pdf-test"]
    assert seen == [1, 1]


@pytest.mark.usefixtures("no_ace")
def test_missing_files_and_other_formats_are_errors(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = validate(str(tmp_path / "gone.epub"), str(other))
    assert result.exit_code == 1
    assert "gone.epub: error: no such file; build it first" in result.output
    assert "notes.txt: error: not an output Publisher validates" in result.output


def test_without_epubcheck_a_warning_that_strict_refuses(
    epub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = dataclasses.replace(programs(), epubcheck=None, ace=None)
    monkeypatch.setattr(validating.checking, "find", lambda _: found)
    result = validate(str(epub))
    assert result.exit_code == 0
    assert "warning: not checked by EPUBCheck: EPUBCheck is not installed" in result.output
    assert validate("--strict", str(epub)).exit_code == 1


@pytest.mark.usefixtures("no_ace")
def test_in_a_project_every_edition_output_is_validated(
    tmp_path: Path, sample_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "content").mkdir()
    shutil.copy(
        sample_corpus / "bilingual" / "cncf-glossary" / "en" / TERMS[0], tmp_path / "content"
    )
    (tmp_path / "publisher.toml").write_text(
        '[editions.book]\nformat = "epub"\n\n[editions.later]\nformat = "epub"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert build("book").exit_code == 0
    result = validate()
    assert result.exit_code == 1
    assert "dist/later.epub: error: no such file" in result.output
    assert "2 outputs validated: 1 errors, 0 warnings" in result.output


def test_outside_a_project_files_must_be_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert validate().exit_code == 2


def test_ace_findings_are_errors_or_warnings_by_impact(epub: Path, tmp_path: Path) -> None:
    found = programs()
    if not ace_runs(found):
        pytest.skip(ACE_MISSING)
    assert found.ace is not None
    broken = tampered(
        epub,
        tmp_path / "inaccessible.epub",
        {
            "EPUB/content.opf": (' xml:lang="en"', ""),
            "EPUB/doc-cluster.xhtml": ("</header>", "</header><h4>Too deep</h4>"),
        },
    )
    diagnostics = ace.check(found.ace, found.chromium, broken)
    codes = {(d.code, d.severity) for d in diagnostics}
    assert ("ace-epub-lang", "error") in codes
    assert ("ace-heading-order", "warning") in codes
    heading = next(d for d in diagnostics if d.code == "ace-heading-order")
    assert heading.path == f"{broken}/EPUB/doc-cluster.xhtml"
    assert "<h4>Too deep</h4>" in heading.message
    assert not any(d.code == "ace-epub-lang" for d in ace.check(found.ace, found.chromium, epub))


def test_a_validator_that_writes_no_report_is_an_error(epub: Path, tmp_path: Path) -> None:
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\necho 'something broke' >&2\nexit 1\n")
    silent.chmod(0o755)
    jar = programs().epubcheck
    assert jar is not None
    failed = [
        *epubcheck.check(str(tmp_path / "no-java"), jar, epub),
        *epubcheck.check(str(silent), jar, epub),
        *ace.check(str(silent), None, epub),
    ]
    assert [(d.severity, d.code) for d in failed] == [
        ("error", "epubcheck-failed"),
        ("error", "epubcheck-failed"),
        ("error", "ace-failed"),
    ]
    assert failed[1].message == "EPUBCheck did not report (something broke)"
    assert failed[2].message == "Ace did not report (something broke)"


def test_validators_are_found_where_npm_and_pip_put_them(tmp_path: Path) -> None:
    bin_folder = tmp_path / "node_modules" / ".bin"
    bin_folder.mkdir(parents=True)
    (bin_folder / "ace-puppeteer").write_text("#!/bin/sh\n")
    found = checking.find([tmp_path / "elsewhere", tmp_path])
    assert found.epubcheck is not None and found.epubcheck.endswith(".jar")
    assert found.java is not None
    if shutil.which("ace-puppeteer") is None:
        assert found.ace == str(bin_folder / "ace-puppeteer")
