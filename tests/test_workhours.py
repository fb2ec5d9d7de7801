"""§2.1, §2.3: the business-time calendar (mailproc.workhours).

Unless a case says otherwise the desk is the regulation's: 07:00-19:00 Moscow time,
every day. 27 November 2026 is a Friday. DST cases use zones that change the clock:
Europe/Berlin (29 March and 25 October 2026) and America/New_York (8 March and
1 November 2026). A time without an offset is local to the case's desk; one with an
offset (+01:00) names the instant exactly, e.g. the second 02:30 of a fall-back night.
"""
import datetime as dt
import functools
import tempfile
from pathlib import Path

import pytest

from mailproc.config import Hours, load_settings
from mailproc.workhours import add_working_minutes, is_open, next_opening, working_minutes_between

WEEKDAYS_ONLY = 'days = ["mon", "tue", "wed", "thu", "fri"]\n'
DESKS = {
    "moscow": "",
    "weekdays": WEEKDAYS_ONLY,
    "31 Dec closed": 'closed_dates = ["2026-12-31"]\n',
    "31 Dec, 1 Jan closed": 'closed_dates = ["2026-12-31", 2027-01-01]\n',  # a string and a TOML date
    "weekdays, Sat 28 Nov open": WEEKDAYS_ONLY + 'open_dates = ["2026-11-28"]\n',
    "weekdays, Sat 28 Nov open and closed": WEEKDAYS_ONLY + 'open_dates = ["2026-11-28"]\n'
                                            'closed_dates = ["2026-11-28"]\n',
    "berlin round the clock": 'timezone = "Europe/Berlin"\nopen = "00:00"\nclose = "23:59"\n',
    "berlin 01-04": 'timezone = "Europe/Berlin"\nopen = "01:00"\nclose = "04:00"\n',
    "berlin 02:30-05": 'timezone = "Europe/Berlin"\nopen = "02:30"\nclose = "05:00"\n',
    "berlin 02:30-03:15": 'timezone = "Europe/Berlin"\nopen = "02:30"\nclose = "03:15"\n',
    "new york round the clock": 'timezone = "America/New_York"\nopen = "00:00"\nclose = "23:59"\n',
    "new york 01-04": 'timezone = "America/New_York"\nopen = "01:00"\nclose = "04:00"\n',
}


@functools.cache
def desk(name: str) -> Hours:
    """The [hours] of a config file holding DESKS[name], loaded as the daemon loads it."""
    with tempfile.TemporaryDirectory(prefix="mp-hours-") as directory:
        path = Path(directory) / "config.toml"
        path.write_text("[hours]\n" + DESKS[name], encoding="utf-8")
        return load_settings(path).hours


def at(hours: Hours, text: str) -> dt.datetime:
    instant = dt.datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=hours.timezone)


def utc(instant: dt.datetime) -> dt.datetime:
    """Compare in UTC: Python never finds a time in a DST fold (the second 02:30) equal to one in another zone."""
    return instant.astimezone(dt.timezone.utc)


