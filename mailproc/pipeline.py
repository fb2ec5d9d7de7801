"""One mail through the desk: parse -> thread -> decide -> record (+ queue the mails it causes).

`process_mail` is the only place with a broad `except` per mail, and `fault_of` the one
place that says whose fault a failure is: what goes wrong with one mail quarantines that
mail and never blocks the mail behind it; a failure of the desk itself (template, disk,
database) never quarantines a mail: it stays on the server and the next cycle retries it.
The content-heavy work (parsing, attachments, quotes) runs in `reader`'s worker, which
bounds its time.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import re

import peewee

from mailproc import faults, outbound, render, report_text, sla, tokens
from mailproc.decide import Decision, decide
from mailproc.desk import Desk
from mailproc.errors import DeskError
from mailproc.mail import InboundMail, OutboundMail, RawMail
from mailproc.parse.text import guess_language
from mailproc.reader import MailReader, Reading, Unreadable
from mailproc.rules import machines
from mailproc.rules.context import Context
from mailproc.store import claims, record, sla_report
from mailproc.store.models import Ticket, database
from mailproc.thread import VIA_BOUNCE, Pointers, ThreadChoice, TicketView, is_queue_request, match_ticket
from mailproc.views import TicketFacts
from mailproc.vocab import Kind, Label, Priority, Status

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a mail that killed the process this often is poison


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one mail; `folder` is where it goes on the server."""

    status: str  # recorded | duplicate | quarantined | retry (left in the folder for the next cycle)
    folder: str
    detail: str = ""


def dedupe_key(data: bytes, message_id: str | None) -> str:
    """Message-ID + hash of the body: the same mail fetched again (new UIDVALIDITY, a second
    delivery with other trace headers) is recognised and never re-creates a ticket, while a
    broken client reusing one Message-ID for another text still gets through. Without a
    Message-ID the hash also covers From, Date and Subject: two senders' identical texts are
    two mails."""
    head, body = _split(data)
    if message_id:
        return f"{message_id}|{hashlib.sha256(body).hexdigest()}"
    fields = [_header(head, name) for name in (b"from", b"date", b"subject")]
    return "-|" + hashlib.sha256(b"\n".join((*fields, body))).hexdigest()  # unfolded fields hold no newline


def _split(data: bytes) -> tuple[memoryview, memoryview]:
    """(header block, body) of a raw mail, as views (no copy of a big body); without the blank
    line between them, both are the whole mail."""
    match, view = re.search(rb"\r?\n\r?\n", data), memoryview(data)
    return (view[:match.start()], view[match.end():]) if match else (view, view)


def _header(head: memoryview, name: bytes) -> bytes:
    """The first raw value of a header, unfolded and with runs of whitespace as one space; b"" if absent."""
    match = re.search(rb"(?im)^" + re.escape(name) + rb"[ \t]*:(.*(?:\r?\n[ \t].*)*)", head)
    return b" ".join(match[1].split()) if match else b""


def _message_id_of(data: bytes) -> str | None:
    """The Message-ID in the header block (a body quoting another mail's header does not count)."""
    match = re.search(rb"(?im)^message-id:\s*<([^<>\s]+)>", _split(data[:65536])[0])
    return match[1].decode("ascii", "replace") if match else None


class PoisonError(Exception):
    """A mail that kept killing the process."""


MAIL, RETRY, DESK = "mail", "retry", "desk"


def fault_of(exc: Exception) -> str:
    """Whose fault a failure while processing one mail is:

    MAIL   the mail's (unparseable, poison, anything its content trips): it is quarantined with
           the reason, the poll goes on.
    RETRY  the desk failed on this mail (a template, the shipped fallback too): the mail stays in
           the folder for the next cycle, the mails behind it go on.
    DESK   the database or the disk (a full blob store too): the mails behind it would fail
           alike, so the cycle stops; the mail is retried next cycle.
    SMTP never fails here: mail is sent from the outbox after the mail is committed, and retried there.
    """
    if isinstance(exc, peewee.PeeweeException):
        return DESK
    if isinstance(exc, OSError) and exc.errno is not None:  # a system call failed; a library's "bad data"
        return DESK                                          # OSError (PIL, zlib) carries no errno
    if isinstance(exc, DeskError):
        return RETRY
    return MAIL


