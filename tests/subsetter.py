"""Pytest plugin: which font subsetter WeasyPrint uses in this session.

WeasyPrint subsets with HarfBuzz when libharfbuzz-subset loads, else with fontTools, and has no
option to choose. ``PUBLISHER_TEST_SUBSETTER=fonttools`` makes it take the fontTools path even
where HarfBuzz is installed; ``=harfbuzz`` fails the session unless HarfBuzz is used, so that a CI
run meant for it cannot pass on fontTools. Unset, WeasyPrint picks as it would for a user.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

VARIABLE = "PUBLISHER_TEST_SUBSETTER"
CHOICES = ("fonttools", "harfbuzz")


def available() -> tuple[str, ...]:
    """The subsetters this machine has."""
    from weasyprint.pdf import fonts

    return CHOICES if fonts.harfbuzz_subset is not None else ("fonttools",)


def active() -> str:
    """The subsetter WeasyPrint uses now."""
    from weasyprint.pdf import fonts

    return "harfbuzz" if fonts.harfbuzz_subset is not None else "fonttools"


def force(name: str) -> object:
    """Make WeasyPrint use ``name``; returns what to give ``restore``."""
    from weasyprint.pdf import fonts

    # Font.subset reads this module global at each call: None sends it to _fonttools_subset.
    # Worker processes are forked, so they inherit the value set here.
    kept = fonts.harfbuzz_subset
    if name == "fonttools":
        fonts.harfbuzz_subset = None
    elif kept is None:
        raise pytest.UsageError(f"{VARIABLE}=harfbuzz, but libharfbuzz-subset is not installed")
    return kept


def restore(kept: object) -> None:
    """Undo ``force``."""
    from weasyprint.pdf import fonts

    fonts.harfbuzz_subset = kept


def pytest_configure(config: pytest.Config) -> None:
    """Apply the subsetter the environment asks for, for the whole session."""
    wanted = os.environ.get(VARIABLE, "")
    if not wanted:
        return
    if wanted not in CHOICES:
        raise pytest.UsageError(f"{VARIABLE} must be one of {', '.join(CHOICES)}, not {wanted!r}")
    force(wanted)


def pytest_report_header() -> str:
    """Say which subsetter the PDF tests run with."""
    return f"font subsetter: {active()} (set {VARIABLE}=fonttools|harfbuzz to choose)"


@contextlib.contextmanager
def using(name: str) -> Iterator[None]:
    """WeasyPrint subsets with ``name`` inside; a subsetter this session lacks skips the test."""
    if name not in available():
        pytest.skip(f"{name} subsetter not available here (libharfbuzz-subset0, or {VARIABLE})")
    kept = force(name)
    try:
        yield
    finally:
        restore(kept)
