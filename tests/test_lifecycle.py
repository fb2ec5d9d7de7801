"""The ticket's lifecycle (§2.3, §2.4, §4.7), table-driven in the regulation's words."""

import dataclasses
import datetime as dt
import pathlib

import pytest

from mailproc import lifecycle, workhours
from mailproc.actions import ReplyBlock
from mailproc.errors import DeskError
from mailproc.lifecycle import (
    Answered,
    ClockPaused,
    ClockResumed,
    DeadlineSet,
    Escalated,
    FirstResponse,
    Marked,
    MoveTo,
    Reminded,
    Reprioritise,
    StatusChanged,
    TicketState,
)
from mailproc.reply_blocks import ORDER, arrange
from mailproc.vocab import Status
from tests.pure import default_settings, moscow

H = dt.timedelta(hours=1)
AT = moscow("2026-11-27 12:00")
CRITICAL_OPEN = TicketState("open", "critical", resolution_due=moscow("2026-11-27 14:00"))
WAITING_2H = TicketState(
    "waiting", "critical", resolution_due=moscow("2026-11-27 14:00"), paused_since=moscow("2026-11-27 10:00")
)

STEPS = [
    (
        "waiting on the client 2 h shifts the critical term by 2 h (§2.4)",
        WAITING_2H,
        MoveTo("open"),
        dict(status="open", resolution_due=moscow("2026-11-27 16:00"), paused_since=None),
        (StatusChanged("waiting", "open"), ClockResumed(2 * H)),
    ),
    (
        "an answer to the client pauses the clock from that instant",
        CRITICAL_OPEN,
        MoveTo("waiting"),
        dict(status="waiting", paused_since=AT, resolution_due=moscow("2026-11-27 14:00")),
        (StatusChanged("open", "waiting"), ClockPaused(AT)),
    ),
    (
        "closing a waiting ticket counts the wait too and records the close",
        WAITING_2H,
        MoveTo("closed"),
        dict(status="closed", closed_at=AT, resolution_due=moscow("2026-11-27 16:00"), paused_since=None),
        (StatusChanged("waiting", "closed"), ClockResumed(2 * H)),
    ),
    (
        "a normal ticket has no term to shift: only the pause ends",
        TicketState("waiting", paused_since=moscow("2026-11-27 10:00")),
        MoveTo("open"),
        dict(status="open", paused_since=None, resolution_due=None),
        (StatusChanged("waiting", "open"),),
    ),
    (
        "a closed ticket reopened is no longer closed",
        TicketState("closed", closed_at=moscow("2026-11-26 12:00")),
        MoveTo("open"),
        dict(status="open", closed_at=None),
        (StatusChanged("closed", "open"),),
    ),
    (
        "a suspension (§4.7) pauses the clock like a wait",
        CRITICAL_OPEN,
        MoveTo("suspended"),
        dict(status="suspended", paused_since=AT),
        (StatusChanged("open", "suspended"), ClockPaused(AT)),
    ),
    (
        "#resume after 2 h of suspension shifts the critical term by 2 h",
        TicketState(
            "suspended", "critical", resolution_due=moscow("2026-11-27 14:00"), paused_since=moscow("2026-11-27 10:00")
        ),
        MoveTo("open"),
        dict(status="open", resolution_due=moscow("2026-11-27 16:00"), paused_since=None),
        (StatusChanged("suspended", "open"), ClockResumed(2 * H)),
    ),
    (
        "handed to development (§2.2): the resolution clock stops",
        CRITICAL_OPEN,
        MoveTo("development"),
        dict(status="development", paused_since=AT),
        (StatusChanged("open", "development"), ClockPaused(AT)),
    ),
    (
        "#dev done after 2 h: the critical term moves by 2 h",
        dataclasses.replace(WAITING_2H, status="development"),
        MoveTo("open"),
        dict(status="open", resolution_due=moscow("2026-11-27 16:00"), paused_since=None),
        (StatusChanged("development", "open"), ClockResumed(2 * H)),
    ),
    (
        "answered while suspended: still paused, from the first instant",
        TicketState("suspended", paused_since=moscow("2026-11-27 10:00")),
        MoveTo("waiting"),
        dict(status="waiting"),
        (StatusChanged("suspended", "waiting"),),
    ),
    ("the same status again changes nothing", CRITICAL_OPEN, MoveTo("open"), {}, ()),
    (
        "becoming critical sets the §2.4 term",
        TicketState("open"),
        Reprioritise("critical", moscow("2026-11-27 14:00")),
        dict(priority="critical", resolution_due=moscow("2026-11-27 14:00")),
        (DeadlineSet("resolution", moscow("2026-11-27 14:00")),),
    ),
    (
        "back to normal drops the term",
        CRITICAL_OPEN,
        Reprioritise("normal", None),
        dict(priority="normal", resolution_due=None),
        (DeadlineSet("resolution", None),),
    ),
    (
        "the first agent answer stops the first-reaction clock (§2.3)",
        TicketState("open"),
        Answered(),
        dict(first_response_at=AT),
        (FirstResponse(AT),),
    ),
    (
        "a later answer does not move it",
        TicketState("waiting", first_response_at=moscow("2026-11-27 11:00")),
        Answered(),
        {},
        (),
    ),
    (
        "the agents told a deadline is near: marked, so they are told once",
        CRITICAL_OPEN,
        Escalated("resolution", "warning"),
        dict(marks=("resolution:warning",)),
        (Marked("resolution:warning"),),
    ),
    (
        "told again: nothing changes",
        dataclasses.replace(CRITICAL_OPEN, marks=("resolution:warning",)),
        Escalated("resolution", "warning"),
        {},
        (),
    ),
    (
        "the client waited on is reminded once per wait",
        WAITING_2H,
        Reminded(),
        dict(marks=("waiting_reminder:2026-11-27T10:00:00+03:00",)),
        (Marked("waiting_reminder:2026-11-27T10:00:00+03:00"),),
    ),
]


