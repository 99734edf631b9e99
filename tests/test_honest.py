"""Honest results: a bug, an error or an empty selection is never reported as a good build."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import publisher
from publisher import __version__
from publisher.cli.commands import main

# The package's ``build`` is the API function; the stages' module is reached by its full name.
build = importlib.import_module("publisher.build")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "content"
DOCS = sorted(EXAMPLE.glob("*.md"))[:3]
TOML_HEAD = b'[book]\ntitle = "Honest"\n\n[sources]\npaths = ["content"]\n\n'
TWO_EDITIONS = (
    '[editions.good]\nformat = "epub"\noutput = "dist/good.epub"\n\n'
    '[editions.bad]\nformat = "epub"\ntitle = "Bad"\noutput = "dist/bad.epub"\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of three real documents and two EPUB editions, as the working folder."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    for doc in DOCS:
        shutil.copy(doc, tmp_path / "content" / doc.name)
    _toml(tmp_path, TWO_EDITIONS)
    return tmp_path


def _toml(folder: Path, editions: str, paths: str = "content") -> None:
    head = TOML_HEAD.decode().replace('"content"', f'"{paths}"')
    (folder / "publisher.toml").write_text(head + editions)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _touch(project: Path) -> None:
    """Change a source, so that every edition has to be built again."""
    doc = project / "content" / DOCS[0].name
    doc.write_text(doc.read_text() + "\nOne more paragraph.\n")


def _failing_writer(name: str) -> Callable[..., Any]:
    real = build.WRITERS["epub"]

    def write(compilation: Any, path: Path, options: Any) -> Any:
        if path.name == name:
            raise RuntimeError("injected bug")
        return real(compilation, path, options)

    return write


def _failing_assembler(title: str) -> Callable[..., Any]:
    real = build.assemble

    def assemble(documents: Any, info: Any, *rest: Any) -> Any:
        if info.title == title:
            raise RuntimeError("injected bug")
        return real(documents, info, *rest)

    return assemble


@pytest.mark.crash
@pytest.mark.parametrize("stage", ["writing", "assembling"])
def test_a_bug_in_one_edition_keeps_the_others_and_the_old_output(
    project: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    assert run("build").exit_code == 0
    dist = project / "dist"
    old_good, old_bad = (dist / "good.epub").read_bytes(), (dist / "bad.epub").read_bytes()
    _touch(project)
    with monkeypatch.context() as patch:
        if stage == "writing":
            patch.setitem(build.WRITERS, "epub", _failing_writer("bad.epub"))
        else:
            patch.setattr(build, "assemble", _failing_assembler("Bad"))
        result = run("build")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("internal error while ") and "(a bug): please report it with " in line
    [log] = (project / ".publisher-cache").glob("crash-*.log")
    assert line.endswith(str(log))
    text = log.read_text()
    assert f"publisher {__version__}" in text and "RuntimeError: injected bug" in text
    assert "command: " in text
    assert (dist / "bad.epub").read_bytes() == old_bad
    assert (dist / "good.epub").read_bytes() != old_good
    assert "wrote dist/good.epub" in result.stdout
    # The edition that crashed is built again, not taken as up to date.
    again = run("build")
    assert again.exit_code == 0, again.output
    assert "wrote dist/bad.epub" in again.stdout and "up to date dist/good.epub" in again.stdout


@pytest.mark.crash
def test_a_bug_outside_the_writers_gives_a_crash_log_and_exit_3(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any) -> None:
        raise KeyError("injected bug")

    monkeypatch.setattr("publisher.assembling.assemble.select", explode)
    (project / "content" / "sub").mkdir()
    monkeypatch.chdir(project / "content" / "sub")
    result = run("check")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    [log] = (project / ".publisher-cache").glob("crash-*.log")
    assert result.stderr.strip().endswith(str(log))
    assert "KeyError: 'injected bug'" in log.read_text()


def test_the_python_api_raises_a_bug_after_writing_the_other_editions(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "assemble", _failing_assembler("Bad"))
    with pytest.raises(RuntimeError, match="internal error") as raised:
        publisher.build(project / "publisher.toml", ["bad", "good"])
    assert "while building edition bad" in str(raised.value)
    assert "RuntimeError: injected bug" in str(raised.value)
    assert (project / "dist" / "good.epub").is_file()
    assert not (project / "dist" / "bad.epub").exists()


def test_a_reader_that_goes_away_is_no_bug(project: Path) -> None:
    """`publisher list | head -1`: the closed pipe ends the listing quietly, as it ends git's."""
    listing = subprocess.Popen(
        [sys.executable, "-m", "publisher", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=project,
    )
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.close()
    errors = listing.stderr.read().decode()
    assert listing.wait(timeout=60) == 141, errors
    assert errors == ""
    assert not list(project.glob(".publisher-cache/crash-*.log"))


def test_an_edition_with_errors_is_never_up_to_date(project: Path) -> None:
    (project / "content" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    for _ in range(2):
        result = run("build", "good")
        assert result.exit_code == 1, result.output
        assert "broken.md:3: error: invalid front matter" in result.stderr
        assert "wrote dist/good.epub" in result.stdout
        assert "up to date" not in result.stdout
    (project / "content" / "broken.md").unlink()
    assert run("build", "good").exit_code == 0
    again = run("build", "good")
    assert again.exit_code == 0 and "up to date dist/good.epub" in again.stdout


def test_an_up_to_date_edition_shows_its_warnings_again(project: Path) -> None:
    shutil.copy(Path(__file__).parent / "adversarial" / "fm-bad-lang.md", project / "content")
    warning = "fm-bad-lang.md:4: warning: lang: 'Klingon!' is not a BCP 47 language tag [bad-lang]"
    first = run("build", "good")
    assert first.exit_code == 0 and warning in first.stderr
    again = run("build", "good")
    assert again.exit_code == 0 and "up to date dist/good.epub" in again.stdout
    assert warning in again.stderr
    strict = run("build", "good", "--strict")
    assert strict.exit_code == 1
    assert warning in strict.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("build", "nowhere", "-f", "epub", "-o", "dist/good.epub"),
        ("build", "content", "-f", "epub", "-o", "dist/good.epub", "--match", "no such text"),
        ("build", "good", "--since", "2030-01-01", "--until", "2030-01-07"),
        ("build", "good", "--tag", "no-such-tag"),
    ],
    ids=["missing-source", "no-match", "empty-week", "unknown-tag"],
)
def test_a_selection_of_nothing_writes_nothing(project: Path, args: tuple[str, ...]) -> None:
    assert run("build", "good").exit_code == 0
    if args[1] != "good":
        # Straight from sources, without a project.
        (project / "publisher.toml").unlink()
    before = (project / "dist" / "good.epub").read_bytes()
    result = run(*args)
    assert result.exit_code == 1
    assert "error: no document selected" in result.stderr
    assert "[empty-publication]" in result.stderr
    assert "wrote" not in result.stdout
    assert (project / "dist" / "good.epub").read_bytes() == before
    allowed = run(*args, "--allow-empty")
    assert "wrote" in allowed.stdout and "0 documents" in allowed.stdout


