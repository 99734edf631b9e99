"""EPUBCheck on an EPUB: its JSON report as diagnostics located in the package's files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from publisher.model import Diagnostic, Severity

# C1-only JIT and the serial GC halve the run time of a short JVM run.
_JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
_SEVERITIES: dict[str, Severity] = {
    "FATAL": "error",
    "ERROR": "error",
    "WARNING": "warning",
    "USAGE": "note",
    "INFO": "note",
}


def command(java: str, jar: str, epub: Path) -> list[str]:
    """The command line that prints EPUBCheck's JSON report of one EPUB on stdout."""
    return [java, *_JAVA_OPTIONS, "-jar", jar, str(epub), "--quiet", "--json", "-"]


def check(java: str, jar: str, epub: Path) -> list[Diagnostic]:
    """Every message EPUBCheck has about an EPUB (FATAL and ERROR are errors)."""
    try:
        run = subprocess.run(command(java, jar, epub), capture_output=True, check=False)
    except OSError as error:
        return [_failed(epub, str(error))]
    try:
        report = json.loads(run.stdout)
    except ValueError:
        said = run.stderr.decode(errors="replace").strip().splitlines()
        return [_failed(epub, said[-1] if said else f"exit {run.returncode}")]
    return findings(report, epub)


def _failed(epub: Path, why: str) -> Diagnostic:
    """The error for an EPUBCheck run that wrote no report."""
    message = f"EPUBCheck did not report ({why})"
    return Diagnostic(str(epub), None, "error", "epubcheck-failed", message)


def findings(report: dict[str, Any], epub: Path) -> list[Diagnostic]:
    """The messages of an EPUBCheck JSON report, each at its first location."""
    found = []
    for message in report.get("messages", []):
        severity = _SEVERITIES.get(str(message.get("severity")))
        if severity is None:
            continue
        locations = message.get("locations") or [{}]
        first = locations[0]
        path = f"{epub}/{first['path']}" if first.get("path") else str(epub)
        line = first.get("line", -1)
        column = first.get("column", -1)
        text = str(message.get("message", "")).strip()
        if len(locations) > 1:
            text += f" (and {len(locations) - 1} more places)"
        found.append(
            Diagnostic(
                path,
                line if isinstance(line, int) and line > 0 else None,
                severity,
                f"epubcheck-{message.get('ID', 'message')}",
                text,
                column if isinstance(column, int) and column > 0 else None,
            )
        )
    return found