# (what a support lead reads, desk, mail arrives, working minutes, due)
DUE = [
    ("mail at 12:00 Friday -> first reaction due 12:30 Friday", "moscow", "2026-11-27 12:00", 30, "2026-11-27 12:30"),
    ("mail at 05:10 Friday, before opening -> due 07:30 Friday", "moscow", "2026-11-27 05:10", 30,
     "2026-11-27 07:30"),
    ("mail at 06:59 -> due 07:30: the clock starts at opening", "moscow", "2026-11-27 06:59", 30, "2026-11-27 07:30"),
    ("mail at 07:00 sharp -> due 07:30", "moscow", "2026-11-27 07:00", 30, "2026-11-27 07:30"),
    ("mail at 18:30 -> due 19:00 the same evening, not the next morning", "moscow", "2026-11-27 18:30", 30,
     "2026-11-27 19:00"),
    ("mail at 18:45 Friday: 15 min Friday + 15 min Saturday -> due 07:15 Saturday", "moscow", "2026-11-27 18:45", 30,
     "2026-11-28 07:15"),
    ("mail at 18:50 Friday -> first reaction due 07:20 Saturday", "moscow", "2026-11-27 18:50", 30,
     "2026-11-28 07:20"),
    ("mail at 18:59 Friday -> due 07:29 Saturday", "moscow", "2026-11-27 18:59", 30, "2026-11-28 07:29"),
    ("mail at 18:59:30 -> half a minute on Friday, due 07:29:30 Saturday", "moscow", "2026-11-27 18:59:30", 30,
     "2026-11-28 07:29:30"),
    ("mail at 19:00 Friday, closing time -> due 07:30 Saturday", "moscow", "2026-11-27 19:00", 30,
     "2026-11-28 07:30"),
    ("mail at 23:30 Saturday, overnight -> due 07:30 Sunday", "moscow", "2026-11-28 23:30", 30, "2026-11-29 07:30"),
    ("mail at 00:10 after midnight -> due 07:30 the same day", "moscow", "2026-11-29 00:10", 30, "2026-11-29 07:30"),
    ("critical at 18:00 Friday, 2 working hours -> due 08:00 Saturday", "moscow", "2026-11-27 18:00", 120,
     "2026-11-28 08:00"),
    ("24 h 30 min of working time from 07:00 Friday -> due 07:30 Sunday", "moscow", "2026-11-27 07:00", 1470,
     "2026-11-29 07:30"),
    ("0 minutes at 20:00 Friday -> the next opening, 07:00 Saturday", "moscow", "2026-11-27 20:00", 0,
     "2026-11-28 07:00"),
    ("weekdays-only desk: mail at 18:50 Friday -> due 07:20 Monday", "weekdays", "2026-11-27 18:50", 30,
     "2026-11-30 07:20"),
    ("weekdays-only desk: mail at 10:00 Saturday -> due 07:30 Monday", "weekdays", "2026-11-28 10:00", 30,
     "2026-11-30 07:30"),
    ("31 Dec closed: mail at 18:50 on 30 Dec -> due 07:20 on 1 Jan", "31 Dec closed", "2026-12-30 18:50", 30,
     "2027-01-01 07:20"),
    ("31 Dec closed: mail at 12:00 on 31 Dec -> due 07:30 on 1 Jan", "31 Dec closed", "2026-12-31 12:00", 30,
     "2027-01-01 07:30"),
    ("31 Dec and 1 Jan closed: mail at 18:50 on 30 Dec -> due 07:20 on 2 Jan", "31 Dec, 1 Jan closed",
     "2026-12-30 18:50", 30, "2027-01-02 07:20"),
    ("weekdays-only desk open on Saturday 28 Nov: mail at 18:50 Friday -> due 07:20 Saturday",
     "weekdays, Sat 28 Nov open", "2026-11-27 18:50", 30, "2026-11-28 07:20"),
    ("weekdays-only desk open on Saturday 28 Nov: mail at 18:50 that Saturday -> due 07:20 Monday",
     "weekdays, Sat 28 Nov open", "2026-11-28 18:50", 30, "2026-11-30 07:20"),
    ("a date both closed and open stays closed: mail at 18:50 Friday -> due 07:20 Monday",
     "weekdays, Sat 28 Nov open and closed", "2026-11-27 18:50", 30, "2026-11-30 07:20"),
    ("Berlin round the clock, clock jumps 02:00->03:00: mail at 01:30 + 60 min -> due 03:30 summer time",
     "berlin round the clock", "2026-03-29 01:30", 60, "2026-03-29 03:30"),
    ("Berlin round the clock, clock falls back 03:00->02:00: mail at 01:30 + 120 min -> due at the second 02:30",
     "berlin round the clock", "2026-10-25 01:30", 120, "2026-10-25 02:30+01:00"),
    ("Berlin 01:00-04:00 desk has 2 h on the spring-forward night: 150 min from 00:30 -> due 01:30 Monday",
     "berlin 01-04", "2026-03-29 00:30", 150, "2026-03-30 01:30"),
    ("Berlin 01:00-04:00 desk has 4 h on the fall-back night: 210 min from 00:30 -> due 03:30 the same night",
     "berlin 01-04", "2026-10-25 00:30", 210, "2026-10-25 03:30"),
    ("New York 01:00-04:00 desk has 2 h on 8 March: 150 min from 00:30 -> due 01:30 Monday", "new york 01-04",
     "2026-03-08 00:30", 150, "2026-03-09 01:30"),
    ("New York round the clock, clock falls back 1 Nov: mail at 00:30 + 120 min -> due at the second 01:30",
     "new york round the clock", "2026-11-01 00:30", 120, "2026-11-01 01:30-05:00"),
]


