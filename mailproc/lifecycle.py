"""A ticket's life: its states and its SLA clocks (§2.3, §2.4, §4.7). Pure.

Everything that changes a ticket's status or moves its deadlines is a step here:
(ticket state, event, instant) -> (new state, effects). The store writes the new state
and nothing else; the effects say, as values, what happened (for the log and the tests).

How a deadline's clock is read:

* it runs while the ticket is new or open;
* it stops for good at its event: the first relayed agent answer (`first_response_at`), the close
  (`closed_at`); met when the event came at or before the due time;
* it pauses while the ticket waits on the client: the time left is frozen at `paused_since`, and
  when the ticket comes back the due time moves by the pause (§2.4);
* a suspended ticket (§4.7) is paused alike, but shows no clock: it is not the desk's to meet;
* a ticket closed without an agent answer has no first reaction: a breach when it was closed after
  the due time, else left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from mailproc import workhours
from mailproc.actions import ReplyBlock
from mailproc.config import Hours
from mailproc.vocab import Priority, Status

# When rules disagree, the stronger word wins. Every status has its rank: a status missing
# here is an error at import, never a crash on a mail.
STATUS_RANK = (Status.NEW, Status.OPEN, Status.WAITING, Status.DEVELOPMENT, Status.SUSPENDED, Status.CLOSED)
PRIORITY_RANK = (Priority.NORMAL, Priority.CRITICAL)

CLOCK_RUNS = frozenset({Status.NEW, Status.OPEN})
# §2.4: waiting on the client does not count against support; nor does development's time (§2.2)
# or a suspension (§4.7).
CLOCK_PAUSED = frozenset({Status.WAITING, Status.DEVELOPMENT, Status.SUSPENDED})
REOPENED_BY_CLIENT = frozenset({Status.WAITING, Status.CLOSED})  # a client's reply brings these back
if set(STATUS_RANK) != set(Status) or set(PRIORITY_RANK) != set(Priority):
    raise AssertionError("lifecycle: every status and priority needs its rank")
if {*CLOCK_RUNS, *CLOCK_PAUSED, Status.CLOSED} != set(Status) or CLOCK_RUNS & CLOCK_PAUSED:
    raise AssertionError("lifecycle: every status but closed runs the SLA clock or pauses it")

FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
WARNING, BREACHED = "warning", "breached"
MET, RUNNING, PAUSED = "met", "running", "paused"  # with BREACHED: where a deadline's clock stands


@dataclasses.dataclass(frozen=True, slots=True)
class TicketState:
    status: str
    priority: str = Priority.NORMAL
    first_response_due: dt.datetime | None = None
    first_response_at: dt.datetime | None = None
    resolution_due: dt.datetime | None = None
    paused_since: dt.datetime | None = None  # the SLA clock is paused since then
    closed_at: dt.datetime | None = None
    marks: tuple[str, ...] = ()  # escalations and reminders already sent, e.g. "first_response:breached"


# Events: what happens to a ticket.
@dataclasses.dataclass(frozen=True, slots=True)
class MoveTo:
    status: str


@dataclasses.dataclass(frozen=True, slots=True)
class Reprioritise:
    priority: str
    resolution_due: dt.datetime | None  # the §2.4 term of the new priority, counted from now


@dataclasses.dataclass(frozen=True, slots=True)
class Answered:
    """An agent's answer reached the client: the first one stops the first-reaction clock."""


@dataclasses.dataclass(frozen=True, slots=True)
class Escalated:
    """The agents were told that a deadline is near (WARNING) or past (BREACHED): each stage once."""

    deadline: str
    stage: str


@dataclasses.dataclass(frozen=True, slots=True)
class Reminded:
    """The client, waited on, got this wait's one reminder."""


Event = MoveTo | Reprioritise | Answered | Escalated | Reminded


# Effects: what a step did.
@dataclasses.dataclass(frozen=True, slots=True)
class StatusChanged:
    old: str
    new: str


@dataclasses.dataclass(frozen=True, slots=True)
class ClockPaused:
    at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class ClockResumed:
    paused_for: dt.timedelta  # the resolution term moved by this much


@dataclasses.dataclass(frozen=True, slots=True)
class DeadlineSet:
    deadline: str  # FIRST_RESPONSE | RESOLUTION
    due: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class FirstResponse:
    at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Marked:
    mark: str  # see TicketState.marks


Effect = StatusChanged | ClockPaused | ClockResumed | DeadlineSet | FirstResponse | Marked


def opened(
    status: str,
    priority: str,
    *,
    first_response_due: dt.datetime | None,
    resolution_due: dt.datetime | None,
    now: dt.datetime,
) -> TicketState:
    """A new ticket's state (a refused client's ticket is born closed)."""
    new = TicketState(Status.NEW, priority, first_response_due, None, resolution_due)
    return step(new, MoveTo(status), now)[0]


def step(state: TicketState, event: Event, now: dt.datetime) -> tuple[TicketState, tuple[Effect, ...]]:
    match event:
        case MoveTo(status) if status != state.status:
            return _move(state, status, now)
        case Reprioritise(priority, due) if priority != state.priority:
            return (dataclasses.replace(state, priority=priority, resolution_due=due), (DeadlineSet(RESOLUTION, due),))
        case Answered() if state.first_response_at is None:
            return dataclasses.replace(state, first_response_at=now), (FirstResponse(now),)
        case Escalated(deadline, stage):
            return _marked(state, f"{deadline}:{stage}")
        case Reminded():
            return _marked(state, reminder_mark(state))
    return state, ()


