"""The mails a decision sends, written from the ticket's facts (mailproc.views), not its row.

Relay of an agent's answer, the one automatic reply, notifications to agents, a word
back to an agent, a word to agents when a mail to a client cannot be sent; `to_agents`
also serves the deadline escalations. `queue` puts a ticket's mails in the outbox through
the ticket's circuit breaker.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from mailproc import breaker, render, sla
from mailproc.actions import Reason, ReplyBlock
from mailproc.decide import Decision
from mailproc.desk import Desk
from mailproc.mail import Attachment, OutboundMail
from mailproc.parse.attachments import megabytes
from mailproc.parse.names import greeting_name
from mailproc.rules.context import Context
from mailproc.store import record
from mailproc.store.models import Outbox, database
from mailproc.views import Thread, TicketFacts
from mailproc.vocab import Kind


def mails_for(
    desk: Desk, ctx: Context, decision: Decision, ticket: TicketFacts, now: dt.datetime
) -> list[OutboundMail]:
    """In the order they are sent; each joins the thread of those before it."""
    settings, secret, mail = desk.settings, desk.secrets.token_secret, ctx.mail
    mails: list[OutboundMail] = []
    client_thread, agents_thread = ticket.client_thread, ticket.agents_thread
    if decision.relay:
        relay = render.render_relay(
            settings,
            secret,
            tag=ticket.tag,
            subject=ticket.subject,
            client=ticket.client,
            cc=ticket.cc,
            text=decision.relay,
            threading=client_thread,
            attachments=mail.attachments,
            now=now,
        )
        mails.append(relay)
        client_thread = client_thread.including(relay.message_id)
    if decision.reply_blocks:
        mails.append(
            render.render_auto_reply(settings, secret, _reply_request(ctx, decision, ticket, client_thread), now)
        )
    for event in decision.notify:
        notification = to_agents(
            desk,
            ticket,
            "notification.txt.j2",
            _notification_facts(ctx, ticket, event, decision.reasons),
            now,
            attachments=tuple(a for a in mail.attachments if _forwarded(ctx, a)),
            not_to=mail.from_addr,
            threading=agents_thread,
        )
        mails.append(notification)
        agents_thread = agents_thread.after(notification.message_id)
    if decision.tell_sender:
        mails.append(
            to_agents(
                desk,
                ticket,
                "agent_feedback.txt.j2",
                {"lines": decision.tell_sender, "subject": ticket.subject},
                now,
                only=mail.from_addr,
                threading=agents_thread,
            )
        )
    return mails


def _reply_request(ctx: Context, decision: Decision, ticket: TicketFacts, client_thread: Thread) -> render.ReplyRequest:
    """A client's mail is answered in its own thread; a notice caused by an agent (closing,
    suspension) goes to the ticket's client in the client's thread."""
    mail = ctx.mail
    on_call = bool(sla.on_call(ctx.settings, mail.arrived_at, ticket.resolution_due))
    if ctx.sender_is_agent:
        return notice(ticket, decision.reply_blocks, client_thread, on_call=on_call)
    return render.ReplyRequest(
        tag=ticket.tag,
        subject=mail.subject,
        language=ticket.language,
        blocks=decision.reply_blocks,
        first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due,
        recipient=mail.from_addr,
        client_name=greeting_name(mail.from_name),
        on_call=on_call,
        threading=Thread.answering(mail),
    )


def notice(
    ticket: TicketFacts, blocks: tuple[ReplyBlock, ...], threading: Thread, *, on_call: bool = False
) -> render.ReplyRequest:
    """A reply to the ticket's client that no mail of theirs asked for (a closing, a reminder)."""
    return render.ReplyRequest(
        tag=ticket.tag,
        subject=ticket.subject,
        language=ticket.language,
        blocks=blocks,
        first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due,
        recipient=ticket.client,
        on_call=on_call,
        threading=threading,
    )


def queue(
    desk: Desk, ticket: TicketFacts, mails: Iterable[OutboundMail], now: dt.datetime, *, opened: bool = False
) -> None:
    """Queue a ticket's mails, holding those past `[limits].ticket_mails_per_hour` (see breaker).
    `opened`: the ticket was opened in this transaction, nothing was queued for it before."""
    limit = desk.settings.limits.ticket_mails_per_hour
    # counted on below, not asked again
    going_out, held = (0, 0) if opened else record.outgoing_since(ticket.id, now - breaker.WINDOW)
    queued: list[tuple[OutboundMail, bool]] = []
    for mail in mails:
        verdict = breaker.judge(going_out, held, limit)
        queued.append((mail, verdict.hold))
        held, going_out = held + verdict.hold, going_out + (not verdict.hold)
        if verdict.alert:
            alert = to_agents(
                desk,
                ticket,
                "breaker_alert.txt.j2",
                {
                    "subject": ticket.subject,
                    "client": ticket.client,
                    "limit": limit,
                    "held_to": list(mail.rcpt_to),
                    "held_subject": mail.subject,
                },
                now,
            )
            queued.append((alert, False))
            going_out += 1
    record.queue_outbound_all(ticket.id, queued, now)