@pytest.mark.parametrize(("name", "arrived", "minutes", "due"), [row[1:] for row in DUE], ids=[row[0] for row in DUE])
def test_first_reaction_due(name, arrived, minutes, due):
    hours = desk(name)
    result = add_working_minutes(hours, at(hours, arrived), minutes)
    assert utc(result) == utc(at(hours, due))
    assert result.tzinfo is hours.timezone  # shown to clients and agents in the desk's time


@pytest.mark.parametrize(("name", "arrived", "minutes", "due"), [row[1:] for row in DUE], ids=[row[0] for row in DUE])
def test_counting_back_from_the_due_time_gives_the_minutes_added(name, arrived, minutes, due):
    hours = desk(name)
    assert working_minutes_between(hours, at(hours, arrived), at(hours, due)) == minutes


# (what a support lead reads, desk, instant, open?)
OPEN = [
    ("06:59 Friday: closed", "moscow", "2026-11-27 06:59", False),
    ("07:00 Friday: open", "moscow", "2026-11-27 07:00", True),
    ("18:59 Friday: open", "moscow", "2026-11-27 18:59", True),
    ("19:00 Friday: closed", "moscow", "2026-11-27 19:00", False),
    ("04:00 UTC is 07:00 in Moscow: open", "moscow", "2026-11-27 04:00+00:00", True),
    ("noon Saturday on a weekdays-only desk: closed", "weekdays", "2026-11-28 12:00", False),
    ("noon on Saturday 28 Nov made an open date: open", "weekdays, Sat 28 Nov open", "2026-11-28 12:00", True),
    ("noon on closed 31 Dec: closed", "31 Dec closed", "2026-12-31 12:00", False),
    ("noon on 30 Dec, the day before a closed date: open", "31 Dec closed", "2026-12-30 12:00", True),
    ("Berlin 01:00-04:00 desk at 03:30 summer time on the spring-forward night: open", "berlin 01-04",
     "2026-03-29 03:30", True),
    ("Berlin 01:00-04:00 desk at 03:30 winter time on the fall-back night: open", "berlin 01-04",
     "2026-10-25 03:30", True),
    ("Berlin 01:00-04:00 desk at 04:00 on the fall-back night: closed", "berlin 01-04", "2026-10-25 04:00", False),
]


@pytest.mark.parametrize(("name", "instant", "expected"), [row[1:] for row in OPEN], ids=[row[0] for row in OPEN])
def test_is_open(name, instant, expected):
    hours = desk(name)
    assert is_open(hours, at(hours, instant)) is expected


# (what a support lead reads, desk, instant, next opening)
OPENING = [
    ("12:00 Friday, inside hours -> now", "moscow", "2026-11-27 12:00:17", "2026-11-27 12:00:17"),
    ("06:59 Friday -> 07:00 the same day", "moscow", "2026-11-27 06:59", "2026-11-27 07:00"),
    ("19:00 Friday -> 07:00 Saturday", "moscow", "2026-11-27 19:00", "2026-11-28 07:00"),
    ("Saturday noon on a weekdays-only desk -> 07:00 Monday", "weekdays", "2026-11-28 12:00", "2026-11-30 07:00"),
    ("20:00 Friday, weekdays-only desk open on Saturday 28 Nov -> 07:00 Saturday", "weekdays, Sat 28 Nov open",
     "2026-11-27 20:00", "2026-11-28 07:00"),
    ("20:00 on 30 Dec with 31 Dec and 1 Jan closed -> 07:00 on 2 Jan", "31 Dec, 1 Jan closed", "2026-12-30 20:00",
     "2027-01-02 07:00"),
    ("Berlin desk opening at 02:30, a time the spring-forward night skips -> opens 03:30 summer time",
     "berlin 02:30-05", "2026-03-29 00:00", "2026-03-29 03:30"),
    ("Berlin desk 02:30-03:15 has no time on the spring-forward night (02:30 would be 03:30) -> 02:30 Monday",
     "berlin 02:30-03:15", "2026-03-29 00:00", "2026-03-30 02:30"),
]


@pytest.mark.parametrize(("name", "instant", "expected"), [row[1:] for row in OPENING],
                         ids=[row[0] for row in OPENING])
def test_next_opening(name, instant, expected):
    hours = desk(name)
    assert utc(next_opening(hours, at(hours, instant))) == utc(at(hours, expected))


