"""The work queue and the SLA statistics (edge: database reads; the arithmetic is pure and takes `now`).

How a deadline's clock is read (§2.3 first reaction, §2.4 critical resolution) is the lifecycle's
(mailproc/lifecycle.py); here the clocks of many tickets are counted.

Tickets labelled `automated` count in the volumes and nowhere else.
"""
from __future__ import annotations

import collections
import datetime as dt
import math

import peewee

from mailproc import lifecycle, workhours
from mailproc.config import Hours
from mailproc.lifecycle import BREACHED, FIRST_RESPONSE, MET, PAUSED, RESOLUTION, RUNNING, Clock
from mailproc.store import queries
from mailproc.store.models import Message, Ticket
from mailproc.vocab import Kind, Label, Priority, Status

WORK, WAITING, DEVELOPMENT, SUSPENDED, AUTOMATED = "work", "waiting", "development", "suspended", "automated"
SECTIONS = (WORK, WAITING, DEVELOPMENT, SUSPENDED, AUTOMATED)  # the queue's sections, in order
_SECTION = {Status.WAITING: WAITING, Status.DEVELOPMENT: DEVELOPMENT, Status.SUSPENDED: SUSPENDED}


def clocks(ticket: Ticket, now: dt.datetime) -> dict[str, Clock]:
    return lifecycle.clocks(queries.state_of(ticket), now)


def minutes(span: dt.timedelta | None) -> int | None:
    """Whole minutes, rounded down: negative exactly when the span is."""
    return None if span is None else math.floor(span.total_seconds() / 60)


def late_minutes(span: dt.timedelta) -> int:
    """How late, rounded up: a breach is never "0 minutes" late."""
    return math.ceil(span.total_seconds() / 60)


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1), interpolating linearly between the closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def section(status: str, labels=()) -> str:
    """Machine mail (§6) needs no answer: it is listed last, apart from the agents' work."""
    return AUTOMATED if Label.AUTOMATED in labels else _SECTION.get(status, WORK)


def queue_key(status: str, priority: str, created_at: dt.datetime, ticket_id: int, labels=()) -> tuple:
    """§2.1: in order of arrival, critical problems out of turn; waiting, development, suspended and automated after."""
    return (SECTIONS.index(section(status, labels)), priority != Priority.CRITICAL,
            created_at, ticket_id)


def queue(zone, now: dt.datetime, of_mailbox: peewee.Expression | None = None) -> list[dict]:
    """Every ticket not closed (of one mailbox, given its condition), in queue order: `tickets --json`
    fields plus assignee, first reaction time, minutes left to each deadline (negative: breached;
    null: no running or paused clock) and the deadlines breached."""
    query = Ticket.select().where(Ticket.status != Status.CLOSED)
    tickets = sorted(query if of_mailbox is None else query.where(of_mailbox),
                     key=lambda t: queue_key(t.status, t.priority, t.created_at, t.id, t.labels))
    rows = []
    for ticket in tickets:
        state = clocks(ticket, now)
        row = queries.ticket_json(ticket, zone)
        row.update(
            assignee=ticket.assignee,
            first_response_at=queries.iso(ticket.first_response_at, zone),
            first_response_left_minutes=minutes(state[FIRST_RESPONSE].left),
            resolution_left_minutes=minutes(state[RESOLUTION].left),
            breached=[name for name, c in state.items() if c.outcome == BREACHED])
        rows.append(row)
    return rows


