"""`queue` and `stats`: order, time left, compliance, percentiles, --since, the JSON shapes, the chart.

Tickets are written straight into a SQLite database in a temp dir; the report functions take `now`.
"""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from mailproc import lifecycle, report_svg, report_text
from mailproc.store import queries, sla_report
from mailproc.store.db import open_database
from mailproc.store.models import Ticket
from tests.conftest import sqlite_at
from tests.pure import default_settings, moscow

SETTINGS = default_settings()
ZONE = SETTINGS.hours.timezone
MIN = dt.timedelta(minutes=1)
EXTRA_QUEUE_KEYS = {"assignee", "first_response_at", "first_response_left_minutes", "resolution_left_minutes",
                    "breached"}


@pytest.fixture
def db(tmp_path):
    database = open_database(sqlite_at(tmp_path / "mailproc.db"))
    yield database
    database.close()


def add(n: int, arrived: str, status: str = "new", priority: str = "normal", *, labels=(), due: str | None = "+30",
        answered: str | None = None, resolution: str | None = None, closed: str | None = None,
        waiting: str | None = None, assignee: str | None = None) -> Ticket:
    """Ticket number n, KB-00000n, arriving at `arrived` (Moscow); `due` absolute or "+minutes" after arrival."""
    created = moscow(arrived)
    first_due = None if due is None else created + int(due[1:]) * MIN if due.startswith("+") else moscow(due)
    at = lambda text: text and moscow(text)  # noqa: E731
    return Ticket.create(
        id=n, tag=f"KB-{n:06d}", status=status, priority=priority, client=f"client{n}@example.test",
        subject=f"problem {n}", language="ru", labels=sorted(labels), created_at=created,
        first_response_due=first_due, first_response_at=at(answered), resolution_due=at(resolution),
        closed_at=at(closed), waiting_since=at(waiting), assignee=assignee, updated_at=created)


# --- queue order -----------------------------------------------------------------------------------------

ORDER = [
    ("normal tickets in order of arrival (§2.1)",
     [(1, "2026-11-27 10:00", "new", "normal"), (2, "2026-11-27 09:00", "open", "normal")], [2, 1]),
    ("critical first, even when it came later",
     [(1, "2026-11-27 09:00", "new", "normal"), (2, "2026-11-27 11:00", "new", "critical"),
      (3, "2026-11-27 10:00", "open", "critical")], [3, 2, 1]),
    ("waiting on the client after every active ticket, even a critical one",
     [(1, "2026-11-27 08:00", "waiting", "critical"), (2, "2026-11-27 12:00", "new", "normal")], [2, 1]),
    ("suspended last, after waiting",
     [(1, "2026-11-27 07:00", "suspended", "critical"), (2, "2026-11-27 08:00", "waiting", "normal"),
      (3, "2026-11-27 09:00", "open", "normal")], [3, 2, 1]),
    ("inside the waiting section: critical first, then arrival",
     [(1, "2026-11-27 08:00", "waiting", "normal"), (2, "2026-11-27 09:00", "waiting", "critical"),
      (3, "2026-11-27 07:30", "waiting", "normal")], [2, 3, 1]),
    ("closed tickets are not in the queue",
     [(1, "2026-11-27 08:00", "closed", "critical"), (2, "2026-11-27 09:00", "new", "normal")], [2]),
    ("same arrival instant: lower number first",
     [(2, "2026-11-27 09:00", "new", "normal"), (1, "2026-11-27 09:00", "new", "normal")], [1, 2]),
]


@pytest.mark.parametrize("tickets,expected", [c[1:] for c in ORDER], ids=[c[0] for c in ORDER])
def test_queue_order(db, tickets, expected):
    for n, arrived, status, priority in tickets:
        add(n, arrived, status, priority)
    rows = sla_report.queue(ZONE, moscow("2026-11-27 12:05"))
    assert [r["tag"] for r in rows] == [f"KB-{n:06d}" for n in expected]


# --- one deadline's clock ---------------------------------------------------------------------------------