def process_mail(desk: Desk, raw: RawMail, reader: MailReader) -> Outcome:
    mailbox = desk.settings.mailbox
    message_id = _message_id_of(raw.data)
    key = dedupe_key(raw.data, message_id)
    known = record.known(key, message_id)
    if known.stored:
        return Outcome("duplicate", mailbox.processed_folder)
    if known.quarantined:
        record.forget_quarantine_of(key)
        log.info("uid=%s message-id=%s was quarantined and is back in %s: processed afresh", raw.uid,
                 message_id or "-", raw.folder)
    attempts = record.begin_attempt(desk.mailbox, raw.folder, raw.uid)
    try:
        if attempts > MAX_ATTEMPTS:
            raise PoisonError(f"processing stopped the program {attempts - 1} times")
        reading = reader.read(raw, desk.settings.attachments.limits, desk.settings.accounts.id_patterns)
        faults.checkpoint("after_parse")
        return _record(desk, raw, reading, key, known)
    except Exception as exc:
        fault = fault_of(exc)
        if fault != MAIL:
            with contextlib.suppress(peewee.PeeweeException):  # the database may be what failed
                record.forget_attempt(desk.mailbox, raw.folder, raw.uid)
            if fault == DESK:
                raise
            log.error("uid=%s message-id=%s left in %s for the next cycle: %s", raw.uid, message_id or "-",
                      raw.folder, exc)
            return Outcome(RETRY, raw.folder, str(exc))
        reason = str(exc) if isinstance(exc, Unreadable) else f"{type(exc).__name__}: {exc}"
        log.error("uid=%s message-id=%s quarantined: %s", raw.uid, message_id or "-", reason)
        with database.atomic():
            record.quarantine(desk.mailbox, raw, dedupe_key=key, message_id=message_id, reason=reason,
                              blobs=desk.blobs, now=desk.clock())
            record.advance_folder(desk.mailbox, raw.folder, raw.uid)
        return Outcome("quarantined", mailbox.quarantine_folder, reason)


def _record(desk: Desk, raw: RawMail, reading: Reading, key: str, known: record.Known) -> Outcome:
    settings, now, mail = desk.settings, desk.clock(), reading.mail
    with database.atomic():
        if machines.is_our_own(mail, settings.support.address, settings.support.message_id_domain):
            return _record_our_own(desk, raw, mail, key)
        pointers = record.find_pointers(mail, raw.data, settings, desk.secrets)
        if (is_queue_request(mail.from_addr, mail.subject, pointers, desk.agents, settings.support.tag_prefix)
                and not machines.machine_reasons(mail, settings.support.address, settings.support.message_id_domain)):
            return _answer_queue_request(desk, raw, mail, key, now)
        choice = match_ticket(mail.from_addr, pointers, desk.agents, now=mail.arrived_at,
                              reopen_days=settings.support.reopen_days)
        if choice.refused:
            log.warning("uid=%s %s pointed at %s without being on it: new ticket", raw.uid, mail.from_addr,
                        choice.refused.tag)
        ctx = _context(desk, reading, choice, pointers, known, now)
        decision = decide(ctx)
        ticket = _ticket_for(desk, ctx, decision, follows=choice.follows)
        if decision.split:
            second = record.open_split(ticket, decision.split, by=mail.from_addr, now=mail.arrived_at,
                                       first_response_due=sla.first_response_due(settings, mail.arrived_at),
                                       settings=settings)
            second_facts = record.facts_of(second)
            outbound.queue(desk, second_facts,
                           [outbound.split_notification(desk, ctx, ticket.tag, second_facts, now)], now, opened=True)
            decision = decision.naming_split(second.tag)
        kind = decision.kind or Kind.CLIENT
        message = record.add_inbound(ticket, raw, mail, kind=kind, text=ctx.new_text, verdict=decision.summary,
                                     dedupe_key=key, blobs=desk.blobs)
        opened = ctx.ticket is None  # its one mail is this one: nothing to read back
        facts = record.facts_of(ticket, [message] if opened else None)
        outbound.queue(desk, facts, [*outbound.mails_for(desk, ctx, decision, facts, now),
                                     *_page_on_call(desk, ctx, facts, now)], now, opened=opened)
        if ctx.sender_is_agent and kind == Kind.AGENT:
            record.record_agent_answer(ticket, assignee=decision.assignee, relayed=bool(decision.relay),
                                       now=mail.arrived_at)
        record.advance_folder(desk.mailbox, raw.folder, raw.uid)
        faults.checkpoint("in_transaction")
    faults.checkpoint("after_commit")
    log.info("uid=%s ticket=%s %s", raw.uid, ticket.tag, decision.summary)
    return Outcome("recorded", settings.mailbox.processed_folder, ticket.tag)


