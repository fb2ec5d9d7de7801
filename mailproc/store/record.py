"""Writing tickets, messages, outbox rows and mailbox progress (edge: database).

The caller (pipeline) wraps one mail's writes in one transaction; nothing here commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence

import peewee

from mailproc import lifecycle, thread, tokens
from mailproc.config import Secrets, Settings
from mailproc.defaults import TOO_LARGE
from mailproc.mail import Attachment as AttachedFile
from mailproc.mail import InboundMail, OutboundMail, RawMail, is_delivery_report
from mailproc.store.db import BlobStore
from mailproc.store.models import (Account, Attachment, FolderState, LastNumber, Message, MovedCount, NumberingFloor,
                                   Outbox, Quarantined, Ticket, database)
from mailproc.store.queries import state_of
from mailproc.views import TicketFacts, Thread
from mailproc.vocab import AccountRecord, Direction, Kind, Label, Priority, Status


@dataclasses.dataclass(frozen=True, slots=True)
class Known:
    """What the desk holds of a mail before processing it, read in one query."""

    stored: bool  # this very mail (its dedupe key): a duplicate
    quarantined: bool  # ... quarantined: put back by hand after a fix
    message_id: str | None  # the Message-ID looked up
    message_id_stored: bool  # a mail with that Message-ID is stored, on any ticket

    def message_id_seen(self, message_id: str | None) -> bool:
        """Whether a mail with this Message-ID is stored (asked again if it is not the one looked up)."""
        return self.message_id_stored if message_id == self.message_id else message_id_known(message_id)


def known(dedupe_key: str, message_id: str | None) -> Known:
    """`Known` of a mail by its dedupe key and the Message-ID of its header."""
    def exists(query: peewee.Select) -> peewee.Function:
        return peewee.fn.EXISTS(query.select(peewee.SQL("1")))

    stored, quarantined, message_id_stored = peewee.Select(columns=[
        exists(Message.select().where(Message.dedupe_key == dedupe_key)),
        exists(Quarantined.select().where(Quarantined.dedupe_key == dedupe_key)),
        exists(Message.select().where(Message.message_id == message_id)),  # None: IS NULL, ignored below
    ]).bind(database).scalar(as_tuple=True)
    return Known(stored=bool(stored), quarantined=bool(quarantined), message_id=message_id,
                 message_id_stored=bool(message_id) and bool(message_id_stored))


def forget_quarantine_of(dedupe_key: str) -> None:
    """A quarantined mail fetched again was put back by hand after a fix: it is processed afresh
    (poison again, it is quarantined again)."""
    Quarantined.delete().where(Quarantined.dedupe_key == dedupe_key).execute()


def ticket_view(ticket: Ticket) -> thread.TicketView:
    return thread.TicketView(id=ticket.id, tag=ticket.tag, client=ticket.client, cc=tuple(ticket.cc),
                             status=ticket.status, priority=ticket.priority, account_id=ticket.account_id,
                             language=ticket.language, closed_at=ticket.closed_at, assignee=ticket.assignee)


def find_pointers(mail: InboundMail, raw: bytes, settings: Settings, secrets: Secrets) -> thread.Pointers:
    """The tickets a mail points at: by reference, by subject tag, by tokened reply address (SPEC §3),
    and for a delivery report, by the signed Message-ID of ours it quotes (SPEC §6). Tokens verify
    with the current secret or one kept from before a rotation. Only tickets of the mailbox the
    mail was read from count: whatever it names, a mail never joins another mailbox's ticket."""
    bounced = (tokens.ticket_quoted_in(raw, secrets.token_secret, settings.support.message_id_domain,
                                       secrets.previous_token_secrets)
               if is_delivery_report(mail) else None)
    views: dict[str, thread.TicketView | None] = {}  # a ticket named twice (a reply's tag and reference) is read once

    def first(tags: Iterable[str | None]) -> thread.TicketView | None:
        """The first of these tags that names a ticket of the mailbox."""
        for tag in tags:
            if tag and tag not in views:
                views[tag] = _view(ticket_of_mailbox(tag, settings))
            if tag and views[tag]:
                return views[tag]
        return None

    return thread.Pointers(
        by_reference=first(_tags_by_reference(mail, settings, secrets)),
        by_tag=first(thread.subject_tags(mail.subject, settings.support.tag_prefix)),
        by_reply_address=first(_tags_by_reply_address(mail, settings, secrets)),
        by_bounce=first([bounced]),
    )