DUE = "2026-11-27 12:30"
CLOCKS = [
    # id, status, done (answered / closed), closed_at, waiting_since, now, outcome, minutes left, minutes late
    ("18 min before", "new", None, None, None, "2026-11-27 12:12", "running", 18, None),
    ("at the due minute: still in time", "open", None, None, None, "2026-11-27 12:30", "running", 0, None),
    ("30 s past due: breached, -1 min", "new", None, None, None, "2026-11-27 12:30:30", "breached", -1, 0.5),
    ("65 min past due", "new", None, None, None, "2026-11-27 13:35", "breached", -65, 65),
    ("answered in time: settled, no time left shown", "waiting", "2026-11-27 12:20", None, None,
     "2026-11-27 18:00", "met", None, None),
    ("answered at the due instant: met", "waiting", DUE, None, None, "2026-11-27 18:00", "met", None, None),
    ("answered 10 min late", "open", "2026-11-27 12:40", None, None, "2026-11-27 18:00", "breached", None, 10),
    ("waiting on the client: time left frozen at the start of the wait", "waiting", None, None,
     "2026-11-27 12:10", "2026-11-27 17:00", "paused", 20, None),
    ("waiting began after the breach: the overrun stays frozen", "waiting", None, None, "2026-11-27 12:45",
     "2026-11-28 09:00", "breached", -15, 15),
    ("suspended (§4.7): no clock", "suspended", None, None, None, "2026-11-27 13:00", None, None, None),
    ("closed unanswered before the due time: left out", "closed", None, "2026-11-27 12:10", None,
     "2026-11-27 13:00", None, None, None),
    ("closed unanswered after the due time: breached by the close", "closed", None, "2026-11-27 13:00", None,
     "2026-11-27 18:00", "breached", None, 30),
]


@pytest.mark.parametrize("status,done,closed,waiting,now,outcome,left,late", [c[1:] for c in CLOCKS],
                         ids=[c[0] for c in CLOCKS])
def test_clock(status, done, closed, waiting, now, outcome, left, late):
    at = lambda text: text and moscow(text)  # noqa: E731
    clock = lifecycle.read_clock(moscow(DUE), at(done), status=status, paused_since=at(waiting),
                                  closed_at=at(closed), now=moscow(now))
    assert clock.outcome == outcome
    assert sla_report.minutes(clock.left) == left
    assert (None if clock.late is None else clock.late / MIN) == late


def test_no_due_no_clock():
    clock = lifecycle.read_clock(None, None, status="new", paused_since=None, closed_at=None,
                                  now=moscow("2026-11-27 12:00"))
    assert clock == lifecycle.NO_CLOCK


def test_queue_json_counts_down_across_a_breach(db):
    add(1, "2026-11-27 12:00", "new", "critical", resolution="2026-11-27 14:00", assignee="agent1@example.test")
    add(2, "2026-11-27 12:01", "waiting", answered="2026-11-27 12:20", waiting="2026-11-27 12:20")
    before = sla_report.queue(ZONE, moscow("2026-11-27 12:18"))
    after = sla_report.queue(ZONE, moscow("2026-11-27 13:05"))

    critical = before[0]
    assert set(critical) == set(queries.ticket_json(Ticket.get_by_id(1), ZONE)) | EXTRA_QUEUE_KEYS
    assert (critical["first_response_left_minutes"], critical["resolution_left_minutes"]) == (12, 102)
    assert critical["breached"] == [] and critical["assignee"] == "agent1@example.test"
    assert critical["first_response_due"] == "2026-11-27T12:30:00+03:00"  # ticket_json's shape, Moscow time
    late = after[0]
    assert (late["first_response_left_minutes"], late["resolution_left_minutes"]) == (-35, 55)
    assert late["breached"] == ["first_response"]
    answered = after[1]
    assert answered["first_response_left_minutes"] is None and answered["resolution_left_minutes"] is None
    assert answered["first_response_at"] == "2026-11-27T12:20:00+03:00" and answered["breached"] == []
    json.dumps(after)  # the whole queue is JSON as it is


# --- statistics ---------------------------------------------------------------------------------------------

