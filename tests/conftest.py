"""Shared fixtures: the real-document corpus and small sets drawn from it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need ../shared/corpus are skipped when it is absent, not failed."""
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"corpus not found at {CORPUS}")
    for item in items:
        if "corpus" in item.fixturenames:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-document corpus."""
    return CORPUS


@pytest.fixture(scope="session")
def whitehouse_sample(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """A folder with a deterministic spread of 36 White House documents (every 17th file)."""
    folder = tmp_path_factory.mktemp("whitehouse-sample")
    files = sorted((corpus / "whitehouse").glob("*.md"))
    for path in files[::17]:
        shutil.copy(path, folder / path.name)
    return folder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "crash: the test injects a bug on purpose (exit code 3)")


@pytest.fixture(autouse=True)
def _no_internal_error(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """No test may exit 3 or leave a crash log, unless marked ``crash``: a bug is never expected."""
    if request.node.get_closest_marker("crash"):
        yield
        _CRASH_LOGS.update(_crash_logs(tmp_path_factory.getbasetemp()))
        return
    invoke = CliRunner.invoke

    def checked(self: CliRunner, *args: Any, **kwargs: Any) -> Result:
        result = invoke(self, *args, **kwargs)
        assert result.exit_code != 3, f"internal error (exit 3):\n{result.output}"
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)
    yield
    # Subprocesses (make, publisher) leave their crash logs in the projects under the temp folder.
    new = _crash_logs(tmp_path_factory.getbasetemp()) - _CRASH_LOGS
    _CRASH_LOGS.update(new)
    assert not new, "internal error:\n" + "\n".join(p.read_text() for p in sorted(new))


_CRASH_LOGS: set[Path] = set()


def _crash_logs(base: Path) -> set[Path]:
    """Crash logs in the projects under base (three folders deep) and in the working folder."""
    patterns = [f"{'*/' * depth}.publisher-cache/crash-*.log" for depth in range(4)]
    logs = {log for pattern in patterns for log in base.glob(pattern)}
    return logs | set(Path.cwd().glob(".publisher-cache/crash-*.log"))
