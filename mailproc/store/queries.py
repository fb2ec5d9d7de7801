"""The read side: tickets and messages in the JSON shapes of SPEC §7 (edge: database)."""
from __future__ import annotations

import datetime as dt

import peewee

from mailproc.lifecycle import TicketState
from mailproc.mail import fold_address
from mailproc.store.db import BlobStore
from mailproc.store.models import Attachment, Message, Outbox, Quarantined, Ticket
from mailproc.vocab import Kind, Status

QUARANTINED = "quarantined"  # pseudo-status: `tickets --status quarantined` lists poison mail


def iso(value: dt.datetime | None, zone) -> str | None:
    """A stored instant as ISO 8601 with the offset of the desk's zone (SPEC §7), or None."""
    return value.astimezone(zone).isoformat() if value else None


def state_of(ticket: Ticket) -> TicketState:
    """The ticket's row as the lifecycle sees it (`waiting_since` holds "clock paused since")."""
    return TicketState(status=ticket.status, priority=ticket.priority, first_response_due=ticket.first_response_due,
                       first_response_at=ticket.first_response_at, resolution_due=ticket.resolution_due,
                       paused_since=ticket.waiting_since, closed_at=ticket.closed_at,
                       marks=tuple(ticket.escalations))


def _counted(query):
    # message_count counts mails in both directions; internal notes are not mails.
    return query.where(Message.kind != Kind.NOTE)


def ticket_json(ticket: Ticket, zone, message_count: int | None = None) -> dict:
    if message_count is None:
        message_count = _counted(Message.select().where(Message.ticket == ticket)).count()
    return {
        "tag": ticket.tag,
        "status": ticket.status,
        "priority": ticket.priority,
        "client": ticket.client,
        "account_id": ticket.account_id,
        "subject": ticket.subject,
        "created_at": iso(ticket.created_at, zone),
        "first_response_due": iso(ticket.first_response_due, zone),
        "resolution_due": iso(ticket.resolution_due, zone),
        "message_count": message_count,
        "labels": list(ticket.labels),
    }


def list_tickets(zone, status: str | None = None, *, client: str | None = None, account: str | None = None,
                 search: str | None = None) -> list[dict]:
    """Tickets in the order they came; `search`: every word in the subject or the text of one of its mails
    (case-insensitive, any script)."""
    counts = (_counted(Message.select(Message.ticket, peewee.fn.COUNT(Message.id).alias("n")))
              .group_by(Message.ticket))
    count_of = {row.ticket_id: row.n for row in counts}
    query = Ticket.select().order_by(Ticket.id)
    if status:
        query = query.where(Ticket.status == status)
    if client:
        query = query.where(Ticket.client == fold_address(client.strip()))
    if account:
        query = query.where(Ticket.account_id == account.strip())
    tickets = list(query)
    if search:
        tickets = _matching(tickets, search.casefold().split())
    return [ticket_json(t, zone, count_of.get(t.id, 0)) for t in tickets]


def open_tickets_by_prefix() -> dict[str, int]:
    """Tickets not closed, by the tag prefix (upper-case) of their mailbox."""
    counts: dict[str, int] = {}
    for (tag,) in Ticket.select(Ticket.tag).where(Ticket.status != Status.CLOSED).tuples().iterator():
        prefix = tag.rpartition("-")[0].upper()
        counts[prefix] = counts.get(prefix, 0) + 1
    return counts


def _matching(tickets: list[Ticket], words: list[str]) -> list[Ticket]:
    # SQLite's LIKE ignores case in ASCII only: Cyrillic is compared here
    found = {t.id: {w for w in words if w in t.subject.casefold()} for t in tickets}
    texts = Message.select(Message.ticket, Message.text).where(Message.ticket.in_(list(found))).tuples()
    for ticket_id, text in texts.iterator():
        if len(found[ticket_id]) < len(words):
            found[ticket_id].update(w for w in words if w in text.casefold())
    return [t for t in tickets if len(found[t.id]) == len(words)]


def list_quarantined(zone) -> list[dict]:
    """Poison mail; `id` is what `quarantine retry ID` takes."""
    return [{"id": q.id, "status": QUARANTINED, "folder": q.folder, "uid": q.uid, "message_id": q.message_id,
             "arrived_at": iso(q.arrived_at, zone), "quarantined_at": iso(q.created_at, zone), "reason": q.reason}
            for q in Quarantined.select().order_by(Quarantined.id)]


UNSENT = ("pending", "failed", "held")  # outbox states of a mail that has not gone out
STUCK = ("failed", "held")  # ... and that will not go out unless an admin says so (`outbox retry ID`)


def list_outbox(zone) -> list[dict]:
    """Outgoing mail that will not go out by itself: refused for good by the SMTP server
    (`failed`) or held by a ticket's circuit breaker (`held`); `id` is what `outbox retry ID` takes."""
    rows = (Outbox.select(Outbox, Message, Ticket).join(Message).join(Ticket, peewee.JOIN.LEFT_OUTER)
            .where(Outbox.status.in_(STUCK)).order_by(Outbox.id))
    return [{"id": row.id, "status": row.status, "ticket": row.message.ticket.tag if row.message.ticket else None,
             "kind": row.message.kind, "to": list(row.rcpt_to), "subject": row.message.subject,
             "queued_at": iso(row.message.date, zone), "attempts": row.attempts, "last_error": row.last_error}
            for row in rows]


def show_ticket(tag: str, zone, blobs: BlobStore) -> dict | None:
    """A ticket with its messages; an attachment's `stored_at` is its file in the blob store (None:
    not stored), where agents find a file too large to be forwarded to them."""
    ticket = Ticket.get_or_none(Ticket.tag == tag.strip("[]").upper())
    if ticket is None:
        return None
    messages = list(Message.select().where(Message.ticket == ticket).order_by(Message.id))
    attachments: dict[int, list[dict]] = {}
    for a in Attachment.select().where(Attachment.message.in_([m.id for m in messages])).order_by(Attachment.id):
        attachments.setdefault(a.message_id, []).append({
            "filename": a.filename, "content_type": a.content_type, "size": a.size,
            "detected_format": a.detected_format, "accepted": a.accepted, "reason": a.reason,
            "detail": a.detail, "stored": a.sha256 is not None,
            "stored_at": a.sha256 and str(blobs.path(a.sha256))})
    outbox = {o.message_id: o for o in Outbox.select(Outbox.message, Outbox.status, Outbox.last_error)
              .where(Outbox.message.in_([m.id for m in messages]))}
    data = ticket_json(ticket, zone)
    data["messages"] = [{
        "direction": m.direction, "kind": m.kind, "from": m.from_addr, "to": list(m.to_addrs),
        "date": iso(m.date, zone), "subject": m.subject, "message_id": m.message_id, "text": m.text,
        "attachments": attachments.get(m.id, []), **_delivery(outbox.get(m.id))} for m in messages]
    return data


def _delivery(row: Outbox | None) -> dict:
    """Outgoing mail only: `delivery` pending | sent | failed | held, and why it failed or waits."""
    return {"delivery": row.status, "delivery_error": row.last_error} if row else {}
