"""Ace by DAISY on an EPUB: its EARL report as diagnostics, one per failed assertion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from publisher.model import Diagnostic, Severity

# Ace ranks what it finds by the harm done to a reader; critical and serious block one.
_SEVERITIES: dict[str, Severity] = {
    "critical": "error",
    "serious": "error",
    "moderate": "warning",
    "minor": "warning",
}
_SNIPPET = 100
# Chromium writes the namespace on every element it serializes; it says nothing here.
_XMLNS = re.compile(r' xmlns(?::\w+)?="[^"]*"')


def report(ace: str, chromium: str | None, epub: Path) -> dict[str, Any] | str:
    """Ace's JSON report of an EPUB, or what went wrong when it wrote none.

    Puppeteer drives the Chromium that ``PUPPETEER_EXECUTABLE_PATH`` names; where the
    environment names none, the one found on PATH.
    """
    env = dict(os.environ)
    if chromium and not env.get("PUPPETEER_EXECUTABLE_PATH"):
        env["PUPPETEER_EXECUTABLE_PATH"] = chromium
    with tempfile.TemporaryDirectory(prefix="publisher-ace-") as folder:
        out, temp = Path(folder) / "report", Path(folder) / "temp"
        command = [ace, "--silent", "--force", "--outdir", str(out), "--tempdir", str(temp)]
        try:
            run = subprocess.run(
                [*command, str(epub.resolve())], capture_output=True, env=env, check=False
            )
        except OSError as error:
            return str(error)
        try:
            found: dict[str, Any] = json.loads((out / "report.json").read_bytes())
        except (OSError, ValueError):
            said = (run.stdout + run.stderr).decode(errors="replace").strip().splitlines()
            return said[-1] if said else f"exit {run.returncode}"
    return found


def violations(found: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every failed assertion of a report, with the package file it is about."""
    failed = []
    for subject in found.get("assertions", []):
        url = str(subject.get("earl:testSubject", {}).get("url", ""))
        for assertion in subject.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") == "fail":
                failed.append((url, assertion))
    return failed


def check(ace: str, chromium: str | None, epub: Path) -> list[Diagnostic]:
    """Ace's findings about an EPUB: critical and serious ones are errors, the rest warnings."""
    found = report(ace, chromium, epub)
    if isinstance(found, str):
        message = f"Ace did not report ({found})"
        return [Diagnostic(str(epub), None, "error", "ace-failed", message)]
    try:
        with zipfile.ZipFile(epub) as package:
            names = package.namelist()
    except (OSError, zipfile.BadZipFile):
        names = []
    diagnostics = []
    for url, assertion in violations(found):
        test, result = assertion.get("earl:test", {}), assertion.get("earl:result", {})
        impact = str(test.get("earl:impact", "serious"))
        text = str(result.get("dct:description") or test.get("dct:description", "")).strip()
        html = _XMLNS.sub("", " ".join(str(result.get("html", "")).split()))
        if html:
            text += f": {html[:_SNIPPET]}{'…' if len(html) > _SNIPPET else ''}"
        diagnostics.append(
            Diagnostic(
                f"{epub}/{_entry(url, names)}" if url else str(epub),
                None,
                _SEVERITIES.get(impact, "error"),
                f"ace-{test.get('dct:title', 'violation')}",
                f"{text} ({impact})",
            )
        )
    return diagnostics


def _entry(url: str, names: list[str]) -> str:
    """The package entry Ace names: it writes content documents relative to the package folder."""
    url = url.lstrip("/")
    if url in names:
        return url
    inside = [name for name in names if name.endswith(f"/{url}")]
    return inside[0] if len(inside) == 1 else url
