"""One mail through the desk: parse -> thread -> decide -> record (+ queue the mails it causes).

`process_mail` is the only place with a broad `except` per mail: whatever goes wrong
with one mail quarantines that mail and never blocks the mail behind it. Failures of
the desk itself (database, disk) are not the mail's fault: they propagate, the mail
stays unprocessed on the server and the next cycle retries it. The content-heavy work
(parsing, attachments, quotes) runs in `reader`'s worker, which bounds its time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re

import peewee

from mailproc import faults, render, report_text, sla
from mailproc.decide import Decision, decide
from mailproc.desk import Desk
from mailproc.mail import InboundMail, RawMail
from mailproc.parse.text import guess_language
from mailproc.outbound import mails_for
from mailproc.reader import MailReader, Reading, ReaderUnavailable, Unreadable
from mailproc.rules import machines
from mailproc.rules.context import Context
from mailproc.store import record, sla_report
from mailproc.store.models import Ticket, database
from mailproc.thread import VIA_BOUNCE, Pointers, ThreadChoice, TicketView, is_queue_request, match_ticket
from mailproc.vocab import Kind, Label, Priority, Status

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a mail that killed the process this often is poison


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one mail; `folder` is where it goes on the server."""

    status: str  # recorded | duplicate | quarantined
    folder: str
    detail: str = ""


def dedupe_key(data: bytes, message_id: str | None) -> str:
    """Message-ID + hash of the body: the same mail fetched again (new UIDVALIDITY, a second
    delivery with other trace headers) is recognised and never re-creates a ticket."""
    match = re.search(rb"\r?\n\r?\n", data)
    body = data[match.end():] if match else data
    return f"{message_id or '-'}|{hashlib.sha256(body).hexdigest()}"


def _message_id_of(data: bytes) -> str | None:
    match = re.search(rb"(?im)^message-id:\s*<([^<>\s]+)>", data[:65536])
    return match[1].decode("ascii", "replace") if match else None


class PoisonError(Exception):
    """A mail that kept killing the process."""


def process_mail(desk: Desk, raw: RawMail, reader: MailReader) -> Outcome:
    mailbox = desk.settings.mailbox
    message_id = _message_id_of(raw.data)
    key = dedupe_key(raw.data, message_id)
    if record.is_known(key):
        return Outcome("duplicate", mailbox.processed_folder)
    attempts = record.begin_attempt(raw.folder, raw.uid)
    try:
        if attempts > MAX_ATTEMPTS:
            raise PoisonError(f"processing stopped the program {attempts - 1} times")
        reading = reader.read(raw, desk.settings.attachments.limits, desk.settings.accounts.id_patterns)
        faults.checkpoint("after_parse")
        return _record(desk, raw, reading, key)
    except (peewee.OperationalError, peewee.IntegrityError, OSError, ReaderUnavailable):
        raise  # the desk is broken (or raced), not the mail: retry the mail next cycle
    except Exception as exc:
        reason = str(exc) if isinstance(exc, Unreadable) else f"{type(exc).__name__}: {exc}"
        log.error("uid=%s message-id=%s quarantined: %s", raw.uid, message_id or "-", reason)
        with database.atomic():
            record.quarantine(raw, dedupe_key=key, message_id=message_id, reason=reason, blobs=desk.blobs,
                              now=desk.clock())
            record.advance_folder(raw.folder, raw.uid)
        return Outcome("quarantined", mailbox.quarantine_folder, reason)


