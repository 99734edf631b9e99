"""Assembling: selection, order, grouping and translation pairs on real documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publisher.assembling.assemble import BookInfo, Selection, assemble, select
from publisher.build import Loaded, load

INFO = BookInfo(title="Test", modified=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def sample(whitehouse_sample: Path) -> Loaded:
    return load([str(whitehouse_sample)])


def test_default_order_is_by_date(sample: Loaded, whitehouse_sample: Path) -> None:
    compilation, _ = assemble(sample.documents, INFO)
    dates = [d.date for d in compilation.documents]
    assert dates == sorted(dates)  # type: ignore[type-var]
    files = len(list(whitehouse_sample.glob("*.md")))
    assert len(compilation.documents) == len(sample.documents) == files


def test_selection_by_tag_dates_and_text(sample: Loaded) -> None:
    chosen = select(
        sample.documents,
        Selection(
            tags=("statements-releases",),
            since=dt.date(2021, 1, 1),
            until=dt.date(2021, 12, 31),
        ),
    )
    assert chosen
    assert all("statements-releases" in d.tags for d in chosen)
    assert all(d.date and d.date.year == 2021 for d in chosen)
    matched = select(sample.documents, Selection(match="VACCINE"))
    assert matched and all(
        "vaccine" in d.title.lower() or "vaccine" in d.body.lower() for d in matched
    )


def test_group_by_month_gives_localized_titles(sample: Loaded) -> None:
    compilation, _ = assemble(sample.documents, INFO, group="month")
    keys = [s.key for s in compilation.sections]
    assert keys == sorted(keys)
    assert compilation.sections[0].title == "January 2021"
    spanish, _ = assemble(sample.documents, BookInfo(title="T", lang="es"), group="month")
    assert spanish.sections[0].title == "Enero de 2021"


def test_group_by_tag(sample: Loaded) -> None:
    compilation, _ = assemble(sample.documents, INFO, group="tag")
    for section in compilation.sections:
        assert all(e.primary.tags[0] == section.key for e in section.entries)


def test_translations_pair_into_one_entry(sample_corpus: Path) -> None:
    loaded = load([str(sample_corpus / "bilingual" / "whitehouse")])
    compilation, problems = assemble(loaded.documents, INFO)
    assert problems == []
    pairs = [e for e in compilation.entries if len(e.variants) > 1]
    assert len(compilation.entries) == 4
    assert all(next(iter(e.variants)) == "en" for e in pairs)
    assert sorted(compilation.languages) == ["en", "es", "fr", "pt"]


def test_translation_of_by_path_pairs_without_key(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "es").mkdir()
    (tmp_path / "en" / "pod.md").write_text("---\ntitle: Pod\nlang: en\n---\nA pod.\n")
    (tmp_path / "es" / "pod.md").write_text(
        "---\ntitle: Pod\nlang: es\ntranslation_of: ../en/pod.md\n---\nUn pod.\n"
    )
    (tmp_path / "es" / "lost.md").write_text(
        "---\ntitle: Perdido\nlang: es\ntranslation_of: ../en/nothing.md\n---\nNada.\n"
    )
    loaded = load([str(tmp_path)])
    compilation, problems = assemble(loaded.documents, INFO)
    assert [list(e.variants) for e in compilation.entries if len(e.variants) > 1] == [["en", "es"]]
    assert [p.format() for p in problems] == [
        "es/lost.md: warning: translation_of '../en/nothing.md' names no document in the set "
        "[translation-missing]"
    ]


def test_identifier_is_stable_and_derived(sample: Loaded) -> None:
    first, _ = assemble(sample.documents, INFO)
    second, _ = assemble(sample.documents[:5], INFO)
    other, _ = assemble(sample.documents, BookInfo(title="Other"))
    assert first.identifier == second.identifier != other.identifier
    assert first.identifier.startswith("urn:uuid:")


def test_empty_selection_gives_an_empty_compilation(sample: Loaded) -> None:
    compilation, _ = assemble(sample.documents, INFO, Selection(match="no such text anywhere"))
    assert compilation.sections == () and compilation.date_range is None
