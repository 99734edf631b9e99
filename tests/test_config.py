"""publisher.toml: every bad key, type and value is reported with its line; good files load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publisher.model import Certification
from publisher.projects import config, dates

CASES = Path(__file__).parent / "fixtures" / "config"


def problems(name: str) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.load(CASES / name, {})
    return [d.format() for d in caught.value.diagnostics]


def test_every_bad_key_type_and_value_is_reported_with_its_line() -> None:
    assert problems("bad-keys.toml") == [
        "bad-keys.toml:3: error: book.titel: unknown key; did you mean 'title'? "
        "[config-unknown-key]",
        "bad-keys.toml:4: error: book.lang: must be a string, not int [config-type]",
        "bad-keys.toml:11: error: editions.brief.layot: unknown key; did you mean 'layout'? "
        "[config-unknown-key]",
        "bad-keys.toml:12: error: editions.brief.since: 'last week' is not a date "
        f"(did you mean 'last-week'?); write {dates.FORMS} [config-value]",
        "bad-keys.toml:13: error: editions.brief.paper: 'legal' is not one of letter, a4 "
        "[config-value]",
        "bad-keys.toml:14: error: editions.brief.qr: must be true or false, not str [config-type]",
        "bad-keys.toml:16: error: editions.collection.format: missing; one of epub, pdf "
        "[config-missing]",
        "bad-keys.toml:17: error: editions.collection.formats: unknown key; did you mean 'format'? "
        "[config-unknown-key]",
    ]


def test_syntax_error_names_the_line() -> None:
    assert problems("bad-syntax.toml") == [
        "bad-syntax.toml:3: error: Illegal character '\\n' (at line 3, column 25) [config-syntax]"
    ]


def test_dates_in_the_wrong_order() -> None:
    assert problems("until-before-since.toml") == [
        "until-before-since.toml:4: error: editions.brief.until: 2021-03-01 is before since "
        "(2021-06-30) [config-value]"
    ]


def test_good_config_with_defaults_and_overrides() -> None:
    loaded = config.load(CASES / "good.toml", {"SOURCE_DATE_EPOCH": "1614643200"})
    brief, collection = loaded.editions
    assert loaded.book.lang == "es"
    assert loaded.source_date_epoch == 1614643200
    assert loaded.book.modified == dt.datetime(2021, 3, 2, tzinfo=dt.UTC)
    assert brief.selection.since == dt.date(2021, 3, 1)
    assert brief.selection.until == dt.date(2021, 6, 30)
    assert brief.selection.tags == ("statements-releases",)
    assert brief.group == "month" and collection.group == "none"
    assert brief.output == Path("dist/brief.pdf")
    assert collection.output == Path("out/all.epub")
    assert collection.book.title == "Everything" and brief.book.title == "Weekly"


def test_bad_source_date_epoch() -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.load(CASES / "good.toml", {"SOURCE_DATE_EPOCH": "yesterday"})
    assert [d.code for d in caught.value.diagnostics] == ["config-value"]


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.publisher.book]\ntitle = "From pyproject"\n'
        '\n[tool.publisher.editions.all]\nformat = "epub"\nlayot = 1\n'
    )
    found = config.find(tmp_path)
    assert found == tmp_path / "pyproject.toml"
    with pytest.raises(config.ConfigError) as caught:
        config.load(found, {})
    assert [d.format() for d in caught.value.diagnostics] == [
        "pyproject.toml:9: error: editions.all.layot: unknown key; did you mean 'layout'? "
        "[config-unknown-key]"
    ]


def test_the_example_project_loads() -> None:
    example = config.load(Path(__file__).parents[1] / "examples" / "publisher.toml", {})
    assert [e.name for e in example.editions] == ["brief", "book", "collection"]


def load_text(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "publisher.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, {})


def test_a_certifier_and_a_level_make_a_conformance_claim(tmp_path: Path) -> None:
    loaded = load_text(
        tmp_path,
        '[book]\ntitle = "T"\n\n[book.accessibility]\ncertified_by = "Acme Access"\n'
        'conformance = "WCAG 2.1 AA"\n\n[editions.all]\nformat = "epub"\n',
    )
    claim = Certification("Acme Access", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    assert loaded.book.certification == claim
    assert loaded.editions[0].book.certification == claim


@pytest.mark.parametrize(
    "level",
    ["WCAG 2.2 A", "WCAG 2.0 Level AAA", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"],
)
def test_a_level_may_be_written_as_the_spec_writes_it(tmp_path: Path, level: str) -> None:
    text = f'[book.accessibility]\ncertified_by = "Acme"\nconformance = "{level}"\n'
    claim = load_text(tmp_path, text).book.certification
    assert claim is not None and claim.conformance.startswith("EPUB Accessibility 1.1 - WCAG 2.")


def test_without_a_certifier_nothing_is_claimed(tmp_path: Path) -> None:
    assert load_text(tmp_path, '[book]\ntitle = "T"\n').book.certification is None
    assert load_text(tmp_path, "[book.accessibility]\n").book.certification is None


def test_a_claim_needs_both_a_certifier_and_a_level(tmp_path: Path) -> None:
    cases = {
        '[book.accessibility]\ncertified_by = "Acme"\n': (
            "publisher.toml:1: error: book.accessibility.conformance: missing; the level "
            "certified_by found, such as 'WCAG 2.1 AA' [config-missing]"
        ),
        '[book.accessibility]\nconformance = "WCAG 2.1 AA"\n': (
            "publisher.toml:1: error: book.accessibility.certified_by: missing; a conformance "
            "claim names who evaluated the publication [config-missing]"
        ),
        '[book.accessibility]\ncertified_by = "Acme"\nconformance = "AA"\n': (
            "publisher.toml:3: error: book.accessibility.conformance: 'AA' is not a WCAG version "
            "and level, such as 'WCAG 2.1 AA' [config-value]"
        ),
        '[book.accessibility]\ncertifier = "Acme"\n': (
            "publisher.toml:2: error: book.accessibility.certifier: unknown key; did you mean "
            "'certified_by'? [config-unknown-key]"
        ),
    }
    for text, expected in cases.items():
        with pytest.raises(config.ConfigError) as caught:
            load_text(tmp_path, text)
        assert [d.format() for d in caught.value.diagnostics] == [expected]


def test_the_executor_key_takes_a_dask_url(tmp_path: Path) -> None:
    edition = '\n[editions.all]\nformat = "pdf"\n'
    loaded = load_text(tmp_path, f'executor = "dask://scheduler.example:8786"\n{edition}')
    assert loaded.executor == "dask://scheduler.example:8786"
    with pytest.raises(config.ConfigError) as caught:
        load_text(tmp_path, f'executor = "http://scheduler.example"\n{edition}')
    assert [d.code for d in caught.value.diagnostics] == ["config-value"]
