"""Relative since and until dates: each form from a fixed build date, in the config and the CLI."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli.commands import main
from publisher.projects import config, dates

WEDNESDAY = dt.date(2026, 12, 2)
"""The build date of most cases: a Wednesday in ISO week 49 of 2026."""


def epoch(day: dt.date, hour: int = 12) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).timestamp())


def span(text: str, base: dt.date = WEDNESDAY) -> tuple[dt.date, dt.date]:
    """The days text stands for as since and as until."""
    return dates.resolve("since", text, base).day, dates.resolve("until", text, base).day


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("2021-03-01", "2021-03-01", "2021-03-01"),
        ("-7d", "2026-11-25", "2026-11-25"),
        ("-2w", "2026-11-18", "2026-11-18"),
        ("-1m", "2026-11-02", "2026-11-02"),
        ("-1y", "2025-12-02", "2025-12-02"),
        ("-0d", "2026-12-02", "2026-12-02"),
        ("today", "2026-12-02", "2026-12-02"),
        ("yesterday", "2026-12-01", "2026-12-01"),
        ("this-week", "2026-11-30", "2026-12-06"),
        ("last-week", "2026-11-23", "2026-11-29"),
        ("this-month", "2026-12-01", "2026-12-31"),
        ("last-month", "2026-11-01", "2026-11-30"),
        ("P7D", "2026-11-25", "2026-11-25"),
        ("P2W", "2026-11-18", "2026-11-18"),
        ("P1M", "2026-11-02", "2026-11-02"),
        ("P1Y", "2025-12-02", "2025-12-02"),
        ("P1Y2M3D", "2025-09-29", "2025-09-29"),
        (" -7D ", "2026-11-25", "2026-11-25"),
        ("Last-Week", "2026-11-23", "2026-11-29"),
        ("p7d", "2026-11-25", "2026-11-25"),
    ],
)
def test_each_form_from_a_fixed_build_date(text: str, since: str, until: str) -> None:
    base = dates.today(epoch(WEDNESDAY))
    assert base == WEDNESDAY
    assert span(text, base) == (d(since), d(until))


def test_the_build_date_is_the_utc_date_of_the_epoch_or_today() -> None:
    late = int(dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC).timestamp())
    assert dates.today(late) == WEDNESDAY
    assert dates.today(0) == dt.date(1970, 1, 1)
    before, found, after = (
        dt.datetime.now(dt.UTC).date(),
        dates.today(None),
        dt.datetime.now(dt.UTC).date(),
    )
    assert found in (before, after)


@pytest.mark.parametrize(
    ("base", "text", "day"),
    [
        ("2026-03-31", "-1m", "2026-02-28"),
        ("2024-03-31", "-1m", "2024-02-29"),
        ("2024-03-31", "P1M", "2024-02-29"),
        ("2026-05-31", "-1m", "2026-04-30"),
        ("2026-01-31", "-2m", "2025-11-30"),
        ("2024-02-29", "-1y", "2023-02-28"),
        ("2024-02-29", "-4y", "2020-02-29"),
        ("2026-03-31", "-1m1d", None),
        ("2026-03-31", "P1M1D", "2026-02-27"),
    ],
)
def test_a_month_back_from_a_month_end_is_the_last_day_of_the_shorter_month(
    base: str, text: str, day: str | None
) -> None:
    if day is None:
        with pytest.raises(ValueError, match="is not a date"):
            dates.resolve("since", text, d(base))
    else:
        assert dates.resolve("since", text, d(base)).day == d(day)


@pytest.mark.parametrize(
    ("base", "text", "since", "until"),
    [
        ("2027-01-01", "yesterday", "2026-12-31", "2026-12-31"),
        ("2027-01-03", "-7d", "2026-12-27", "2026-12-27"),
        ("2027-01-03", "-1m", "2026-12-03", "2026-12-03"),
        ("2027-01-15", "last-month", "2026-12-01", "2026-12-31"),
        ("2027-01-15", "this-month", "2027-01-01", "2027-01-31"),
        ("2026-12-31", "this-month", "2026-12-01", "2026-12-31"),
        ("2027-03-10", "last-month", "2027-02-01", "2027-02-28"),
        ("2028-03-10", "last-month", "2028-02-01", "2028-02-29"),
    ],
)
def test_across_a_year_boundary(base: str, text: str, since: str, until: str) -> None:
    assert span(text, d(base)) == (d(since), d(until))


@pytest.mark.parametrize(
    ("base", "text", "since", "until"),
    [
        # 2027-01-01 is a Friday in ISO week 53 of 2026.
        ("2027-01-01", "this-week", "2026-12-28", "2027-01-03"),
        ("2027-01-04", "last-week", "2026-12-28", "2027-01-03"),
        # 2026-01-01 is a Thursday in ISO week 1 of 2026, which starts in 2025.
        ("2026-01-01", "this-week", "2025-12-29", "2026-01-04"),
        ("2026-01-04", "this-week", "2025-12-29", "2026-01-04"),
        ("2026-01-05", "last-week", "2025-12-29", "2026-01-04"),
        ("2026-01-05", "this-week", "2026-01-05", "2026-01-11"),
    ],
)
def test_weeks_are_iso_weeks_monday_to_sunday_across_years(
    base: str, text: str, since: str, until: str
) -> None:
    first, last = span(text, d(base))
    assert (first, last) == (d(since), d(until))
    assert first.isocalendar().weekday == 1 and last.isocalendar().weekday == 7
    assert first.isocalendar()[:2] == last.isocalendar()[:2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("last week", "'last week' is not a date (did you mean 'last-week'?); write YYYY-MM-DD"),
        ("March", "'March' is not a date; write YYYY-MM-DD, -7d"),
        ("-7", "'-7' is not a date"),
        ("+7d", "'+7d' is not a date"),
        ("PT1H", "'PT1H' is not a date"),
        ("P", "'P' is not a date"),
        ("P1W2D", "'P1W2D' is not a date"),
        ("2021-02-30", "'2021-02-30' is no day of the calendar"),
        ("-99999999d", "'-99999999d' falls outside the years 1 to 9999"),
        ("-10000y", "'-10000y' falls outside the years 1 to 9999"),
    ],
)
def test_a_bad_date_names_the_forms(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        dates.resolve("since", text, WEDNESDAY)
    assert str(caught.value).startswith(message)


def test_the_ends_of_the_calendar() -> None:
    last = dt.date(9999, 12, 31)
    assert span("this-week", last) == (dt.date(9999, 12, 27), last)
    assert span("this-month", last) == (dt.date(9999, 12, 1), last)
    first = dt.date(1, 1, 1)
    assert span("this-month", first) == (first, dt.date(1, 1, 31))
    for text in ("yesterday", "last-week", "last-month", "-1d", "P1Y"):
        with pytest.raises(ValueError, match="outside the years 1 to 9999"):
            dates.resolve("since", text, first)


def test_a_given_date_shows_how_it_was_written() -> None:
    relative = dates.resolve("since", "-7d", WEDNESDAY)
    plain = dates.resolve("until", "2026-12-01", WEDNESDAY)
    assert (relative.relative, plain.relative) == (True, False)
    assert str(relative) == "since -7d = 2026-11-25"
    assert str(plain) == "until 2026-12-01"


PROJECT = """\
[defaults]
until = "yesterday"