def _record_our_own(desk: Desk, raw: RawMail, mail: InboundMail, key: str) -> Outcome:
    """Our own mail came back (a forwarding loop) or a mail claims our address: recorded as
    automated on the ticket its signed Message-ID names, else on none. It opens no ticket
    and causes no mail: answering it would feed the loop."""
    secrets = desk.secrets
    tag = mail.message_id and tokens.ticket_of_message_id(secrets.token_secret, mail.message_id,
                                                          desk.settings.support.message_id_domain,
                                                          secrets.previous_token_secrets)
    ticket = record.ticket_of_mailbox(tag, desk.settings)
    record.add_inbound(ticket, raw, mail, kind=Kind.AUTOMATED, text=mail.text, dedupe_key=key, blobs=desk.blobs,
                       verdict="our own mail came back: recorded, never answered")
    record.advance_folder(desk.mailbox, raw.folder, raw.uid)
    log.info("uid=%s ticket=%s our own mail came back: recorded, never answered", raw.uid,
             ticket.tag if ticket else "-")
    return Outcome("recorded", desk.settings.mailbox.processed_folder, ticket.tag if ticket else "own mail")


def _answer_queue_request(desk: Desk, raw: RawMail, mail: InboundMail, key: str, now: dt.datetime) -> Outcome:
    """SPEC §5: an agent asked for the queue by mail; it is recorded without a ticket and answered."""
    settings = desk.settings
    rows = sla_report.queue(settings.hours.timezone, now, desk.tickets)  # an agent sees their mailbox's only
    to_answer = [r for r in rows if sla_report.section(r["status"], r["labels"]) == sla_report.WORK]
    counts = {"open": len(to_answer), "breached": sum(bool(r["breached"]) for r in to_answer),
              "waiting": sum(r["status"] == Status.WAITING for r in rows)}
    lines = report_text.queue_lines(rows, now, warning_minutes=settings.sla.warning_minutes)
    sections = [(title, headers, [[text for text, _ in cells] for cells in members])
                for title, headers, members in report_text.queue_sections(
                    rows, now, warning_minutes=settings.sla.warning_minutes)]
    record.add_inbound(None, raw, mail, kind=Kind.AGENT, text=mail.text, verdict="queue request",
                       dedupe_key=key, blobs=desk.blobs)
    record.queue_outbound(None, render.render_queue(settings, desk.secrets.token_secret, to=mail.from_addr,
                                                     lines=lines, sections=sections, counts=counts,
                                                     answering=mail, now=now), now)
    record.advance_folder(desk.mailbox, raw.folder, raw.uid)
    log.info("uid=%s queue sent to %s", raw.uid, mail.from_addr)
    return Outcome("recorded", settings.mailbox.processed_folder, "queue")