def _mixed_desk():
    """First reaction: met 6 (1, 6, 8-11), breached 2 (2, 3), pending 1 (4); out: 5 automated, 7 closed on arrival.
    Resolution: met 1 (8), breached 2 (9, 10), pending 1 (11)."""
    add(1, "2026-11-27 10:00", "waiting", answered="2026-11-27 10:10", waiting="2026-11-27 10:10")
    add(2, "2026-11-27 10:00", "open", answered="2026-11-27 10:45", labels=["faq"])
    add(3, "2026-11-27 11:00", "new", labels=["missing_account_id", "faq"])
    add(4, "2026-11-27 11:50", "new")
    add(5, "2026-11-27 09:00", "new", labels=["automated"])
    add(6, "2026-11-27 09:00", "closed", answered="2026-11-27 09:30", closed="2026-11-27 09:40")
    add(7, "2026-11-27 09:00", "closed", labels=["out_of_scope"], closed="2026-11-27 09:00")
    add(8, "2026-11-27 08:00", "closed", "critical", answered="2026-11-27 08:05", resolution="2026-11-27 10:00",
        closed="2026-11-27 09:30", labels=["critical"])
    add(9, "2026-11-27 08:00", "closed", "critical", answered="2026-11-27 08:05", resolution="2026-11-27 10:00",
        closed="2026-11-27 10:20", labels=["critical"])
    add(10, "2026-11-27 09:00", "open", "critical", answered="2026-11-27 09:10", resolution="2026-11-27 11:00",
        labels=["critical"])
    add(11, "2026-11-27 10:00", "waiting", "critical", answered="2026-11-27 10:05", resolution="2026-11-27 12:00",
        waiting="2026-11-27 10:05")


def test_stats_compliance_by_hand(db):
    _mixed_desk()
    data = sla_report.stats(SETTINGS.hours, moscow("2026-11-27 12:00"))
    assert data["tickets"] == 11 and data["automated"] == 1
    assert data["by_priority"] == {"normal": 7, "critical": 4}
    assert data["by_status"] == {"new": 3, "open": 2, "waiting": 2, "development": 0, "closed": 4, "suspended": 0}
    assert data["by_label"] == {"critical": 3, "faq": 2, "automated": 1, "missing_account_id": 1, "out_of_scope": 1}
    first = data["first_response"]
    assert (first["met"], first["breached"], first["pending"], first["percent"]) == (2 + 4, 2, 1, 75.0)
    resolution = data["resolution"]
    assert (resolution["met"], resolution["breached"], resolution["pending"], resolution["percent"]) == (1, 2, 1, 33.3)
    assert [(b["tag"], b["deadline"], b["late_minutes"], b["done_at"] is None) for b in data["breaches"]] == [
        ("KB-000009", "resolution", 20, False),
        ("KB-000002", "first_response", 15, False),
        ("KB-000010", "resolution", 60, True),
        ("KB-000003", "first_response", 30, True),
    ]


REACTIONS = [
    ("one answer in working hours", [("2026-11-27 12:00", "2026-11-27 12:10")], 10, 10),
    ("the night does not count: 18:50 -> 07:20 is 30 working minutes",
     [("2026-11-27 18:50", "2026-11-28 07:20")], 30, 30),
    ("three answers: median the middle one, 90th interpolated",
     [("2026-11-27 12:00", "2026-11-27 12:10"), ("2026-11-27 18:50", "2026-11-28 07:20"),
      ("2026-11-27 13:00", "2026-11-27 13:40")], 30, 38),
    ("an automated ticket's answer is left out", [("2026-11-27 12:00", "2026-11-27 12:10"),
                                                  ("2026-11-27 12:00", "2026-11-27 15:00", "automated")], 10, 10),
]


@pytest.mark.parametrize("answers,median,p90", [c[1:] for c in REACTIONS], ids=[c[0] for c in REACTIONS])
def test_reaction_time_in_working_minutes(db, answers, median, p90):
    for n, (arrived, answered, *labels) in enumerate(answers, 1):
        add(n, arrived, "waiting", answered=answered, due="2026-11-28 12:00", labels=labels)
    first = sla_report.stats(SETTINGS.hours, moscow("2026-11-28 12:00"))["first_response"]
    assert (first["median_working_minutes"], first["p90_working_minutes"]) == (median, p90)
    assert first["answered"] == sum("automated" not in a for a in answers)