# (what a support lead reads, desk, from, to, working minutes)
BETWEEN = [
    ("10:00 -> 11:30 Friday, one window: 90 min", "moscow", "2026-11-27 10:00", "2026-11-27 11:30", 90),
    ("05:00 -> 08:00, from before opening: 60 min", "moscow", "2026-11-27 05:00", "2026-11-27 08:00", 60),
    ("18:00 Friday -> 08:00 Saturday, across the night: 120 min", "moscow", "2026-11-27 18:00", "2026-11-28 08:00",
     120),
    ("12:00 Friday -> 12:00 Monday, every day open: 36 h", "moscow", "2026-11-27 12:00", "2026-11-30 12:00", 2160),
    ("18:00 Friday -> 08:00 Monday on a weekdays-only desk: 120 min", "weekdays", "2026-11-27 18:00",
     "2026-11-30 08:00", 120),
    ("18:00 Friday -> 08:00 Monday, weekdays-only desk open on Saturday 28 Nov: 14 h", "weekdays, Sat 28 Nov open",
     "2026-11-27 18:00", "2026-11-30 08:00", 840),
    ("18:00 on 30 Dec -> 08:00 on 2 Jan with 31 Dec and 1 Jan closed: 120 min", "31 Dec, 1 Jan closed",
     "2026-12-30 18:00", "2027-01-02 08:00", 120),
    ("19:30 -> 06:30, both in the same night: 0", "moscow", "2026-11-27 19:30", "2026-11-28 06:30", 0),
    ("reversed, 11:30 -> 10:00: 0", "moscow", "2026-11-27 11:30", "2026-11-27 10:00", 0),
    ("the same instant: 0", "moscow", "2026-11-27 11:30", "2026-11-27 11:30", 0),
    ("10:00:00 -> 10:00:30: half a minute", "moscow", "2026-11-27 10:00:00", "2026-11-27 10:00:30", 0.5),
    ("04:00 UTC -> 10:00 Moscow, instants in different zones: 180 min", "moscow", "2026-11-27 04:00+00:00",
     "2026-11-27 10:00", 180),
    ("Berlin round the clock, 00:00 -> 04:00 on the spring-forward night: 3 h", "berlin round the clock",
     "2026-03-29 00:00", "2026-03-29 04:00", 180),
    ("Berlin round the clock, 00:00 -> 04:00 on the fall-back night: 5 h", "berlin round the clock",
     "2026-10-25 00:00", "2026-10-25 04:00", 300),
    ("Berlin 01:00-04:00 desk, Saturday -> Monday over the spring-forward night: 3 h + 2 h", "berlin 01-04",
     "2026-03-28 00:00", "2026-03-30 00:00", 300),
    ("New York 01:00-04:00 desk on the fall-back night of 1 Nov: 4 h", "new york 01-04", "2026-11-01 00:00",
     "2026-11-01 12:00", 240),
]


@pytest.mark.parametrize(("name", "start", "end", "minutes"), [row[1:] for row in BETWEEN],
                         ids=[row[0] for row in BETWEEN])
def test_working_minutes_between(name, start, end, minutes):
    hours = desk(name)
    result = working_minutes_between(hours, at(hours, start), at(hours, end))
    assert result == minutes
    assert isinstance(result, float)


def test_dates_are_read_from_the_config_as_dates():
    assert desk("31 Dec, 1 Jan closed").closed_dates == frozenset({dt.date(2026, 12, 31), dt.date(2027, 1, 1)})
    assert desk("weekdays, Sat 28 Nov open").open_dates == frozenset({dt.date(2026, 11, 28)})
    assert desk("moscow").closed_dates == desk("moscow").open_dates == frozenset()


def test_negative_minutes_are_refused():
    hours = desk("moscow")
    with pytest.raises(ValueError, match="negative"):
        add_working_minutes(hours, at(hours, "2026-11-27 12:00"), -1)


def test_a_desk_closed_for_more_than_a_year_is_an_error_not_a_hang(tmp_path):
    mondays_2027 = [dt.date(2027, 1, 4) + dt.timedelta(weeks=n) for n in range(52)]
    path = tmp_path / "config.toml"
    path.write_text(f'[hours]\ndays = ["mon"]\nclosed_dates = {[d.isoformat() for d in mondays_2027]}\n'
                    .replace("'", '"'), encoding="utf-8")
    hours = load_settings(path).hours
    start, end = at(hours, "2026-12-29 12:00"), at(hours, "2027-12-31 12:00")
    with pytest.raises(ValueError, match="no working time within a year"):
        next_opening(hours, start)
    with pytest.raises(ValueError, match="no working time within a year"):
        add_working_minutes(hours, start, 30)
    assert working_minutes_between(hours, start, end) == 0  # a bounded count needs no opening