def _agent_proof(desk: Desk, mail: InboundMail, ticket: TicketView | None, pointers: Pointers) -> bool | None:
    """None: not an agent. Else whether the mail proves it answers this ticket's notification."""
    if mail.from_addr not in desk.agents:
        return None
    if ticket is None:
        return False
    by_token = pointers.by_reply_address is not None and pointers.by_reply_address.id == ticket.id
    return by_token or record.answers_notification(mail, ticket.id)


def _context(desk: Desk, reading: Reading, choice: ThreadChoice, pointers: Pointers, known: record.Known,
             now: dt.datetime) -> Context:
    """What the rules see: the mail, its ticket, and the facts only the edge can look up."""
    settings, ticket, mail = desk.settings, choice.ticket, reading.mail
    agent_proof = _agent_proof(desk, mail, ticket, pointers)
    keep_signature = agent_proof is not None and settings.support.keep_agent_signature
    new_text = (reading.new_text_signed if keep_signature else reading.new_text) or mail.text
    account_id = reading.account_id or (ticket.account_id if ticket else None)
    account, registry_in_use = record.lookup_account(account_id)
    return Context(
        mail=mail, ticket=ticket, settings=settings, now=now, new_text=new_text,
        sender_is_agent=agent_proof is not None, agent_verified=bool(agent_proof), bounce=choice.via == VIA_BOUNCE,
        account_id=account_id, account=account, registry_in_use=registry_in_use,
        language=ticket.language if ticket else guess_language(f"{mail.subject}\n{new_text}",
                                                               settings.templates.default_language),
        auto_replies_today=record.auto_replies_today(mail.from_addr, now, settings),
        message_id_seen=known.message_id_seen(mail.message_id),
        agents_told_of_machine_mail=bool(ticket and agent_proof is not None
                                         and record.has_machine_mail_from(ticket.id, desk.agents)))


def _ticket_for(desk: Desk, ctx: Context, decision: Decision, follows: TicketView | None) -> Ticket:
    """The ticket the mail lands on, opened or updated as the decision says."""
    settings, mail = desk.settings, ctx.mail
    if ctx.ticket is not None:
        ticket = claims.ticket_row(ctx.ticket.id)  # locked: a deadline mark set meanwhile is not overwritten
        record.update_ticket(ticket, labels=decision.labels - {Label.AUTOMATED}, account_id=ctx.account_id,
                             priority=decision.priority, status=decision.status, now=mail.arrived_at,
                             clear_cc=decision.clear_cc,
                             # a ticket that becomes critical now gets its §2.4 term from now
                             resolution_due=sla.resolution_due(settings, mail.arrived_at,
                                                               decision.priority or ticket.priority))
        return ticket
    automated = Label.AUTOMATED in decision.labels
    priority = decision.priority or Priority.NORMAL
    terms = sla.promise(settings, mail.arrived_at, priority)
    return record.open_ticket(
        mail, language=ctx.language, account_id=ctx.account_id, labels=decision.labels, priority=priority,
        status=decision.status or Status.NEW, settings=settings,
        first_response_due=None if automated else terms.first_response_due,
        resolution_due=None if automated else terms.resolution_due,
        follows=follows.tag if follows else None)


def _page_on_call(desk: Desk, ctx: Context, ticket: TicketFacts, now: dt.datetime) -> tuple[OutboundMail, ...]:
    """§2.4 under on_call: a ticket that turns critical with a term reaching outside working hours
    pages the on-call agents at once."""
    if ticket.priority != Priority.CRITICAL or (ctx.ticket and ctx.ticket.priority == Priority.CRITICAL):
        return ()
    addresses = sla.on_call(desk.settings, ctx.mail.arrived_at, ticket.resolution_due)
    return (outbound.page(desk, ticket, ctx, addresses, now),) if addresses else ()