def stats(hours: Hours, now: dt.datetime, since: dt.date | None = None) -> dict:
    """Volumes, compliance, first-reaction times and breaches of the tickets that arrived on or after
    `since` (a local date in the hours' zone). Keys are described in the README ("Statistics")."""
    zone = hours.timezone
    query = Ticket.select().order_by(Ticket.created_at, Ticket.id)
    if since:
        query = query.where(Ticket.created_at >= dt.datetime.combine(since, dt.time(), zone))
    tickets = list(query)
    by_label = collections.Counter(label for t in tickets for label in t.labels)
    counted = {name: collections.Counter() for name in (FIRST_RESPONSE, RESOLUTION)}
    reaction_minutes, breaches = [], []
    agent_reactions: dict[str | None, list[float]] = collections.defaultdict(list)
    agent_breaches: collections.Counter = collections.Counter()
    first_agent = _first_agents([t.id for t in tickets])
    daily = {}
    for ticket in tickets:
        day = daily.setdefault(ticket.created_at.astimezone(zone).date(), collections.Counter())
        day["tickets"] += 1
        if Label.AUTOMATED in ticket.labels:
            continue
        for name, clock in clocks(ticket, now).items():
            counted[name][clock.outcome] += 1
            if name == FIRST_RESPONSE:
                day[clock.outcome] += 1
            if clock.outcome == BREACHED:
                breaches.append(_breach(ticket, name, clock, zone))
                agent_breaches[first_agent.get(ticket.id, ticket.assignee)] += 1
        if ticket.first_response_at:
            minutes = workhours.working_minutes_between(hours, ticket.created_at, ticket.first_response_at)
            reaction_minutes.append(minutes)
            agent_reactions[first_agent.get(ticket.id, ticket.assignee)].append(minutes)
    first = _compliance(counted[FIRST_RESPONSE])
    first.update(answered=len(reaction_minutes), median_working_minutes=_round(percentile(reaction_minutes, 0.5)),
                 p90_working_minutes=_round(percentile(reaction_minutes, 0.9)))
    return {
        "since": since and since.isoformat(), "now": now.astimezone(zone).isoformat(timespec="seconds"),
        "timezone": zone.key,
        "tickets": len(tickets),
        "automated": sum(Label.AUTOMATED in t.labels for t in tickets),
        "by_priority": _count((t.priority for t in tickets), list(Priority)),
        "by_status": _count((t.status for t in tickets), list(Status)),
        "by_label": dict(sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_mailbox": _count((t.tag.rpartition("-")[0] for t in tickets), []),  # by the tag prefix of its mailbox
        "first_response": first,
        "resolution": _compliance(counted[RESOLUTION]),
        "breaches": sorted(breaches, key=lambda b: (b["due"], b["tag"], b["deadline"])),
        "by_agent": _by_agent(agent_reactions, agent_breaches, _answers([t.id for t in tickets])),
        "daily": _daily(daily, since),
    }


def _first_agents(ticket_ids: list[int]) -> dict[int, str]:
    """ticket id -> the agent whose answer was its first one."""
    rows = (Message.select(Message.ticket, Message.from_addr).where(Message.ticket.in_(ticket_ids),
                                                                    Message.kind == Kind.AGENT)
            .order_by(Message.date.desc(), Message.id.desc()).tuples())
    return dict(rows.iterator())  # the latest first: the earliest one is written last


def _answers(ticket_ids: list[int]) -> collections.Counter:
    return collections.Counter(dict(
        Message.select(Message.from_addr, peewee.fn.COUNT(Message.id))
        .where(Message.ticket.in_(ticket_ids), Message.kind == Kind.AGENT).group_by(Message.from_addr).tuples()))


def _by_agent(reactions: dict[str | None, list[float]], breaches: collections.Counter,
              answers: collections.Counter) -> list[dict]:
    """Per agent: mails answered, first reactions given and their median (working minutes), deadlines
    breached on the tickets they reacted to first or, not answered yet, were assigned; `agent` null: nobody's."""
    agents = sorted({*reactions, *breaches, *answers}, key=lambda a: (a is None, a or ""))
    return [{"agent": agent, "answers": answers[agent], "first_reactions": len(reactions.get(agent, [])),
             "median_first_reaction_working_minutes": _round(percentile(reactions.get(agent, []), 0.5)),
             "breaches": breaches[agent]} for agent in agents]


def _breach(ticket: Ticket, deadline: str, clock: Clock, zone) -> dict:
    first = deadline == FIRST_RESPONSE
    due, done_at = ((ticket.first_response_due, ticket.first_response_at) if first
                    else (ticket.resolution_due, ticket.closed_at))
    return {"tag": ticket.tag, "priority": ticket.priority, "status": ticket.status, "deadline": deadline,
            "due": queries.iso(due, zone), "done_at": queries.iso(done_at, zone),
            "late_minutes": late_minutes(clock.late)}


def _count(values, known: list[str]) -> dict[str, int]:
    found = collections.Counter(values)
    return {**{k: found[k] for k in known}, **{k: n for k, n in sorted(found.items()) if k not in known}}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(met: int, breached: int) -> float | None:
    return round(100 * met / (met + breached), 1) if met + breached else None


def _compliance(outcomes: collections.Counter) -> dict:
    met, breached = outcomes[MET], outcomes[BREACHED]
    return {"met": met, "breached": breached, "pending": outcomes[RUNNING] + outcomes[PAUSED],
            "percent": _percent(met, breached)}


def _daily(days: dict[dt.date, collections.Counter], since: dt.date | None) -> list[dict]:
    """One entry per local day, from `since` (else the first arrival) to the last arrival; gaps filled."""
    if not days:
        return []
    first = since or min(days)
    rows = []
    for offset in range((max(days) - first).days + 1):
        day = first + dt.timedelta(days=offset)
        c = days.get(day, collections.Counter())
        rows.append({"date": day.isoformat(), "tickets": c["tickets"], "first_response_met": c[MET],
                     "first_response_breached": c[BREACHED], "first_response_percent": _percent(c[MET], c[BREACHED])})
    return rows
