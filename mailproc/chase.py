"""Waiting on the client (edge: database, clock): a ticket that waited long gets one reminder to
the client, and later is closed with a notice citing §4.7 (data not provided). The days are
`[sla] waiting_reminder_days` and `waiting_close_days`; the decision is lifecycle.chase_due.
Runs in every poll cycle, after the escalations."""
from __future__ import annotations

import logging

from mailproc import lifecycle, outbound, render
from mailproc.actions import ReplyBlock
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

    def due(ticket: Ticket | None) -> str | None:
        if ticket is None:
            return None
        return lifecycle.chase_due(state_of(ticket), already=list(ticket.escalations), hours=settings.hours,
                                   reminder_days=settings.sla.waiting_reminder_days,
                                   close_days=settings.sla.waiting_close_days, now=now)

    sent = 0
    for candidate in Ticket.select().where(Ticket.status == Status.WAITING, Ticket.waiting_since.is_null(False)):
        if due(candidate) is None:
            continue
        with database.atomic():
            ticket = claims.ticket_row(candidate.id, skip_locked=True)  # None: another worker is at it
            action = due(ticket)  # read again: another worker may have sent it meanwhile
            if ticket is None or action is None:
                continue
            state = state_of(ticket)
            if action == lifecycle.REMIND:
                ticket.escalations = sorted({*ticket.escalations, lifecycle.reminder_mark(state)})
                block = ReplyBlock("waiting_reminder", data={"days": settings.sla.waiting_close_days})
            else:
                record.apply_events(ticket, [lifecycle.MoveTo(Status.CLOSED)], now)
                block = ReplyBlock("closed_unanswered", data={"reopen_days": settings.support.reopen_days})
            ticket.updated_at = now
            ticket.save()
            outbound.queue(desk, ticket, [render.render_auto_reply(desk.settings, desk.secrets.token_secret,
                                                                    _notice(ticket, block), now)], now)
        log.info("ticket=%s waited on the client since %s: %s", ticket.tag, state.paused_since, action)
        sent += 1
    return sent


def _notice(ticket: Ticket, block: ReplyBlock) -> render.ReplyRequest:
    return render.ReplyRequest(tag=ticket.tag, subject=ticket.subject, language=ticket.language, blocks=(block,),
                               first_response_due=ticket.first_response_due, resolution_due=ticket.resolution_due,
                               recipient=ticket.client, threading=render.Thread.under(*record.client_thread(ticket)))