def ticket_of_mailbox(tag: str | None, settings: Settings) -> Ticket | None:
    """The ticket with this tag, if it belongs to the mailbox of `settings` (its tag prefix)."""
    if not tag or not thread.of_prefix(tag, settings.support.tag_prefix):
        return None
    return Ticket.get_or_none(Ticket.tag == tag)


def _view(ticket: Ticket | None) -> thread.TicketView | None:
    return ticket_view(ticket) if ticket else None


def _tags_by_reply_address(mail: InboundMail, settings: Settings, secrets: Secrets) -> Iterator[str | None]:
    for address in (*mail.to, *mail.cc):
        yield tokens.ticket_of_reply_address(secrets.token_secret, address, settings.support.address,
                                             secrets.previous_token_secrets)


def answers_notification(mail: InboundMail, ticket_id: int) -> bool:
    """Whether the mail answers one of the notifications of this ticket (sent only to agents)."""
    return bool(mail.thread_ids) and Message.select().where(
        Message.ticket == ticket_id, Message.kind == Kind.NOTIFICATION,
        Message.message_id.in_(list(mail.thread_ids))).exists()


def message_id_known(message_id: str | None) -> bool:
    """Whether a mail with this Message-ID is already stored, on any ticket."""
    return bool(message_id) and Message.select().where(Message.message_id == message_id).exists()


def _tags_by_reference(mail: InboundMail, settings: Settings, secrets: Secrets) -> Iterator[str | None]:
    """Looked up one after the other, as far as `find_pointers` asks."""
    domain = settings.support.message_id_domain
    for message_id in mail.thread_ids:
        if tokens.looks_like_ours(message_id, domain):
            # Ours only if the signature holds: a forged id naming a ticket is ignored.
            yield tokens.ticket_of_message_id(secrets.token_secret, message_id, domain, secrets.previous_token_secrets)
        else:
            yield (Message.select(Ticket.tag).join(Ticket)
                   .where(Message.message_id == message_id, Ticket.tag.startswith(f"{settings.support.tag_prefix}-"))
                   .order_by(Message.id).limit(1).scalar())


def lookup_account(account_id: str | None) -> tuple[AccountRecord | None, bool]:
    """(the registry row of an account ID, whether a registry is in use at all)."""
    # one read: the account's row, and the registry's first row, which tells it is in use
    rows = list(Account.select().where((Account.account_id == (account_id or None))
                                       | (Account.id == Account.select(peewee.fn.MIN(Account.id)))))
    if not rows:
        return None, False
    row = next((row for row in rows if account_id and row.account_id == account_id), None)
    record = row and AccountRecord(account_id=row.account_id, name=row.name, status=row.status,
                                   partner=row.partner, partner_contact=row.partner_contact)
    return record, True


def auto_replies_today(address: str, now: dt.datetime, settings: Settings) -> int:
    """Automatic replies sent to `address` since local midnight. The database picks the rows whose
    recipients' JSON text holds the address as JSON writes it (the same on SQLite and PostgreSQL;
    a busy day has thousands of automatic replies); the recipients are then matched exactly."""
    local_midnight = dt.datetime.combine(now.astimezone(settings.hours.timezone).date(), dt.time(),
                                         settings.hours.timezone)
    today = Message.select(Message.to_addrs).where(
        Message.kind == Kind.AUTO_REPLY, Message.date >= local_midnight,
        peewee.Cast(Message.to_addrs, "text").contains(json.dumps(address, ensure_ascii=False)))
    return sum(address in row.to_addrs for row in today)


def has_machine_mail_from(ticket_id: int, senders: frozenset[str]) -> bool:
    """Whether machine mail (e.g. a vacation notice) from one of these addresses is on the ticket."""
    return Message.select().where(Message.ticket == ticket_id, Message.kind == Kind.AUTOMATED,
                                  Message.from_addr.in_(sorted(senders))).exists()


