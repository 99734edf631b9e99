"""A build of hostile documents opens no file outside its inputs and outputs, and no socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from test_adversarial import ADVERSARIAL

REPO = Path(__file__).resolve().parents[1]
# The hook is installed before Publisher is imported, so every open the build makes is seen.
# Native libraries (fontconfig, Pango) open fonts without Python's audit hooks: not covered here.
WATCHER = """
import json, sys

log = open(sys.argv[1], "w")
seen = []

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        path = args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace")
        seen.append(["open", path])
    elif event.startswith("socket."):
        seen.append([event, repr(args)[:200]])

sys.addaudithook(hook)
try:
    from publisher.cli.commands import main
    main(sys.argv[2:])
finally:
    json.dump(seen, log)
    log.close()
"""
# System files read by libraries: fonts and their configuration, and the mimetypes module's table.
READ_ONLY = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/etc/fonts",
    "/etc/mime.types",
    "/usr/lib",
    "/usr/share",
)
DEVICES = ("/dev/null", "/dev/urandom", "/proc/self")


def _allowed(sources: Path, output: Path) -> tuple[str, ...]:
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    prefixes |= {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    package = [REPO / name for name in ("publisher", "templates", "styles")]
    roots = [sources, output, Path(tempfile.gettempdir()), *package, *map(Path, prefixes)]
    return (*(os.path.realpath(r) for r in roots), *READ_ONLY, *DEVICES)


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)


def test_the_build_opens_only_its_own_files(tmp_path: Path) -> None:
    """References to /etc/passwd, ../ and http:// URLs open nothing and connect nowhere."""
    output = tmp_path / "out"
    log = tmp_path / "events.json"
    arguments = ["build", str(ADVERSARIAL), "-f", "epub", "-f", "pdf", "-o", str(output)]
    done = subprocess.run(
        [sys.executable, "-c", WATCHER, str(log), *arguments, "--title", "Confined", "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"},
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    events = json.loads(log.read_text())
    opened = [path for kind, path in events if kind == "open"]
    assert any(path.startswith(str(ADVERSARIAL)) for path in opened)
    assert [e for e in events if e[0] != "open"] == []
    assert [p for p in opened if "passwd" in p] == []
    roots = _allowed(ADVERSARIAL, output)
    assert [p for p in opened if not _inside(p, roots)] == []
