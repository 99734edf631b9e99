"""Diagnostics fit for CI: codes ignored, a summary by code, JSON Lines, only an edition's own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import diagnostics
from publisher.model import Diagnostic, Document
from publisher.projects import config

BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    "SOURCE_DATE_EPOCH": "1600000000",
}
PACKAGE = Path(diagnostics.__file__).parent
KEPT = "2021-03-01-u-s-mexico-joint-declaration.md"
LEFT_OUT = "2021-03-01-a-proclamation-on-irish-american-heritage-month-2021.md"
PROJECT = """\
[book]
title = "Diagnostics"

[sources]
paths = ["content"]

[editions.brief]
format = "pdf"
tags = ["statements-releases"]

[editions.all]
format = "epub"
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line as make runs it: stdout and stderr are pipes, not a terminal."""
    return subprocess.run(
        ["publisher", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path, sample_corpus: Path) -> Path:
    """Two White House documents with remote images: three in the brief's, one in the other."""
    content = tmp_path / "content"
    content.mkdir()
    for name, images in ((KEPT, ("map-1", "map-2", "map-3")), (LEFT_OUT, ("left-out",))):
        text = (sample_corpus / "whitehouse" / name).read_text(encoding="utf-8")
        figures = "".join(f"\n![{i}](https://example.com/{i}.png)\n" for i in images)
        (content / name).write_text(text + figures, encoding="utf-8")
    (tmp_path / "publisher.toml").write_text(PROJECT, encoding="utf-8")
    return tmp_path


def test_a_build_in_a_log_prints_a_line_per_stage_and_warnings_by_code(project: Path) -> None:
    result = run("build", "brief", cwd=project)
    assert result.returncode == 0, result.stderr
    # The stages go to stdout with the rest of the build's news; stderr holds the diagnostics.
    lines = result.stdout.splitlines()
    for stage in ("reading: 2/2 files", "normalizing: 2/2 documents", "[brief] layout: "):
        assert any(line.startswith(stage) for line in lines), result.stdout
    assert re.search(r"^\[brief\] layout: (\d+)/\1 parts, \d+ s$", result.stdout, re.MULTILINE)
    assert any(line.startswith("[brief] merging: 1/1, ") for line in lines), result.stdout
    assert any(line.startswith("[brief] writing: 1/1 files, ") for line in lines), result.stdout
    grouped = [line for line in result.stderr.splitlines() if "remote-image" in line]
    assert len(grouped) == 1, result.stderr
    assert grouped[0].startswith(f"warning remote-image \u00d73, e.g. {KEPT}:")
    assert "map-1.png" in grouped[0]
    # The proclamation is not in the brief: its image is none of the brief's business.
    assert "left-out" not in result.stderr
    assert "wrote dist/brief.pdf" in result.stdout


def test_verbose_prints_every_diagnostic(project: Path) -> None:
    for args in (("-v", "build", "all"), ("build", "all", "-v")):
        result = run(*args, cwd=project)
        assert result.returncode == 0, result.stderr
        every = [line for line in result.stderr.splitlines() if line.endswith("[remote-image]")]
        assert len(every) == 4, result.stderr
        assert any("left-out.png" in line for line in every)