def _record(desk: Desk, raw: RawMail, reading: Reading, key: str) -> Outcome:
    settings, now, mail = desk.settings, desk.clock(), reading.mail
    with database.atomic():
        pointers = record.find_pointers(mail, raw.data, settings, desk.secrets.token_secret)
        if (is_queue_request(mail.from_addr, mail.subject, pointers, desk.agents, settings.support.tag_prefix)
                and not machines.machine_reasons(mail, settings.support.address, settings.support.message_id_domain)):
            return _answer_queue_request(desk, raw, mail, key, now)
        choice = match_ticket(mail.from_addr, pointers, desk.agents, now=mail.arrived_at,
                              reopen_days=settings.support.reopen_days)
        if choice.refused:
            log.warning("uid=%s %s pointed at %s without being on it: new ticket", raw.uid, mail.from_addr,
                        choice.refused.tag)
        ctx = _context(desk, reading, choice, pointers, now)
        decision = decide(ctx)
        ticket = _ticket_for(desk, ctx, decision, follows=choice.follows)
        kind = decision.kind or Kind.CLIENT
        record.add_inbound(ticket, raw, mail, kind=kind, text=ctx.new_text, verdict=decision.summary,
                           dedupe_key=key, blobs=desk.blobs)
        for outbound in mails_for(desk, ctx, decision, ticket, now):
            record.queue_outbound(ticket, outbound, now)
        if ctx.sender_is_agent and kind == Kind.AGENT:
            record.record_agent_answer(ticket, assignee=decision.assignee, relayed=bool(decision.relay),
                                       now=mail.arrived_at)
        record.advance_folder(raw.folder, raw.uid)
        faults.checkpoint("in_transaction")
    faults.checkpoint("after_commit")
    log.info("uid=%s ticket=%s %s", raw.uid, ticket.tag, decision.summary)
    return Outcome("recorded", settings.mailbox.processed_folder, ticket.tag)


def _answer_queue_request(desk: Desk, raw: RawMail, mail: InboundMail, key: str, now: dt.datetime) -> Outcome:
    """SPEC §5: an agent asked for the queue by mail; it is recorded without a ticket and answered."""
    settings = desk.settings
    rows = sla_report.queue(settings.hours.timezone, now)
    to_answer = [r for r in rows if sla_report.section(r["status"], r["labels"]) == sla_report.WORK]
    counts = {"open": len(to_answer), "breached": sum(bool(r["breached"]) for r in to_answer),
              "waiting": sum(r["status"] == Status.WAITING for r in rows)}
    lines = report_text.queue_lines(rows, now, warning_minutes=settings.sla.warning_minutes)
    record.add_inbound(None, raw, mail, kind=Kind.AGENT, text=mail.text, verdict="queue request",
                       dedupe_key=key, blobs=desk.blobs)
    record.queue_outbound(None, render.render_queue(settings, desk.secrets.token_secret, to=mail.from_addr,
                                                     lines=lines, counts=counts, answering=mail, now=now), now)
    record.advance_folder(raw.folder, raw.uid)
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


def _context(desk: Desk, reading: Reading, choice: ThreadChoice, pointers: Pointers, now: dt.datetime) -> Context:
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
        auto_replies_today=record.auto_replies_today(mail.from_addr, now, settings))


def _ticket_for(desk: Desk, ctx: Context, decision: Decision, follows: TicketView | None) -> Ticket:
    """The ticket the mail lands on, opened or updated as the decision says."""
    settings, mail = desk.settings, ctx.mail
    if ctx.ticket is not None:
        ticket = Ticket.get_by_id(ctx.ticket.id)
        record.update_ticket(ticket, labels=decision.labels - {Label.AUTOMATED}, account_id=ctx.account_id,
                             priority=decision.priority, status=decision.status, now=mail.arrived_at,
                             # a ticket that becomes critical now gets its §2.4 term from now
                             resolution_due=sla.resolution_due(settings, mail.arrived_at,
                                                               decision.priority or ticket.priority))
        return ticket
    automated = Label.AUTOMATED in decision.labels
    priority = decision.priority or Priority.NORMAL
    return record.open_ticket(
        mail, language=ctx.language, account_id=ctx.account_id, labels=decision.labels, priority=priority,
        status=decision.status or Status.NEW, settings=settings,
        first_response_due=None if automated else sla.first_response_due(settings, mail.arrived_at),
        resolution_due=None if automated else sla.resolution_due(settings, mail.arrived_at, priority),
        follows=follows.tag if follows else None)