def open_ticket(mail: InboundMail, *, language: str, account_id: str | None, labels: frozenset[str], priority: str,
                status: str, first_response_due: dt.datetime | None, resolution_due: dt.datetime | None,
                follows: str | None, settings: Settings) -> Ticket:
    state = lifecycle.opened(status, priority, first_response_due=first_response_due, resolution_due=resolution_due,
                             now=mail.arrived_at)
    ticket = Ticket(
        tag=next_tag(settings.support.tag_prefix), client=mail.from_addr,
        cc=sorted(set(mail.cc) - {settings.support.address, *settings.other_addresses}), subject=mail.subject,
        language=language, account_id=account_id, labels=sorted(labels), created_at=mail.arrived_at,
        updated_at=mail.arrived_at, follows=follows)
    _write_state(ticket, state)
    ticket.save()
    return ticket


def open_split(ticket: Ticket, summary: str, *, by: str, first_response_due: dt.datetime,
               now: dt.datetime, settings: Settings) -> Ticket:
    """§2.5: the second problem of `ticket` gets a ticket of its own, for the same client; a note
    on it says where it came from."""
    state = lifecycle.opened(Status.NEW, Priority.NORMAL, first_response_due=first_response_due,
                             resolution_due=None, now=now)
    second = Ticket(tag=next_tag(settings.support.tag_prefix), client=ticket.client, cc=ticket.cc, subject=summary,
                    language=ticket.language, account_id=ticket.account_id, labels=[], created_at=now,
                    updated_at=now)
    _write_state(second, state)
    second.save()
    Message.create(ticket=second, direction=Direction.IN, kind=Kind.NOTE, from_addr=by, subject=summary, date=now,
                   text=f"Split from {ticket.tag} (§2.5): {summary}", verdict="split")
    return second


def next_tag(prefix: str) -> str:
    """The tag of a new ticket, in the caller's transaction: each tag prefix numbers its tickets,
    after its last one and after any number a lost database once sent out (NumberingFloor). The
    count's row stays locked to the commit: two workers never take one number."""
    return f"{prefix}-{_take_number(prefix):06d}"


def _take_number(prefix: str) -> int:
    def counted() -> int | None:
        rows = (LastNumber.update(number=LastNumber.number + 1).where(LastNumber.tag_prefix == prefix)
                .returning(LastNumber.number).tuples().execute())
        return next((number for (number,) in rows), None)

    taken = counted()
    if taken is None:  # the prefix's first ticket on this database, or the first since it counts
        LastNumber.insert(tag_prefix=prefix, number=_last_shown(prefix)).on_conflict_ignore().execute()
        taken = counted()
    return taken


def last_number(prefix: str) -> int:
    """The last number handed out under `prefix`, or the floor above it."""
    row = LastNumber.get_or_none(LastNumber.tag_prefix == prefix)
    return row.number if row else _last_shown(prefix)


def _last_shown(prefix: str) -> int:
    """The highest number the prefix's tags and the floors show: where its count starts."""
    floors = NumberingFloor.select(peewee.fn.MAX(NumberingFloor.number)).where(
        (NumberingFloor.tag_prefix == prefix) | NumberingFloor.tag_prefix.is_null())
    numbers = Ticket.select(peewee.fn.MAX(peewee.Cast(peewee.fn.SUBSTR(Ticket.tag, len(prefix) + 2), "INTEGER")))
    return max(numbers.where(Ticket.tag.startswith(f"{prefix}-")).scalar() or 0, floors.scalar() or 0)


def is_empty_desk() -> bool:
    """No mail ever recorded or polled past, no numbering floor: a new database (or a lost one)."""
    return (not any(model.select().exists() for model in (Message, Quarantined, Ticket, NumberingFloor))
            and not FolderState.select().where(FolderState.last_uid > 0).exists())


def adopt_progress(mailbox: str) -> None:
    """A desk of one mailbox takes over the folder progress written before mailboxes were told
    apart (mailbox ""), unless it has its own already."""
    for model in (FolderState, MovedCount, Quarantined):
        if not model.select().where(model.mailbox == mailbox).exists():
            model.update(mailbox=mailbox).where(model.mailbox == "").execute()