def test_an_ignored_code_is_neither_printed_nor_counted(project: Path) -> None:
    counted = run("build", "all", cwd=project)
    assert "remote-image" in counted.stderr
    warnings = int(re.search(r"(\d+) warnings", counted.stdout).group(1))  # type: ignore[union-attr]
    result = run("build", "all", "--ignore", "remote-image", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "remote-image" not in result.stderr
    assert f"{warnings - 4} warnings" in result.stdout
    (project / "publisher.toml").write_text(
        PROJECT + '\n[diagnostics]\nignore = ["remote-image"]\n', encoding="utf-8"
    )
    result = run("check", cwd=project)
    assert "remote-image" not in result.stderr
    assert f"{warnings - 4} warnings" in result.stdout


def test_an_unknown_code_to_ignore_is_a_warning_with_a_hint(project: Path) -> None:
    result = run("check", "--ignore", "remote-imag", cwd=project)
    assert result.returncode == 0
    assert "'remote-imag' is not a diagnostic code; did you mean 'remote-image'?" in result.stderr
    (project / "publisher.toml").write_text(
        PROJECT + '\n[diagnostics]\nignore = ["data-url"]\n', encoding="utf-8"
    )
    loaded = config.load(project / "publisher.toml")
    assert loaded.ignore == ("data-url",)
    (warning,) = loaded.warnings
    assert (warning.severity, warning.code, warning.line) == ("warning", "unknown-code", 15)
    assert "did you mean 'data-uri'?" in warning.message


def test_json_diagnostics_are_one_object_per_line_on_stderr(project: Path) -> None:
    result = run("build", "brief", "--diagnostics-format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    found = [json.loads(line) for line in result.stderr.splitlines()]
    assert [d["code"] for d in found].count("remote-image") == 3
    for record in found:
        assert set(record) == {"path", "line", "col", "severity", "code", "message", "edition"}
    image = next(d for d in found if d["code"] == "remote-image")
    assert (image["path"], image["severity"], image["edition"]) == (KEPT, "warning", "brief")
    assert isinstance(image["line"], int)
    # The summary and the stages are on stdout, where they do not break the JSON.
    assert "documents read" in result.stdout and "[brief] layout: " in result.stdout


def test_check_strict_fails_on_warnings(project: Path) -> None:
    assert run("check", cwd=project).returncode == 0
    assert run("check", "--strict", cwd=project).returncode == 1
    ignored = run("check", "--strict", "--ignore", "remote-image", cwd=project)
    assert ignored.returncode == 0, ignored.stderr


def test_validate_takes_the_same_options(tmp_path: Path) -> None:
    missing = run("validate", "gone.epub", "--diagnostics-format", "json", cwd=tmp_path)
    assert missing.returncode == 1
    [record] = [json.loads(line) for line in missing.stderr.splitlines()]
    assert (record["path"], record["code"]) == ("gone.epub", "output-missing")
    ignored = run("validate", "gone.epub", "--ignore", "output-missing", cwd=tmp_path)
    assert ignored.returncode == 0 and ignored.stderr == ""
    assert "0 errors, 0 warnings" in ignored.stdout


def test_about_keeps_what_concerns_the_documents_included() -> None:
    kept, left = _document("kept.md"), _document("left.md")
    found = [
        Diagnostic("kept.md", 3, "warning", "remote-image", "image"),
        Diagnostic("left.md", 3, "warning", "remote-image", "image"),
        Diagnostic("broken.md", 1, "error", "front-matter-invalid", "broken"),
        Diagnostic("", None, "note", "pdf-subsetter", "slow"),
    ]
    assert diagnostics.about(found, [kept, left], [kept]) == [found[0], found[2], found[3]]
    assert diagnostics.without(found, {"remote-image"}) == found[2:]


def _document(path: str) -> Document:
    return Document(
        id=path,
        path=path,
        title=path,
        lang="en",
        date=None,
        published=None,
        tags=(),
        source_url=None,
        authors=(),
        summary="",
        body="<p>Text.</p>",
        headings=(),
        translation_key=None,
        translation_of=None,
        meta={},
        digest=path,
        words=1,
    )


# How the package hands a code to a diagnostic: as the argument after a severity, or after a
# line (``warn``, ``report``, ``Note``, ``Unusable``), first (``Refused``), last (``fail``), or
# one of two (``code = … if … else …``), or an f-string alone on its line. Every code holds
# a hyphen; a word without one passed to a ``warn`` completes the f-string code of its module
# (``f"translation-{kind}"``).
_EMITTED = (
    r"\"(?:error|warning|note)\",\s*f?\"([a-z][a-z0-9]*-[a-z0-9-]*\{?|[a-z]+-?\{)",
    r"\b(?:warn|report|add|Note|Unusable)\(\s*[^,()]+(?:\([^()]*\))?,\s*\"([a-z][a-z0-9-]*)\"",
    r"\bRefused\(\s*\"([a-z][a-z0-9-]*)\"",
    r"\bfail\((?:[^()]|\([^()]*\))*?\"([a-z]+-[a-z0-9-]+)\"\s*\)",
    r"\bcode = \"([a-z]+-[a-z0-9-]+)\" if ",
    r" else \"([a-z]+-[a-z0-9-]+)\"",
    r"\bf\"([a-z]+-)\{[^}]*\}\",$",
)
_CONSTANT = re.compile(r"^([A-Z_]+) = \"([a-z]+-[a-z0-9-]+)\"$", re.MULTILINE)


def _emitted() -> set[str]:
    """Every code the package's source passes to a diagnostic, found by reading it."""
    texts = {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}
    imported = dict(c for text in texts.values() for c in _CONSTANT.findall(text))
    emitted: set[str] = set()
    for text in texts.values():
        # Two modules may each name their own code CODE: a name means its own module's first.
        constants = {**imported, **dict(_CONSTANT.findall(text))}
        found = {code for pattern in _EMITTED for code in re.findall(pattern, text)}
        found = {f"{code}{{" if code.endswith("-") else code for code in found}
        prefixes = {code[:-1] for code in found if code.endswith("{")}
        emitted.update(code for code in found if "-" in code and not code.endswith("{"))
        emitted.update(f"{p}{word}" for p in prefixes for word in found if "-" not in word)
        emitted.update(f"{p}*" for p in prefixes)
        # Codes named by a constant, where the constant is what is passed.
        names = re.findall(r"\"(?:error|warning|note)\",\s*([A-Z_]+)\b", text)
        names += re.findall(r"\breport\(([A-Z_]+),", text)
        emitted.update(constants[name] for name in names)
    return emitted


def test_every_code_the_package_emits_is_in_the_registry() -> None:
    emitted = _emitted()
    assert len(emitted) > 80
    assert {"remote-image", "pdf-glyph-missing", "translation-cycle", "cache-corrupt"} <= emitted
    missing = []
    for code in sorted(emitted):
        if code.endswith("*"):  # an f-string's prefix must start some code or be a family
            prefix = code[:-1]
            if not any(c.startswith(prefix) for c in (*diagnostics.CODES, *diagnostics.FAMILIES)):
                missing.append(code)
        elif not diagnostics.known(code):
            missing.append(code)
    assert not missing, f"add these codes to publisher/diagnostics.py CODES: {missing}"
