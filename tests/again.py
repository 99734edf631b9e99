"""Pytest plugin: a second run of the suite that tests only what the first could not.

``.ci/run`` runs the suite twice: in a fresh clone with only what the README asks of a machine,
then with HarfBuzz-Subset, the CJK faces, Ace by DAISY and ``../shared/corpus``. The second run
need not repeat what passed in the first. ``PUBLISHER_TEST_SKIPPED=FILE`` makes a run write the
ids of the tests it skipped to FILE; ``PUBLISHER_TEST_AGAIN=FILE`` makes a run take only those,
and the tests marked ``fonts``: those that read the fonts of PDFs, which the second run subsets
with the other subsetter.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SKIPPED = "PUBLISHER_TEST_SKIPPED"
AGAIN = "PUBLISHER_TEST_AGAIN"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fonts: reads PDF fonts (tested with each subsetter)")
    written = os.environ.get(SKIPPED)
    if written:
        Path(written).write_text("")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    listed = os.environ.get(AGAIN)
    if not listed:
        return
    skipped = set(Path(listed).read_text().split())
    kept = [item for item in items if item.nodeid in skipped or item.get_closest_marker("fonts")]
    taken = set(map(id, kept))
    config.hook.pytest_deselected(items=[item for item in items if id(item) not in taken])
    items[:] = kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    written = os.environ.get(SKIPPED)
    if written and report.skipped:
        with Path(written).open("a") as file:
            file.write(report.nodeid + "\n")
