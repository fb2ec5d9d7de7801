"""Deadline escalations (edge: database, clock): agents are mailed when a §2.3/§2.4 deadline
is near and again when it passes — each once, never repeatedly. Runs in every poll cycle."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from mailproc import lifecycle
from mailproc.desk import Desk
from mailproc.outbound import to_agents
from mailproc.store import record
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
    report = EscalationReport()
    candidates = Ticket.select().where(
        desk.tickets,
        Ticket.status.in_(sorted(lifecycle.CLOCK_RUNS)),
        Ticket.first_response_due.is_null(False) | Ticket.resolution_due.is_null(False),
    )
    for ticket in candidates:
        due_now = lifecycle.escalations_due(state_of(ticket), now=now, warning=warning)
        if due_now:
            facts = record.facts_of(ticket)
            with database.atomic():
                for deadline, stage, due in due_now:
                    record.queue_outbound(ticket.id, _escalation_mail(desk, facts, deadline, stage, due, now), now)
                    log.warning("ticket=%s %s deadline %s (%s)", ticket.tag, deadline, stage, due.isoformat())
                record.apply_events(ticket, [lifecycle.Escalated(d, s) for d, s, _ in due_now], now)
                ticket.save()
            report.sent += len(due_now)
    return report


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