def test_a_typo_in_the_source_paths_keeps_the_good_output(project: Path) -> None:
    assert run("build").exit_code == 0
    before = (project / "dist" / "good.epub").read_bytes()
    _toml(project, TWO_EDITIONS, paths="contnet")
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr.count("[empty-publication]") == 2
    assert (project / "dist" / "good.epub").read_bytes() == before
    # An empty edition on purpose, in the config.
    _toml(
        project, TWO_EDITIONS.replace("[editions.good]\n", "[editions.good]\nallow_empty = true\n")
    )
    result = run("build", "good", "--tag", "no-such-tag")
    assert result.exit_code == 0, result.output
    assert "wrote dist/good.epub" in result.stdout and "0 documents" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("build", "content", "-f", "epub", "-o", "dist/good.epub"),
        ("build", "good"),
        ("build",),
        ("list", "content"),
        ("check",),
    ],
)
def test_since_after_until_is_a_usage_error(project: Path, args: tuple[str, ...]) -> None:
    assert run("build", "good").exit_code == 0
    before = (project / "dist" / "good.epub").read_bytes()
    result = run(*args, "--since", "2021-06-01", "--until", "2021-03-01")
    assert result.exit_code == 2
    assert "since 2021-06-01 is after until 2021-03-01" in result.stderr
    assert (project / "dist" / "good.epub").read_bytes() == before