def mails_moved(mailbox: str, folder: str) -> int | None:
    """How many mails this database moved into `folder` of `mailbox`; None: not counted yet (a
    database from before the count was kept)."""
    row = MovedCount.get_or_none(MovedCount.mailbox == mailbox, MovedCount.folder == folder)
    return row.mails if row else None


def set_mails_moved(mailbox: str, folder: str, mails: int) -> None:
    MovedCount.insert(mailbox=mailbox, folder=folder, mails=mails).on_conflict(
        conflict_target=[MovedCount.mailbox, MovedCount.folder], update={MovedCount.mails: mails}).execute()


def count_moved(mailbox: str, folder: str, mails: int = 1) -> None:
    """Counted before the move: a crash between the two leaves the count high, never low."""
    MovedCount.update(mails=MovedCount.mails + mails).where(MovedCount.mailbox == mailbox,
                                                            MovedCount.folder == folder).execute()


def set_numbering_floor(prefix: str, number: int, mails_scanned: int, now: dt.datetime) -> int:
    """Never hand out a number up to `number` under `prefix` again; returns the floor in force (this or a higher one)."""
    NumberingFloor.create(tag_prefix=prefix, number=number, mails_scanned=mails_scanned, created_at=now)
    LastNumber.update(number=number).where(LastNumber.tag_prefix == prefix, LastNumber.number < number).execute()
    return last_number(prefix)


def update_ticket(ticket: Ticket, *, labels: frozenset[str], account_id: str | None, priority: str | None,
                  status: str | None, resolution_due: dt.datetime | None, now: dt.datetime,
                  clear_cc: bool = False) -> tuple[lifecycle.Effect, ...]:
    """A follow-up adds its labels, supplies the account ID if the ticket had none, empties the Cc
    list if asked, and may change priority or status: those are lifecycle steps, applied here."""
    ticket.account_id = ticket.account_id or account_id
    if clear_cc:
        ticket.cc = []
    supplied = {Label.MISSING_ACCOUNT_ID} if ticket.account_id else set()
    ticket.labels = sorted((set(ticket.labels) | labels) - supplied)
    events: list[lifecycle.Event] = []
    if priority:
        events.append(lifecycle.Reprioritise(priority, resolution_due))
    if status:
        events.append(lifecycle.MoveTo(status))
    effects = apply_events(ticket, events, now)
    ticket.updated_at = now
    ticket.save()
    return effects


def apply_events(ticket: Ticket, events: list[lifecycle.Event], now: dt.datetime) -> tuple[lifecycle.Effect, ...]:
    """Run the ticket through the lifecycle and write the state it ends in (the caller saves)."""
    state, effects = state_of(ticket), []
    for event in events:
        state, done = lifecycle.step(state, event, now)
        effects += done
    _write_state(ticket, state)
    return tuple(effects)


def _write_state(ticket: Ticket, state: lifecycle.TicketState) -> None:
    ticket.status, ticket.priority = state.status, state.priority
    ticket.first_response_due, ticket.first_response_at = state.first_response_due, state.first_response_at
    ticket.resolution_due, ticket.closed_at = state.resolution_due, state.closed_at
    ticket.waiting_since, ticket.escalations = state.paused_since, list(state.marks)
    ticket.escalation_due = lifecycle.next_escalation(state)


def add_inbound(ticket: Ticket | None, raw: RawMail, mail: InboundMail, *, kind: str, text: str, verdict: str,
                dedupe_key: str, blobs: BlobStore) -> Message:
    message = Message.create(
        ticket=ticket, direction=Direction.IN, kind=kind, message_id=mail.message_id,
        in_reply_to=list(mail.in_reply_to), references=list(mail.references), from_addr=mail.from_addr,
        to_addrs=list(mail.to), cc_addrs=list(mail.cc), subject=mail.subject, date=mail.arrived_at,
        header_date=mail.date, text=text, raw_sha256=blobs.put(raw.data), raw_size=len(raw.data),
        dedupe_key=dedupe_key, folder=raw.folder, uidvalidity=raw.uidvalidity, uid=raw.uid,
        defects=list(mail.defects), verdict=verdict)
    if mail.attachments:
        Attachment.insert_many([_attachment_row(message, part, blobs) for part in mail.attachments]).execute()
    return message


