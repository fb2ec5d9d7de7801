"""Working hours (§2.1): is an instant inside them, next opening, adding and counting working minutes. Pure.

Works on the `[hours]` settings: opening and closing time on the working `days`,
except `closed_dates`, plus `open_dates`. Windows are computed per local calendar
day and turned into UTC instants, so arithmetic stays exact on days with a DST
change (a day whose clock jumps forward has a shorter window, one whose clock
falls back a longer one). All arithmetic is done in UTC; instants must be aware.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mailproc.config import Hours

UTC = dt.timezone.utc
ONE_DAY = dt.timedelta(days=1)
ONE_MINUTE = dt.timedelta(minutes=1)


def _window(hours: Hours, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The working interval of a local date in UTC, or None when that day is closed."""
    if day in hours.closed_dates or (day.weekday() not in hours.weekdays and day not in hours.open_dates):
        return None
    start = dt.datetime.combine(day, hours.open, hours.timezone).astimezone(UTC)
    end = dt.datetime.combine(day, hours.close, hours.timezone).astimezone(UTC)
    return start, end


def _working(hours: Hours, start: dt.datetime, end: dt.datetime | None = None
             ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The working time in [start, end) as UTC intervals in order; endless when end is None.

    A window is clipped to the range, and one left empty (or inverted by a clock jumping
    over its opening time) is skipped. Without an end, a year without working time is an error.
    """
    start = start.astimezone(UTC)
    end = end.astimezone(UTC) if end is not None else None
    day = start.astimezone(hours.timezone).date()
    last_day = end.astimezone(hours.timezone).date() if end is not None else None
    idle = 0  # days in a row without working time
    while last_day is None or day <= last_day:
        lo, hi = _window(hours, day) or (start, start)
        lo, hi = max(lo, start), hi if end is None else min(hi, end)
        day += ONE_DAY
        if lo < hi:
            idle = 0
            yield lo, hi
        elif (idle := idle + 1) > 366 and end is None:
            raise ValueError("no working time within a year: check hours.days and hours.closed_dates")


def is_open(hours: Hours, instant: dt.datetime) -> bool:
    window = _window(hours, instant.astimezone(hours.timezone).date())
    return window is not None and window[0] <= instant < window[1]


def next_opening(hours: Hours, instant: dt.datetime) -> dt.datetime:
    """The instant itself when open, else the start of the next working window (UTC)."""
    return next(_working(hours, instant))[0]


def add_working_minutes(hours: Hours, instant: dt.datetime, minutes: float) -> dt.datetime:
    """The instant (in the hours' zone) when `minutes` of working time have passed after `instant`.

    Outside hours the count starts at the next opening; 0 minutes gives that opening.
    """
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    remaining = dt.timedelta(minutes=minutes)
    for start, end in _working(hours, instant):
        if remaining <= end - start:
            return (start + remaining).astimezone(hours.timezone)
        remaining -= end - start
    raise AssertionError("unreachable: _working without an end never stops")


def working_minutes_between(hours: Hours, start: dt.datetime, end: dt.datetime) -> float:
    """Working minutes from `start` to `end`; 0 when end <= start."""
    return sum((hi - lo for lo, hi in _working(hours, start, end)), dt.timedelta()) / ONE_MINUTE



def add_working_days(hours: Hours, instant: dt.datetime, days: int) -> dt.datetime:
    """The same local time on the `days`-th working day after the instant's day (0: the instant)."""
    local = instant.astimezone(hours.timezone)
    day = local.date()
    for _ in range(days):
        day = _next_working_day(hours, day)
    return dt.datetime.combine(day, local.time(), hours.timezone)


def _next_working_day(hours: Hours, day: dt.date) -> dt.date:
    for _ in range(366):
        day += ONE_DAY
        if _window(hours, day) is not None:
            return day
    raise ValueError("no working day within a year: check hours.days and hours.closed_dates")