PERCENTILES = [
    ("nothing", [], 0.5, None),
    ("one value is every percentile", [7], 0.9, 7),
    ("even count: median between the middle two", [4, 1, 3, 2], 0.5, 2.5),
    ("90th of four", [1, 2, 3, 4], 0.9, 3.7),
    ("90th of ten", [100, 10, 20, 30, 40, 50, 60, 70, 80, 90], 0.9, 91),
    ("0th and 100th are the ends", [5, 9, 1], 0.0, 1),
    ("100th", [5, 9, 1], 1.0, 9),
]


@pytest.mark.parametrize("values,q,expected", [c[1:] for c in PERCENTILES], ids=[c[0] for c in PERCENTILES])
def test_percentile(values, q, expected):
    found = sla_report.percentile(values, q)
    assert found is None if expected is None else found == pytest.approx(expected)


SINCE = [
    ("no --since: everything", None, ["KB-000001", "KB-000002", "KB-000003"]),
    ("a local day: 00:30 Moscow is still the 26th in UTC but counts", dt.date(2026, 11, 27),
     ["KB-000002", "KB-000003"]),
    ("later day", dt.date(2026, 11, 28), ["KB-000003"]),
    ("future: nothing", dt.date(2026, 12, 1), []),
]


@pytest.mark.parametrize("since,tags", [c[1:] for c in SINCE], ids=[c[0] for c in SINCE])
def test_since_filters_by_local_arrival_day(db, since, tags):
    add(1, "2026-11-26 23:30", "new", due=None)
    add(2, "2026-11-27 00:30", "new", due=None)
    add(3, "2026-11-28 10:00", "new", "critical", due="2026-11-28 10:30", resolution="2026-11-28 12:00")
    data = sla_report.stats(SETTINGS.hours, moscow("2026-12-02 12:00"), since)
    assert data["tickets"] == len(tags)
    assert [b["tag"] for b in data["breaches"]] == ["KB-000003"] * 2 * ("KB-000003" in tags)
    assert data["since"] == (since.isoformat() if since else None)


def test_daily_rows_fill_gaps_and_exclude_automated_from_compliance(db):
    add(1, "2026-11-25 10:00", "waiting", answered="2026-11-25 10:20", waiting="2026-11-25 10:20")
    add(2, "2026-11-25 11:00", "waiting", answered="2026-11-25 12:20", waiting="2026-11-25 12:20")
    add(3, "2026-11-25 11:00", "new", labels=["automated"])
    add(4, "2026-11-27 10:00", "new")
    data = sla_report.stats(SETTINGS.hours, moscow("2026-11-27 10:10"), dt.date(2026, 11, 24))
    assert data["daily"] == [
        {"date": "2026-11-24", "tickets": 0, "first_response_met": 0, "first_response_breached": 0,
         "first_response_percent": None},
        {"date": "2026-11-25", "tickets": 3, "first_response_met": 1, "first_response_breached": 1,
         "first_response_percent": 50.0},
        {"date": "2026-11-26", "tickets": 0, "first_response_met": 0, "first_response_breached": 0,
         "first_response_percent": None},
        {"date": "2026-11-27", "tickets": 1, "first_response_met": 0, "first_response_breached": 0,
         "first_response_percent": None},
    ]


def test_stats_json_shape_on_an_empty_desk(db):
    data = sla_report.stats(SETTINGS.hours, moscow("2026-11-27 12:00"))
    assert json.loads(json.dumps(data)) == {
        "since": None, "now": "2026-11-27T12:00:00+03:00", "timezone": "Europe/Moscow", "tickets": 0,
        "automated": 0, "by_priority": {"normal": 0, "critical": 0},
        "by_status": {"new": 0, "open": 0, "waiting": 0, "development": 0, "closed": 0, "suspended": 0}, "by_label": {},
        "by_mailbox": {},
        "first_response": {"met": 0, "breached": 0, "pending": 0, "percent": None, "answered": 0,
                           "median_working_minutes": None, "p90_working_minutes": None},
        "resolution": {"met": 0, "breached": 0, "pending": 0, "percent": None},
        "breaches": [], "by_agent": [], "daily": []}


# --- text and chart -----------------------------------------------------------------------------------------

DURATIONS = [(0, "0 min"), (12, "12 min"), (60, "1 h"), (65, "1 h 5 min"), (-65, "1 h 5 min"), (1440, "1 d"),
             (1440 * 2 + 180 + 7, "2 d 3 h")]


