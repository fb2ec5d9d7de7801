"""Waiting on the client (edge: database, clock): a ticket that waited long gets one reminder to
the client, and later is closed with a notice citing §4.7 (data not provided). The days are
`[sla] waiting_reminder_days` and `waiting_close_days`; the decision is lifecycle.chase_due.
Runs in every poll cycle, after the escalations."""

from __future__ import annotations

import datetime as dt
import logging

from mailproc import lifecycle, outbound, render
from mailproc.desk import Desk
from mailproc.store import claims, record
from mailproc.store.models import Ticket, database
from mailproc.store.queries import state_of
from mailproc.vocab import Status

log = logging.getLogger(__name__)


def chase(desk: Desk) -> int:
    """Reminders and closings sent."""
    settings, now = desk.settings, desk.clock()
    if not settings.sla.waiting_reminder_days:
        return 0

    def due(ticket: Ticket | None) -> lifecycle.Chase | None:
        if ticket is None:
            return None
        return lifecycle.chase_due(
            state_of(ticket),
            hours=settings.hours,
            reminder_days=settings.sla.waiting_reminder_days,
            close_days=settings.sla.waiting_close_days,
            reopen_days=settings.support.reopen_days,
            now=now,
        )

    sent = 0
    # n working days are at least n calendar days, less an hour where the clocks skip one
    waited_enough = now - dt.timedelta(days=settings.sla.waiting_reminder_days, hours=-1)
    candidates = Ticket.select().where(
        desk.tickets, Ticket.status == Status.WAITING, Ticket.waiting_since <= waited_enough
    )
    for candidate in list(candidates):  # in full first, as in escalate.py
        if due(candidate) is None:
            continue
        with database.atomic():
            ticket = claims.ticket_row(candidate.id, skip_locked=True)  # None: another worker is at it
            action = due(ticket)  # read again: another worker may have sent it meanwhile
            if ticket is None or action is None:
                continue
            since = state_of(ticket).paused_since
            record.apply_events(ticket, [action.event], now)
            ticket.updated_at = now
            ticket.save()
            facts = record.facts_of(ticket)
            notice = outbound.notice(facts, (action.notice,), facts.client_thread)
            outbound.queue(
                desk, facts, [render.render_auto_reply(desk.settings, desk.secrets.token_secret, notice, now)], now
            )
        log.info("ticket=%s waited on the client since %s: %s", ticket.tag, since, action.notice.name)
        sent += 1
    return sent