def _marked(state: TicketState, mark: str) -> tuple[TicketState, tuple[Effect, ...]]:
    if mark in state.marks:
        return state, ()
    return dataclasses.replace(state, marks=tuple(sorted({*state.marks, mark}))), (Marked(mark),)


def _move(state: TicketState, status: str, now: dt.datetime) -> tuple[TicketState, tuple[Effect, ...]]:
    effects: list[Effect] = [StatusChanged(state.status, status)]
    due, paused_since = state.resolution_due, state.paused_since
    if state.status in CLOCK_PAUSED and status not in CLOCK_PAUSED:
        paused_for = max(now - paused_since, dt.timedelta()) if paused_since else dt.timedelta()
        if due:
            due += paused_for
            effects.append(ClockResumed(paused_for))
        paused_since = None
    if status in CLOCK_PAUSED and state.status not in CLOCK_PAUSED:
        paused_since = now
        effects.append(ClockPaused(now))
    new = dataclasses.replace(
        state,
        status=status,
        resolution_due=due,
        paused_since=paused_since,
        closed_at=now if status == Status.CLOSED else None,
    )
    return new, tuple(effects)


def strongest_status(statuses: list[str]) -> str | None:
    return max(statuses, key=STATUS_RANK.index) if statuses else None


def strongest_priority(priorities: list[str]) -> str | None:
    return max(priorities, key=PRIORITY_RANK.index) if priorities else None


def after_client_mail(status: str) -> str | None:
    """A client's mail on a ticket waiting on them or closed opens it again; else no change."""
    return Status.OPEN if status in REOPENED_BY_CLIENT else None


def reminder_mark(state: TicketState) -> str:
    """The escalations entry saying this wait's reminder went out (a new wait needs a new one)."""
    return f"waiting_reminder:{state.paused_since.isoformat() if state.paused_since else ''}"


@dataclasses.dataclass(frozen=True, slots=True)
class Chase:
    """A step of waiting on the client, and the notice that tells the client of it."""

    event: Event
    notice: ReplyBlock


def chase_due(
    state: TicketState, *, hours: Hours, reminder_days: int, close_days: int, reopen_days: int, now: dt.datetime
) -> Chase | None:
    """What a ticket waiting on the client calls for now: one reminder after `reminder_days` working
    days, then, `close_days` working days after that, closing (§4.7: the data was not provided)."""
    if state.status != Status.WAITING or state.paused_since is None or not reminder_days:
        return None
    remind_at = workhours.add_working_days(hours, state.paused_since, reminder_days)
    if now < remind_at:
        return None
    if reminder_mark(state) not in state.marks:
        return Chase(Reminded(), ReplyBlock("waiting_reminder", data={"days": close_days}))
    if close_days and now >= workhours.add_working_days(hours, remind_at, close_days):
        return Chase(MoveTo(Status.CLOSED), ReplyBlock("closed_unanswered", data={"reopen_days": reopen_days}))
    return None


def escalations_due(
    state: TicketState, *, now: dt.datetime, warning: dt.timedelta
) -> list[tuple[str, str, dt.datetime]]:
    """The escalations to send now, as (deadline, stage, due): each stage of each deadline once.
    A deadline found already passed skips its warning: one mail says it all."""
    if state.status not in CLOCK_RUNS:
        return []
    running = []
    if state.first_response_due and state.first_response_at is None:
        running.append((FIRST_RESPONSE, state.first_response_due))
    if state.resolution_due:
        running.append((RESOLUTION, state.resolution_due))
    due_now = []
    for deadline, due in running:
        stage = BREACHED if now >= due else WARNING if now >= due - warning else None
        if stage and f"{deadline}:{stage}" not in state.marks and f"{deadline}:{BREACHED}" not in state.marks:
            due_now.append((deadline, stage, due))
    return due_now


@dataclasses.dataclass(frozen=True, slots=True)
class Clock:
    outcome: str | None  # met, breached, running, paused; None: no such deadline on this ticket
    left: dt.timedelta | None  # while not settled: time to the due time (negative: overdue)
    late: dt.timedelta | None  # for a breach: how far past the due time (so far, while not settled)


NO_CLOCK = Clock(None, None, None)


def read_clock(
    due: dt.datetime | None,
    done_at: dt.datetime | None,
    *,
    status: str,
    paused_since: dt.datetime | None,
    closed_at: dt.datetime | None,
    now: dt.datetime,
) -> Clock:
    if due is None:
        return NO_CLOCK
    if done_at is not None:
        return Clock(MET, None, None) if done_at <= due else Clock(BREACHED, None, done_at - due)
    if status == Status.CLOSED:
        end = closed_at or now
        return Clock(BREACHED, None, end - due) if end > due else NO_CLOCK
    if status == Status.SUSPENDED:
        return NO_CLOCK
    paused = status in CLOCK_PAUSED
    left = due - (paused_since if paused and paused_since else now)
    if left < dt.timedelta():
        return Clock(BREACHED, left, -left)
    return Clock(PAUSED if paused else RUNNING, left, None)


def clocks(state: TicketState, now: dt.datetime) -> dict[str, Clock]:
    return {
        deadline: read_clock(
            due, done_at, status=state.status, paused_since=state.paused_since, closed_at=state.closed_at, now=now
        )
        for deadline, due, done_at in (
            (FIRST_RESPONSE, state.first_response_due, state.first_response_at),
            (RESOLUTION, state.resolution_due, state.closed_at),
        )
    }