def _attachment_row(message: Message, part: AttachedFile, blobs: BlobStore) -> dict:
    verdict = part.verdict
    oversized = verdict is not None and verdict.reason == TOO_LARGE  # recorded, never stored
    return {"message": message, "filename": part.filename, "content_type": part.content_type, "size": len(part.data),
            "sha256": None if oversized else blobs.put(part.data),
            "detected_format": verdict and verdict.detected_format, "accepted": verdict and verdict.accepted,
            "reason": verdict.reason if verdict else "", "detail": verdict.detail if verdict else ""}


def queue_outbound(ticket_id: int | None, mail: OutboundMail, now: dt.datetime, *, held: bool = False) -> None:
    """Record an outgoing mail and put it in the outbox (`held`: kept there, not sent; see
    mailproc.breaker), in the caller's transaction."""
    queue_outbound_all(ticket_id, [(mail, held)], now)


def queue_outbound_all(ticket_id: int | None, mails: Sequence[tuple[OutboundMail, bool]], now: dt.datetime) -> None:
    """`queue_outbound` for several (mail, held) at once, in their order: two statements for them all."""
    if not mails:
        return
    ids = dict(Message.insert_many([
        {"ticket": ticket_id, "direction": Direction.OUT, "kind": mail.kind, "message_id": mail.message_id,
         "from_addr": mail.mail_from, "to_addrs": list(mail.rcpt_to), "subject": mail.subject, "date": now,
         "text": mail.text, "raw_size": len(mail.data)} for mail, _ in mails])
        .returning(Message.message_id, Message.id).tuples().execute())  # rows come back in no set order
    Outbox.insert_many([
        {"message": ids[mail.message_id], "mail_from": mail.mail_from, "rcpt_to": list(mail.rcpt_to),
         "data": mail.data, "status": "held" if held else "pending"} for mail, held in mails]).execute()


def outgoing_since(ticket_id: int, since: dt.datetime) -> tuple[int, int]:
    """(mails of the ticket queued since then that were not held, those held)."""
    statuses = [row.status for row in Outbox.select(Outbox.status).join(Message)
                .where(Message.ticket == ticket_id, Message.date >= since)]
    held = statuses.count("held")
    return len(statuses) - held, held


def quarantine(mailbox: str, raw: RawMail, *, dedupe_key: str, message_id: str | None, reason: str,
               blobs: BlobStore, now: dt.datetime) -> None:
    Quarantined.insert(
        mailbox=mailbox, folder=raw.folder, uidvalidity=raw.uidvalidity, uid=raw.uid, message_id=message_id,
        arrived_at=raw.arrived_at, reason=reason, raw_sha256=blobs.put(raw.data), dedupe_key=dedupe_key,
        created_at=now).on_conflict_ignore().execute()


def forget_quarantined(quarantined_id: int) -> None:
    """The mail goes back to the polled folder: processed afresh there, as a new mail."""
    Quarantined.delete().where(Quarantined.id == quarantined_id).execute()


def release_outbox(row_id: int) -> None:
    """A refused or held row goes out with the next send, as if new."""
    Outbox.update(status="pending", attempts=0, next_attempt_at=None).where(Outbox.id == row_id).execute()


def folder_state(mailbox: str, folder: str, uidvalidity: int) -> FolderState:
    """The folder's progress; a new UIDVALIDITY restarts from UID 0 (dedupe keeps tickets unique)."""
    state, _ = FolderState.get_or_create(mailbox=mailbox, folder=folder,
                                         defaults={"uidvalidity": uidvalidity, "last_uid": 0})
    if state.uidvalidity != uidvalidity:
        state.uidvalidity, state.last_uid = uidvalidity, 0
        state.save()
    return state


def advance_folder(mailbox: str, folder: str, uid: int) -> None:
    FolderState.update(last_uid=uid, inflight_uid=None, inflight_attempts=0).where(
        FolderState.mailbox == mailbox, FolderState.folder == folder, FolderState.last_uid < uid).execute()


