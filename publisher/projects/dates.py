"""Since and until as written (2021-03-01, -7d, last-week, P1M) → days, from the build date."""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Literal

Bound = Literal["since", "until"]
BOUNDS: tuple[Bound, ...] = ("since", "until")

FORMS = (
    "YYYY-MM-DD, -7d, -2w, -1m, -1y, today, yesterday, this-week, last-week, this-month, "
    "last-month, or an ISO 8601 duration such as P7D, P2W, P1M (that long ago)"
)
"""Every form a since or until date may take, for error messages and help."""

_WORDS = ("today", "yesterday", "this-week", "last-week", "this-month", "last-month")
_ISO = re.compile(r"\d{4}-\d\d-\d\d")
_OFFSET = re.compile(r"-(\d+)([dwmy])")
_DURATION = re.compile(r"p(?:(\d+)w|(?=\d)(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?)")


@dataclass(frozen=True, slots=True)
class Given:
    """A since or until date as written, and the day it stands for in this build."""

    bound: Bound
    """Which end of the selection it is."""
    text: str
    """The date as written."""
    day: dt.date
    """The day it resolved to."""

    @property
    def relative(self) -> bool:
        """Whether the day depends on the build date."""
        return absolute(self.text.strip()) is None

    @property
    def shown(self) -> str:
        """The date as written, with its day when that depends on the build date."""
        return f"{self.text} = {self.day.isoformat()}" if self.relative else self.text

    def __str__(self) -> str:
        return f"{self.bound} {self.shown}"


def today(epoch: int | None) -> dt.date:
    """The build date: that of SOURCE_DATE_EPOCH when set, else today's, both in UTC."""
    if epoch is None:
        return dt.datetime.now(dt.UTC).date()
    return dt.datetime.fromtimestamp(epoch, dt.UTC).date()


def absolute(text: str) -> dt.date | None:
    """The day of a plain YYYY-MM-DD date; None for any other text."""
    try:
        return dt.date.fromisoformat(text) if _ISO.fullmatch(text) else None
    except ValueError:
        return None


def resolve(bound: Bound, text: str, base: dt.date) -> Given:
    """The day text stands for from base: a week's or month's first as since, last as until."""
    try:
        span = _span(text.strip().lower(), base)
    except OverflowError:
        raise ValueError(f"{text!r} falls outside the years 1 to 9999") from None
    if span is None and _ISO.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is no day of the calendar")
    if span is None:
        hint = difflib.get_close_matches(text.strip().lower(), _WORDS, n=1)
        near = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"{text!r} is not a date{near}; write {FORMS}")
    return Given(bound, text, span[0] if bound == "since" else span[1])


def _span(text: str, base: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day text names: one day, unless it names a week or a month."""
    day = absolute(text) or _back(text, base)
    if day is not None:
        return day, day
    one = dt.timedelta(days=1)
    monday = base - base.weekday() * one
    month = base.replace(day=1)
    match text:
        case "today":
            return base, base
        case "yesterday":
            return base - one, base - one
        case "this-week":
            # The last week of 9999 ends in year 10000, past the last date there is.
            return monday, monday + min(6 * one, dt.date.max - monday)
        case "last-week":
            return monday - 7 * one, monday - one
        case "this-month":
            return month, base.replace(day=calendar.monthrange(base.year, base.month)[1])
        case "last-month":
            return _months_back(month, 1), month - one
    return None


def _back(text: str, base: dt.date) -> dt.date | None:
    """The day an offset (-7d, -1m) or an ISO 8601 duration (p7d, p1y2m) counts back to."""
    if offset := _OFFSET.fullmatch(text):
        count, unit = int(offset[1]), offset[2]
        days = {"d": count, "w": 7 * count}.get(unit, 0)
        months = {"m": count, "y": 12 * count}.get(unit, 0)
        return _months_back(base, months) - dt.timedelta(days=days)
    if duration := _DURATION.fullmatch(text):
        weeks, years, months, days = (int(n or 0) for n in duration.groups())
        return _months_back(base, 12 * years + months) - dt.timedelta(days=7 * weeks + days)
    return None


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day of the month, months earlier (later when negative), or that month's last.

    March 31 less a month is February's last day, as with dateutil's relativedelta.
    """
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"year {year} is out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))