@pytest.mark.parametrize("minutes,text", DURATIONS)
def test_duration(minutes, text):
    assert report_text.duration(minutes) == text


CELLS = [
    ("running", "2026-11-27T12:00:00+03:00", 25, False, False, "in 25 min (12:00)", ""),
    ("within the warning margin: yellow", "2026-11-27T11:40:00+03:00", 5, False, False, "in 5 min (11:40)",
     report_text.YELLOW),
    ("breached: red, how long ago", "2026-11-27T10:30:00+03:00", -65, True, False, "BREACHED 1 h 5 min ago (10:30)",
     report_text.RED),
    ("due another day: the date shown", "2026-11-28T07:30:00+03:00", 1195, False, False,
     "in 19 h 55 min (28.11 07:30)", ""),
    ("paused with time left: no alarm", "2026-11-27T13:18:00+03:00", 57, False, True, "paused, 57 min left (13:18)",
     ""),
    ("paused after the breach", "2026-11-27T11:00:00+03:00", -15, True, True, "BREACHED by 15 min, paused (11:00)",
     report_text.RED),
    ("no deadline", None, None, False, False, "-", ""),
]


@pytest.mark.parametrize("due,left,breached,paused,text,colour", [c[1:] for c in CELLS], ids=[c[0] for c in CELLS])
def test_deadline_cell(due, left, breached, paused, text, colour):
    now = moscow("2026-11-27 11:35")
    assert report_text.deadline_cell(due, left, breached, paused, now, warning_minutes=10) == (text, colour)


def test_queue_text_marks_breaches_and_colours_only_on_request(db):
    add(1, "2026-11-27 10:00", "new")
    add(2, "2026-11-27 11:30", "new", "critical", resolution="2026-11-27 13:30")
    add(3, "2026-11-27 09:00", "waiting", answered="2026-11-27 09:10", waiting="2026-11-27 09:10")
    now = moscow("2026-11-27 11:35")
    rows = sla_report.queue(ZONE, now)
    plain = report_text.queue_lines(rows, now, warning_minutes=10)
    text = "\n".join(plain)
    assert "\033[" not in text
    assert text.index("KB-000002") < text.index("KB-000001") < text.index("Waiting on the client") \
        < text.index("KB-000003")
    line1 = next(line for line in plain if line.startswith("KB-000001"))
    assert "BREACHED 1 h 5 min ago (10:30)" in line1
    line2 = next(line for line in plain if line.startswith("KB-000002"))
    assert "in 25 min (12:00)" in line2 and "in 1 h 55 min (13:30)" in line2
    coloured = "\n".join(report_text.queue_lines(rows, now, warning_minutes=10, color=True))
    assert f"{report_text.RED}BREACHED 1 h 5 min ago (10:30)" in coloured


def test_empty_queue_says_so():
    assert report_text.queue_lines([], moscow("2026-11-27 12:00"), warning_minutes=10)[0].startswith(
        "the queue is empty")


def test_stats_text_lists_figures_and_breaches(db):
    _mixed_desk()
    text = "\n".join(report_text.stats_lines(sla_report.stats(SETTINGS.hours, moscow("2026-11-27 12:00"))))
    assert "75.0 %  (6 of 8 in time); 1 still running or paused" in text
    assert "33.3 %  (1 of 3 in time)" in text
    assert "KB-000003  normal   first reaction  due 2026-11-27 11:30  30 min late, still new" in text


def test_chart_is_svg_with_a_bar_per_day_and_a_broken_line_where_nothing_was_due():
    daily = [{"date": f"2026-11-{d}", "tickets": t, "first_response_met": 0, "first_response_breached": 0,
              "first_response_percent": p} for d, t, p in ((24, 3, 100.0), (25, 5, 60.0), (26, 0, None),
                                                         (27, 2, 50.0))]
    svg = ET.fromstring(report_svg.daily_chart(daily))
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in svg.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert [b.find(f"{ns}title").text for b in bars] == [
        "2026-11-24: 3 tickets, 100 % in time", "2026-11-25: 5 tickets, 60 % in time", "2026-11-26: 0 tickets",
        "2026-11-27: 2 tickets, 50 % in time"]
    assert [float(b.get("height")) for b in bars][2] == 0 and float(bars[1].get("height")) > float(
        bars[0].get("height"))
    assert [len(p.get("points").split()) for p in svg.iter(f"{ns}polyline")] == [2, 1]