[editions.weekly]
format = "epub"
since = "-7d"

[editions.month]
format = "epub"
since = "last-month"
until = "last-month"

[editions.fixed]
format = "epub"
since = 2026-01-01
until = "2026-06-30"
"""


def load(tmp_path: Path, text: str, day: dt.date = WEDNESDAY) -> config.Config:
    (tmp_path / "publisher.toml").write_text(text)
    return config.load(tmp_path / "publisher.toml", {"SOURCE_DATE_EPOCH": str(epoch(day))})


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        load(tmp_path, text)
    return [p.format() for p in caught.value.diagnostics]


def test_the_config_resolves_relative_dates_and_keeps_them_as_written(tmp_path: Path) -> None:
    weekly, month, fixed = load(tmp_path, PROJECT).editions
    assert (weekly.selection.since, weekly.selection.until) == (d("2026-11-25"), d("2026-12-01"))
    assert [str(g) for g in weekly.relative] == [
        "since -7d = 2026-11-25",
        "until yesterday = 2026-12-01",
    ]
    assert (month.selection.since, month.selection.until) == (d("2026-11-01"), d("2026-11-30"))
    assert (fixed.selection.since, fixed.selection.until) == (d("2026-01-01"), d("2026-06-30"))
    assert fixed.relative == ()
    later = load(tmp_path, PROJECT, dt.date(2027, 1, 4)).editions[0]
    assert (later.selection.since, later.selection.until) == (d("2026-12-28"), d("2027-01-03"))


def test_bad_relative_dates_are_reported_with_their_lines(tmp_path: Path) -> None:
    text = PROJECT.replace('"-7d"', '"-7 days"').replace('until = "yesterday"', "until = 7")
    assert problems(tmp_path, text) == [
        "publisher.toml:2: error: defaults.until: must be a string, not int [config-type]",
        f"publisher.toml:6: error: editions.weekly.since: '-7 days' is not a date; write "
        f"{dates.FORMS} [config-value]",
    ]


def test_since_after_until_once_resolved(tmp_path: Path) -> None:
    text = '[editions.brief]\nformat = "epub"\nsince = "this-month"\nuntil = "-7d"\n'
    assert problems(tmp_path, text) == [
        "publisher.toml:4: error: editions.brief.until: -7d = 2026-11-25 is before since "
        "(this-month = 2026-12-01) [config-value]"
    ]
    text = '[defaults]\nsince = "today"\n\n[editions.brief]\nformat = "epub"\nuntil = "P1D"\n'
    assert problems(tmp_path, text) == [
        "publisher.toml:6: error: editions.brief.until: P1D = 2026-12-01 is before since "
        "(today = 2026-12-02) [config-value]"
    ]


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"SOURCE_DATE_EPOCH": str(epoch(dt.date(2021, 3, 20)))}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def march(tmp_path: Path, sample_corpus: Path) -> Path:
    """A project of the White House documents of March 2021, built on Saturday 2021-03-20."""
    content = tmp_path / "content"
    content.mkdir()
    for path in (sample_corpus / "whitehouse").glob("2021-03-*.md"):
        shutil.copy(path, content)
    (tmp_path / "publisher.toml").write_text(
        '[editions.weekly]\nformat = "epub"\nsince = "-7d"\n\n'
        '[editions.all]\nformat = "epub"\nuntil = "2021-12-31"\n'
    )
    return tmp_path


def test_the_command_line_takes_relative_dates(
    march: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(march)
    code, out, _ = run(march, "list", "--since", "-7d")
    assert code == 0
    assert [line[:10] for line in out.splitlines()] == ["2021-03-19"]
    code, out, _ = run(march, "list", "--since", "last-month", "--until", "this-week")
    assert code == 0
    assert [line[:10] for line in out.splitlines()] == ["2021-03-01"] * 3 + ["2021-03-19"]
    code, _, err = run(march, "list", "--until", "last week")
    assert code == 2
    assert "'last week' is not a date (did you mean 'last-week'?)" in err
    assert "YYYY-MM-DD, -7d, -2w, -1m, -1y, today, yesterday, this-week" in " ".join(err.split())
    code, _, err = run(march, "list", "--since", "today", "--until", "-1w")
    assert code == 2
    assert "since 2021-03-20 is after until 2021-03-13" in err


def test_the_build_summary_shows_each_relative_date_resolved(
    march: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(march)
    code, out, err = run(march, "build")
    assert code == 0, err
    assert out.splitlines()[0] == "weekly: since -7d = 2021-03-13"
    assert "all:" not in out
    assert "wrote dist/weekly.epub (" in out and ", 1 documents)" in out
    code, out, _ = run(march, "build", "weekly", "all", "--until", "yesterday")
    assert code == 0
    assert out.splitlines()[:2] == [
        "weekly: since -7d = 2021-03-13, until yesterday = 2021-03-19",
        "all: until yesterday = 2021-03-19",
    ]
