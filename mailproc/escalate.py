"""Deadline escalations (edge: database, clock): agents are mailed when a §2.3/§2.4 deadline
is near and again when it passes — each once, never repeatedly, also when several workers check
at the same time (the ticket's row is claimed, store/claims.py). Runs in every poll cycle."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from mailproc import lifecycle
from mailproc.desk import Desk
from mailproc.outbound import to_agents
from mailproc.store import claims, record
from mailproc.store.queries import state_of
from mailproc.store.models import Ticket, database
from mailproc.views import TicketFacts

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class EscalationReport:
    sent: int = 0


def escalate(desk: Desk) -> EscalationReport:
    settings, now = desk.settings, desk.clock()
    warning = dt.timedelta(minutes=settings.sla.warning_minutes)

    def due(ticket: Ticket | None) -> list[tuple[str, str, dt.datetime]]:
        return lifecycle.escalations_due(state_of(ticket), now=now, warning=warning) if ticket else []

    report = EscalationReport()
    # read in full before writing: a transaction begun while the read is open fails once the
    # sender process has written since (SQLite's snapshot rule), whatever the busy timeout
    for candidate in list(Ticket.select().where(desk.tickets, Ticket.escalation_due <= now + warning)):
        if not due(candidate):
            _correct_escalation_due(candidate, lifecycle.next_escalation(state_of(candidate)))
            continue
        with database.atomic():
            ticket = claims.ticket_row(candidate.id, skip_locked=True)  # None: another worker is at it
            due_now = due(ticket)  # read again: another worker may have escalated it meanwhile
            if ticket is None or not due_now:
                continue
            facts = record.facts_of(ticket)
            for deadline, stage, when in due_now:
                record.queue_outbound(ticket.id, _escalation_mail(desk, facts, deadline, stage, when, now), now)
                log.warning("ticket=%s %s deadline %s (%s)", ticket.tag, deadline, stage, when.isoformat())
            record.apply_events(ticket, [lifecycle.Escalated(d, s) for d, s, _ in due_now], now)
            ticket.save()
        report.sent += len(due_now)
    return report


def _correct_escalation_due(ticket: Ticket, due: dt.datetime | None) -> None:
    """Past its warning, a ticket is read in each cycle until its breach; a value the schema
    upgrade filled in too early (the breach already escalated) is put right once."""
    if due != ticket.escalation_due:
        Ticket.update(escalation_due=due).where(Ticket.id == ticket.id).execute()


def _escalation_mail(desk: Desk, ticket: TicketFacts, deadline: str, stage: str, due: dt.datetime, now: dt.datetime):
    return to_agents(
        desk,
        ticket,
        "escalation.txt.j2",
        {
            "deadline": deadline,
            "stage": stage,
            "due": due.astimezone(desk.settings.hours.timezone),
            "minutes": round(abs((due - now).total_seconds()) / 60),
            "subject": ticket.subject,
            "client": ticket.client,
            "priority": ticket.priority,
            "status": ticket.status,
        },
        now,
    )