def test_edition_outputs_are_checked_with_their_lines(project: Path) -> None:
    _toml(
        project,
        '[editions.a]\nformat = "epub"\noutput = "content"\n\n'
        '[editions.b]\nformat = "pdf"\noutput = "dist/b.pdf"\n\n'
        '[editions.c]\nformat = "pdf"\noutput = "dist/../dist/b.pdf"\n\n'
        '[editions.d]\nformat = "epub"\noutput = "../d.epub"\n\n'
        '[editions.e]\nformat = "epub"\noutput = "/tmp/e.epub"\n\n'
        '[editions.f]\nformat = "epub"\noutput = "dist/f.pdf"\n',
    )
    result = run("build")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "publisher.toml:9: error: editions.a.output: content is a folder; "
        "name the file, e.g. content/a.epub [config-value]",
        "publisher.toml:17: error: editions.c.output: dist/../dist/b.pdf "
        "is also editions.b.output [config-value]",
        f"publisher.toml:21: error: editions.d.output: ../d.epub is outside the project "
        f"folder {project.resolve()} [config-value]",
        f"publisher.toml:25: error: editions.e.output: /tmp/e.epub is outside the project "
        f"folder {project.resolve()} [config-value]",
        "publisher.toml:29: error: editions.f.output: dist/f.pdf must end in .epub "
        "(format) [config-value]",
    ]
    assert sorted(p.name for p in (project / "content").iterdir()) == sorted(d.name for d in DOCS)


def test_output_option_naming_a_folder_receives_the_edition(project: Path) -> None:
    (project / "out").mkdir()
    result = run("build", "good", "-o", "out")
    assert result.exit_code == 0, result.output
    assert (project / "out" / "good.epub").is_file()
    wrong = run("build", "good", "-o", "out/good.pdf")
    assert wrong.exit_code == 2
    assert "edition 'good' is EPUB" in wrong.stderr


def test_output_option_of_another_format_is_a_usage_error(project: Path) -> None:
    result = run("build", "content", "-f", "epub", "-o", "dist/book.pdf")
    assert result.exit_code == 2
    assert "-o dist/book.pdf: the format built is EPUB" in result.stderr
    assert not (project / "dist").exists()


def test_editions_and_sources_together_are_a_usage_error(project: Path) -> None:
    result = run("build", "good", "content")
    assert result.exit_code == 2
    assert "good: name editions or give sources, not both" in result.stderr
    assert not (project / "dist").exists()


def test_the_project_is_found_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "content")
    result = run("build", "good")
    assert result.exit_code == 0, result.output
    assert (project / "dist" / "good.epub").is_file()
    assert not (project / "content" / "dist").exists()
    near = run("build", "godo")
    assert near.exit_code == 2
    assert "unknown edition 'godo' (did you mean 'good'?); editions: good, bad" in near.stderr


@pytest.mark.parametrize("args", [("build", "good", "-f", "pdf"), ("build", "-f", "pdf")])
def test_a_format_filter_that_leaves_nothing_says_why(project: Path, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "-f pdf leaves nothing to build: edition good is EPUB" in result.stderr
    assert not (project / "dist").exists()


@pytest.mark.parametrize("value", ["99999999999999", "253402300800", "1" + "0" * 30])
@pytest.mark.parametrize("args", [("build",), ("build", "content", "-f", "epub")])
def test_source_date_epoch_out_of_range_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str, args: tuple[str, ...]
) -> None:
    if len(args) > 1:
        (project / "publisher.toml").unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert f"SOURCE_DATE_EPOCH: error: {value} is out of range" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("version", ["../../x", "a/b", "", "-1"])
def test_a_release_version_that_is_no_file_name_is_a_usage_error(
    project: Path, version: str
) -> None:
    result = run("release", "--version", version)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--version'" in result.stderr
    assert not (project / "dist").exists()


def test_a_config_that_is_not_utf8_is_a_usage_error(project: Path) -> None:
    (project / "publisher.toml").write_bytes(b'[book]\n\ntitle = "Caf\xe9"\n')
    result = run("build")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "publisher.toml:3: error: not UTF-8 text (byte 0xe9); save the file as UTF-8 "
        "[config-encoding]"
    )
    # UTF-8 as some Windows editors save it, after a byte order mark.
    (project / "publisher.toml").write_bytes(b"\xef\xbb\xbf" + TOML_HEAD + TWO_EDITIONS.encode())
    assert run("build", "good").exit_code == 0