def begin_attempt(mailbox: str, folder: str, uid: int) -> int:
    """Count attempts at one mail, committed BEFORE processing it: a mail that kills the
    process every time (hang, OOM, crash in a library) is recognised as poison after a few."""
    attempts = peewee.Case(None, [(FolderState.inflight_uid == uid, FolderState.inflight_attempts + 1)], 1)
    rows = (FolderState.update(inflight_uid=uid, inflight_attempts=attempts)
            .where(FolderState.mailbox == mailbox, FolderState.folder == folder)
            .returning(FolderState.inflight_attempts).tuples().execute())
    for (count,) in rows:
        return count
    raise FolderState.DoesNotExist(f"no progress of {mailbox} {folder} recorded")  # folder_state makes it


def forget_attempt(mailbox: str, folder: str, uid: int) -> None:
    """The attempt at this mail failed for the desk's sake, not the mail's: it does not count towards poison."""
    FolderState.update(inflight_uid=None, inflight_attempts=0).where(
        FolderState.mailbox == mailbox, FolderState.folder == folder, FolderState.inflight_uid == uid).execute()


def quarantined_uids(mailbox: str, folder: str, uidvalidity: int) -> set[int]:
    return {q.uid for q in Quarantined.select(Quarantined.uid).where(
        Quarantined.mailbox == mailbox, Quarantined.folder == folder, Quarantined.uidvalidity == uidvalidity)}



def facts_of(ticket: Ticket, mails: Sequence[Message] | None = None) -> TicketFacts:
    """The ticket as its mails describe it, read once: rendering works from this, not the row.
    `mails`: every mail of the ticket, when the caller wrote them all (a ticket it opened): not read again."""
    rows = (_thread_rows(ticket.id) if mails is None
            else [(m.message_id, m.direction, m.kind) for m in mails if m.message_id is not None])
    client_thread, agents_thread = _threads(rows)
    return TicketFacts(
        id=ticket.id, tag=ticket.tag, subject=ticket.subject, client=ticket.client, cc=tuple(ticket.cc),
        language=ticket.language, account_id=ticket.account_id, labels=tuple(ticket.labels),
        priority=ticket.priority, status=ticket.status, follows=ticket.follows, assignee=ticket.assignee,
        first_response_due=ticket.first_response_due, resolution_due=ticket.resolution_due,
        client_thread=client_thread, agents_thread=agents_thread)


_SEEN_BY_CLIENT = {(Direction.IN, Kind.CLIENT), (Direction.OUT, Kind.AUTO_REPLY), (Direction.OUT, Kind.AGENT)}


def _thread_rows(ticket_id: int) -> list[tuple[str, str, str]]:
    """(Message-ID, direction, kind) of the ticket's mails that have a Message-ID, in order."""
    return list(Message.select(Message.message_id, Message.direction, Message.kind)
                .where(Message.ticket == ticket_id, Message.message_id.is_null(False)).order_by(Message.id).tuples())


def _threads(rows: list[tuple[str, str, str]]) -> tuple[Thread, Thread]:
    """(the client's thread, the agents' thread) of a ticket, from its mails (_thread_rows).

    The client's: under the client's latest mail, in the conversation the client sees: their mail
    program shows one thread (§4.5). The agents': the same for the notifications of the ticket."""
    seen = [(message_id, direction) for message_id, direction, kind in rows if (direction, kind) in _SEEN_BY_CLIENT]
    latest = next((message_id for message_id, direction in reversed(seen) if direction == Direction.IN), None)
    notifications = [message_id for message_id, _, kind in rows if kind == Kind.NOTIFICATION]
    return (Thread.under(latest, tuple(dict.fromkeys(message_id for message_id, _ in seen))[-20:]),
            Thread.under(notifications[-1] if notifications else None, notifications[-20:]))


def record_agent_answer(ticket: Ticket, *, assignee: str | None, relayed: bool, now: dt.datetime) -> None:
    """An agent's reply: who handles the ticket; the first relayed answer stops the first-reaction clock."""
    if assignee:
        ticket.assignee = assignee
    if relayed:
        apply_events(ticket, [lifecycle.Answered()], now)
    ticket.save()
