"""Which ticket a mail belongs to (SPEC §3). Pure.

The edge (pipeline) looks up the tickets a mail points at; this module decides.
A mail joins a ticket by, in order: a Message-ID it answers that we stored or sent,
the ticket tag in its subject, a tokened reply address. Pointing at a ticket is not
enough: the sender must be that ticket's client, an address CC'd on it, or an agent.
Anyone else gets a new ticket of their own (guessing a tag reveals nothing).
A delivery report about one of our mails joins that mail's ticket (SPEC §6): it never
opens a ticket.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

VIA_REFERENCE = "reference"
VIA_TAG = "tag"
VIA_REPLY_ADDRESS = "reply_address"
VIA_BOUNCE = "bounce"


@dataclasses.dataclass(frozen=True, slots=True)
class TicketView:
    """What threading needs to know of a stored ticket."""

    id: int
    tag: str
    client: str
    cc: tuple[str, ...] = ()
    status: str = "new"
    priority: str = "normal"
    account_id: str | None = None
    language: str = "ru"
    closed_at: dt.datetime | None = None
    assignee: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Pointers:
    """The tickets a mail points at, found by the edge; None where it points nowhere."""

    by_reference: TicketView | None = None
    by_tag: TicketView | None = None
    by_reply_address: TicketView | None = None
    by_bounce: TicketView | None = None  # a delivery report quoting one of our signed Message-IDs


@dataclasses.dataclass(frozen=True, slots=True)
class ThreadChoice:
    ticket: TicketView | None  # None: open a new ticket
    via: str | None = None
    refused: TicketView | None = None  # a ticket the sender pointed at but may not join
    follows: TicketView | None = None  # closed too long ago to reopen: the new ticket links to it


def _tag_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"\[\s*({re.escape(prefix)}-\d+)\s*\]", re.IGNORECASE)


def subject_tags(subject: str, prefix: str) -> list[str]:
    """Ticket tags written as [KB-000123] in a subject, first one first."""
    return [m.upper() for m in _tag_pattern(prefix).findall(subject)]


def of_prefix(tag: str, prefix: str) -> bool:
    """Whether a ticket tag is numbered under `prefix`: the mailbox a ticket belongs to."""
    return tag.upper().startswith(f"{prefix.upper()}-")


_REPLY_PREFIX = re.compile(r"^\s*(re|fwd?|aw|sv|rv|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*", re.IGNORECASE)


def bare_subject(subject: str, prefix: str) -> str:
    """The subject without our tags and without leading Re:/Fwd:, for quoting it back in a reply."""
    subject = " ".join(_tag_pattern(prefix).sub(" ", subject).split())
    while (stripped := _REPLY_PREFIX.sub("", subject, count=1)) != subject:
        subject = stripped
    return subject


def closed_too_long(ticket: TicketView, now: dt.datetime | None, reopen_days: int) -> bool:
    """Closed more than `reopen_days` before `now`: a client's mail on it opens a new ticket, and
    the tokens it handed out (reply address, signed Message-IDs) no longer let an agent act on it."""
    return bool(ticket.closed_at and now and now - ticket.closed_at > dt.timedelta(days=reopen_days))


def may_join(sender: str, ticket: TicketView, agents: frozenset[str]) -> bool:
    """`sender` as parsed: already case-folded (never lower it again: see mail.fold_address)."""
    return sender == ticket.client or sender in ticket.cc or sender in agents


def match_ticket(sender: str, pointers: Pointers, agents: frozenset[str], *, now: dt.datetime | None = None,
                 reopen_days: int = 14) -> ThreadChoice:
    """The ticket to join, or a new one. A client writing on a ticket closed more than
    `reopen_days` ago starts a new ticket that follows the old one (§2.5: one problem per ticket),
    whatever points at it. An agent's mail still joins the old ticket, to be recorded there: the
    agent rule refuses to act on it."""
    if pointers.by_bounce is not None:
        # The report quotes a Message-ID only we can sign: it is about our mail, whoever sends it.
        return ThreadChoice(pointers.by_bounce, VIA_BOUNCE)
    refused = None
    for via, ticket in (
        (VIA_REFERENCE, pointers.by_reference),
        (VIA_TAG, pointers.by_tag),
        (VIA_REPLY_ADDRESS, pointers.by_reply_address),
    ):
        if ticket is None:
            continue
        if may_join(sender, ticket, agents):
            if closed_too_long(ticket, now, reopen_days) and sender not in agents:
                return ThreadChoice(None, via, follows=ticket)
            return ThreadChoice(ticket, via)
        refused = refused or ticket
    return ThreadChoice(None, None, refused)


QUEUE_SUBJECTS = ("queue", "очередь")


def is_queue_request(sender: str, subject: str, pointers: Pointers, agents: frozenset[str], prefix: str) -> bool:
    """An agent asking for the work queue by mail: subject "queue" (or "очередь"), about no ticket.
    The answer goes to the agent's own address, so a forged From shows a forger nothing."""
    pointed = any((pointers.by_reference, pointers.by_tag, pointers.by_reply_address, pointers.by_bounce))
    return sender in agents and not pointed and bare_subject(subject, prefix).lower() in QUEUE_SUBJECTS
