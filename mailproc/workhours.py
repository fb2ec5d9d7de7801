"""Working hours (§2.1): is an instant inside them, next opening, adding working minutes. Pure.

Works on the `[hours]` settings. Windows are computed per local calendar day and
turned into UTC instants, so arithmetic stays exact on days with a DST change.
"""
from __future__ import annotations

import datetime as dt

from mailproc.config import Hours

UTC = dt.timezone.utc


def _window(hours: Hours, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The working interval of a local date in UTC, or None when that day is closed."""
    if day.weekday() not in hours.weekdays:
        return None
    start = dt.datetime.combine(day, hours.open, hours.timezone).astimezone(UTC)
    end = dt.datetime.combine(day, hours.close, hours.timezone).astimezone(UTC)
    return start, end


def is_open(hours: Hours, instant: dt.datetime) -> bool:
    window = _window(hours, instant.astimezone(hours.timezone).date())
    return window is not None and window[0] <= instant < window[1]


def next_opening(hours: Hours, instant: dt.datetime) -> dt.datetime:
    """The instant itself when open, else the start of the next working window (UTC)."""
    instant = instant.astimezone(UTC)
    day = instant.astimezone(hours.timezone).date()
    for offset in range(366):
        window = _window(hours, day + dt.timedelta(days=offset))
        if window and instant < window[1]:
            return max(instant, window[0])
    raise ValueError("no working day within a year: check hours.days")


def add_working_minutes(hours: Hours, instant: dt.datetime, minutes: int) -> dt.datetime:
    """The instant (in the hours' zone) when `minutes` of working time have passed after `instant`."""
    remaining = dt.timedelta(minutes=minutes)
    current = next_opening(hours, instant)
    while True:
        window_end = _window(hours, current.astimezone(hours.timezone).date())[1]
        if remaining <= window_end - current:
            return (current + remaining).astimezone(hours.timezone)
        remaining -= window_end - current
        current = next_opening(hours, window_end)