@pytest.mark.parametrize("state,event,changed,effects", [c[1:] for c in STEPS], ids=[c[0] for c in STEPS])
def test_step(state, event, changed, effects):
    new, done = lifecycle.step(state, event, AT)
    assert new == TicketState(**{**{f: getattr(state, f) for f in TicketState.__slots__}, **changed})
    assert done == effects


def test_a_refused_client_s_ticket_is_born_closed():
    state = lifecycle.opened("closed", "normal", first_response_due=AT, resolution_due=None, now=AT)
    assert (state.status, state.closed_at) == ("closed", AT)


def test_every_status_has_a_rank_so_no_mail_can_trip_on_a_new_one():
    assert set(lifecycle.STATUS_RANK) == set(Status)
    assert lifecycle.strongest_status(list(Status)) == Status.CLOSED


@pytest.mark.parametrize(
    "status,after", [("waiting", "open"), ("closed", "open"), ("open", None), ("new", None), ("suspended", None)]
)
def test_a_client_mail_reopens_a_waiting_or_closed_ticket(status, after):
    assert lifecycle.after_client_mail(status) == after


def test_every_block_template_has_its_place_in_the_reply_order():
    shipped = {p.name.removesuffix(".txt.j2") for p in pathlib.Path("templates").glob("*/blocks/*.txt.j2")}
    assert shipped == {name for name, _ in ORDER}


ARRANGED = [
    (
        "inactive licence and abuse: the refusal alone (one reply, one verdict)",
        ["suspension", "ack", "refusal"],
        ["refusal"],
    ),
    ("abuse: the suspension notice alone", ["ack", "faq", "suspension"], ["suspension"]),
    (
        "the acknowledgement first, the FAQ after what is missing",
        ["faq", "missing", "ack", "critical"],
        ["ack", "critical", "missing", "faq"],
    ),
]


@pytest.mark.parametrize("asked,reply", [c[1:] for c in ARRANGED], ids=[c[0] for c in ARRANGED])
def test_reply_order(asked, reply):
    assert [b.name for b in arrange([ReplyBlock(n) for n in asked])] == reply


def test_a_block_without_a_place_is_the_desk_s_error():
    with pytest.raises(DeskError, match="reply_blocks.ORDER"):
        arrange([ReplyBlock("unheard_of")])


WAIT_START = moscow("2026-11-20 12:00")  # every day is a working day in the default hours
WAITING = TicketState("waiting", paused_since=WAIT_START)
REMINDED = [lifecycle.reminder_mark(WAITING)]
CHASE = [
    ("waiting 2 working days of 3: nothing yet", WAITING, [], 3, 4, "2026-11-22 12:00", None),
    ("waiting 3 working days: one reminder", WAITING, [], 3, 4, "2026-11-23 12:00", "waiting_reminder"),
    ("reminded, 3 more days of 4: nothing", WAITING, REMINDED, 3, 4, "2026-11-26 12:00", None),
    (
        "reminded, 4 more working days: closed (§4.7, data not provided)",
        WAITING,
        REMINDED,
        3,
        4,
        "2026-11-27 12:00",
        "closed_unanswered",
    ),
    ("closing off (0): reminded and left waiting", WAITING, REMINDED, 3, 0, "2026-12-27 12:00", None),
    ("reminders off (0): nothing ever", WAITING, [], 0, 4, "2026-12-27 12:00", None),
    ("a ticket not waiting on the client is never chased", TicketState("open"), [], 3, 4, "2026-12-27 12:00", None),
    (
        "a new wait needs its own reminder",
        dataclasses.replace(WAITING, paused_since=moscow("2026-11-24 12:00")),
        REMINDED,
        3,
        4,
        "2026-11-27 12:00",
        "waiting_reminder",
    ),
]


@pytest.mark.parametrize("state,already,remind,close,now,due", [c[1:] for c in CHASE], ids=[c[0] for c in CHASE])
def test_waiting_on_the_client(state, already, remind, close, now, due):
    found = lifecycle.chase_due(
        dataclasses.replace(state, marks=tuple(already)),
        hours=default_settings().hours,
        reminder_days=remind,
        close_days=close,
        reopen_days=30,
        now=moscow(now),
    )
    assert (found.notice.name if found else None) == due


def test_working_days_skip_closed_days():
    hours = dataclasses.replace(default_settings().hours, closed_dates=frozenset({dt.date(2026, 11, 21)}))
    assert workhours.add_working_days(hours, WAIT_START, 3) == moscow("2026-11-24 12:00")