def test_chart_of_nothing_is_still_an_svg():
    svg = ET.fromstring(report_svg.daily_chart([]))
    assert "no tickets" in "".join(svg.itertext())


# --- through the command line -------------------------------------------------------------------------------

def test_cli_queue_and_stats(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text("")
    database = open_database(sqlite_at(tmp_path / "mailproc.db"))  # where an empty config puts it
    now = dt.datetime.now(dt.timezone.utc)
    late = add(1, "2026-11-27 10:00", "new")
    late.created_at, late.first_response_due = now - 90 * MIN, now - 60 * MIN
    late.save()
    fresh = add(2, "2026-11-27 10:00", "new", "critical", resolution="2026-11-27 12:00")
    fresh.created_at, fresh.first_response_due, fresh.resolution_due = now, now + 30 * MIN, now + 120 * MIN
    fresh.save()
    database.close()

    rows = mailproc_cli(config, "queue", "--json", json=True)
    assert [r["tag"] for r in rows] == ["KB-000002", "KB-000001"]
    assert rows[1]["breached"] == ["first_response"] and rows[1]["first_response_left_minutes"] in (-61, -60)
    assert 28 <= rows[0]["first_response_left_minutes"] <= 29 and rows[0]["resolution_left_minutes"] >= 118

    text = mailproc_cli(config, "queue", env={"NO_COLOR": ""}).stdout
    assert "BREACHED 1 h" in text and "\033[" not in text  # not a terminal: no colours

    data = mailproc_cli(config, "stats", "--json", "--chart", tmp_path / "chart.svg", json=True)
    assert data["first_response"]["breached"] == 1 and data["first_response"]["pending"] == 1
    assert ET.parse(tmp_path / "chart.svg").getroot().tag.endswith("svg")

    bad = mailproc_cli(config, "stats", "--since", "2026-13-01", check=False)
    assert bad.returncode == 2 and "--since" in bad.stderr and "YYYY-MM-DD" in bad.stderr and bad.stdout == ""


@pytest.mark.parametrize("no_color,coloured", [(None, True), ("1", False)], ids=["terminal", "NO_COLOR set"])
def test_cli_colours_only_on_a_terminal_without_no_color(tmp_path, mailproc_cli, no_color, coloured):
    import os
    import pty
    import subprocess

    config = tmp_path / "config.toml"
    config.write_text("")
    database = open_database(sqlite_at(tmp_path / "mailproc.db"))
    overdue = add(1, "2026-11-27 10:00", "new")
    overdue.first_response_due = dt.datetime.now(dt.timezone.utc) - 60 * MIN
    overdue.save()
    database.close()
    env = mailproc_cli._env(None)
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = no_color
    controller, terminal = pty.openpty()
    with subprocess.Popen(mailproc_cli.command(config, "queue"), env=env, stdout=terminal,
                          stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL) as proc:
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the terminal's other end closed
                break
            if not chunk:
                break
            output += chunk
    os.close(controller)
    assert proc.returncode == 0 and b"BREACHED" in output
    assert (report_text.RED.encode() in output) is coloured


def test_automated_tickets_come_last_apart_from_the_work():
    from mailproc.store import sla_report

    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
    automated = sla_report.queue_key("new", "normal", now - dt.timedelta(hours=5), 1, ["automated"])
    waiting = sla_report.queue_key("waiting", "normal", now, 2, [])
    work = sla_report.queue_key("new", "normal", now, 3, [])
    assert sorted([automated, waiting, work]) == [work, waiting, automated]
    assert sla_report.section("new", ["automated"]) == sla_report.AUTOMATED


def test_a_ticket_with_development_shows_its_resolution_clock_paused(db):
    add(5, "2026-11-27 09:00", "development", "critical", answered="2026-11-27 09:10",
        resolution="2026-11-27 13:00", waiting="2026-11-27 10:00")
    now = moscow("2026-11-27 11:35")
    [line] = [line for line in report_text.queue_lines(sla_report.queue(ZONE, now), now, warning_minutes=10)
              if line.startswith("KB-000005")]
    assert "paused, 3 h left (13:00)" in line