def to_agents(
    desk: Desk,
    ticket: TicketFacts,
    template: str,
    variables: dict,
    now: dt.datetime,
    *,
    attachments: tuple[Attachment, ...] = (),
    not_to: str | None = None,
    only: str | None = None,
    threading: Thread | None = None,
) -> OutboundMail:
    """A mail to the ticket's assignee (else every agent), in the ticket's agent thread.
    `not_to`: leave out the agent who caused it, unless nobody else is left."""
    agents = (ticket.assignee,) if ticket.assignee else tuple(desk.settings.support.agents)
    recipients = (only,) if only else tuple(a for a in agents if a != not_to) or agents
    return render.render_to_agents(
        desk.settings,
        desk.secrets.token_secret,
        template=template,
        tag=ticket.tag,
        to=recipients,
        variables=variables,
        threading=threading or ticket.agents_thread,
        now=now,
        attachments=attachments,
    )


def page(desk: Desk, ticket: TicketFacts, ctx: Context, addresses: tuple[str, ...], now: dt.datetime) -> OutboundMail:
    """§2.4 under on_call: the on-call agents hear at once of a critical problem whose term runs
    outside working hours, marked urgent, in the ticket's agent thread."""
    zone = desk.settings.hours.timezone
    variables = {
        **ticket.basics(),
        "text": ctx.new_text,
        "arrived_at": ctx.mail.arrived_at.astimezone(zone),
        "resolution_due": ticket.resolution_due.astimezone(zone),
    }
    return render.render_to_agents(
        desk.settings,
        desk.secrets.token_secret,
        template="on_call.txt.j2",
        tag=ticket.tag,
        to=addresses,
        now=now,
        variables=variables,
        threading=ticket.agents_thread,
    )


def _notification_facts(
    ctx: Context, ticket: TicketFacts, event: str, reasons: tuple[tuple[str, Reason], ...] = ()
) -> dict:
    """`reasons`: why this mail raised its review labels, a line each in the notification."""
    zone = ctx.settings.hours.timezone
    return {
        **ticket.basics(),
        "event": event,
        "sender": ctx.mail.from_addr,
        "sender_name": ctx.mail.from_name,
        "reviews": [
            {"label": label, "why": r.why, "words": list(r.words), "against": list(r.against)} for label, r in reasons
        ],
        "account": ctx.account,
        "first_response_due": ticket.first_response_due and ticket.first_response_due.astimezone(zone),
        "resolution_due": ticket.resolution_due and ticket.resolution_due.astimezone(zone),
        "text": ctx.new_text,
        "attachments": [
            {
                "name": a.filename,
                "accepted": a.verdict.accepted if a.verdict else None,
                "detail": a.verdict.detail if a.verdict else "",
                "size": megabytes(len(a.data)),
                "attached": _forwarded(ctx, a),
            }
            for a in ctx.mail.attachments
        ],
    }


def _forwarded(ctx: Context, attachment: Attachment) -> bool:
    """Whether the agents' notification carries the client's file: not when it was rejected, nor when
    it is past `[limits].forward_attachment_mb` (a mail that big may not get through, and building
    it costs the desk several times its size in memory); `show` tells where such a file is kept."""
    return (
        attachment.verdict is not None
        and attachment.verdict.accepted is not False
        and len(attachment.data) <= ctx.settings.limits.forward_attachment_bytes
    )


def split_notification(
    desk: Desk, ctx: Context, split_from: str, second: TicketFacts, now: dt.datetime
) -> OutboundMail:
    """§2.5: the ticket an agent's #split opened is announced to the agents like any new ticket,
    naming the one it came from (`split_from`, its tag); answering it answers the client on the new ticket."""
    facts = {
        **_notification_facts(ctx, second, "new_ticket"),
        "split_from": split_from,
        "text": second.subject,
        "attachments": [],
    }
    return to_agents(desk, second, "notification.txt.j2", facts, now)


def tell_agents_undelivered(desk: Desk, outbox_ids: list[int], now: dt.datetime) -> int:
    """Agents hear of every mail to a client that the SMTP server refused for good (the reason is
    in `show` too). Returns how many notices were queued."""
    queued = 0
    for row in list(Outbox.select().where(Outbox.id.in_(outbox_ids))):  # in full first, as in escalate.py
        message = row.message
        if message.ticket is None or message.kind not in (Kind.AUTO_REPLY, Kind.AGENT) or not desk.owns(message.ticket):
            continue  # a mail to agents that failed is only logged: telling them by mail would fail too
        ticket = record.facts_of(message.ticket)
        facts = {
            **ticket.basics(),
            "event": "delivery_failure",
            "sender": desk.settings.support.address,
            "sender_name": desk.settings.support.name,
            "account": None,
            "first_response_due": None,
            "resolution_due": None,
            "attachments": [],
            "reviews": [],
            "text": f"{message.subject}\n-> {', '.join(row.rcpt_to)}\n{row.last_error}",
        }
        with database.atomic():
            record.queue_outbound(ticket.id, to_agents(desk, ticket, "notification.txt.j2", facts, now), now)
        queued += 1
    return queued
