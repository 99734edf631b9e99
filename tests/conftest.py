"""Shared fixtures: the real-document corpus and small sets drawn from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Which font subsetter WeasyPrint uses: PUBLISHER_TEST_SUBSETTER (see tests/subsetter.py).
pytest_plugins = ("subsetter",)

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
