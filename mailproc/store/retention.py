"""§4.4 retention (edge: database, blob store): the raw mails and attachments of tickets closed
long ago are removed; the tickets, their messages and texts stay.

Files are content-addressed, so one file may serve several tickets (the same screenshot sent
twice): a file is removed only when nothing outside the purged tickets still names it. The
database forgets the files first, in one transaction; a crash before the files are deleted
leaves files nothing names, never a name without its file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from mailproc.store.db import BlobStore
from mailproc.store.models import Attachment, Message, Quarantined, Ticket, database
from mailproc.vocab import Status


@dataclasses.dataclass(frozen=True, slots=True)
class Purge:
    tickets: int
    raw_mails: int
    attachments: int
    files: tuple[str, ...]  # sha256 of the files nothing else names
    size: int  # bytes those files take

    def __str__(self) -> str:
        return (f"{self.tickets} ticket(s): {self.raw_mails} raw mail(s) and {self.attachments} attachment(s) "
                f"stored, in {len(self.files)} file(s) of {self.size / 2**20:.1f} MiB")


def _purged(closed_before: dt.datetime):
    """The messages of the tickets closed before then, as a subquery."""
    tickets = Ticket.select(Ticket.id).where(Ticket.status == Status.CLOSED, Ticket.closed_at < closed_before)
    return Message.select(Message.id).where(Message.ticket.in_(tickets))


def plan(blobs: BlobStore, closed_before: dt.datetime) -> Purge:
    """What purging the tickets closed before `closed_before` frees; changes nothing. Tickets
    purged before (nothing stored any more) are not counted again."""
    messages = _purged(closed_before)
    raw = list(Message.select(Message.ticket, Message.raw_sha256)
               .where(Message.id.in_(messages), Message.raw_sha256.is_null(False)))
    attached = list(Attachment.select(Attachment.sha256, Message.ticket).join(Message)
                    .where(Attachment.message.in_(messages), Attachment.sha256.is_null(False)))
    candidates = {m.raw_sha256 for m in raw} | {a.sha256 for a in attached}
    kept = ({m.raw_sha256 for m in Message.select(Message.raw_sha256)
             .where(Message.raw_sha256.in_(candidates), Message.id.not_in(messages))}
            | {a.sha256 for a in Attachment.select(Attachment.sha256)
               .where(Attachment.sha256.in_(candidates), Attachment.message.not_in(messages))}
            | {q.raw_sha256 for q in Quarantined.select(Quarantined.raw_sha256)
               .where(Quarantined.raw_sha256.in_(candidates))})
    files = tuple(sorted(candidates - kept))
    size = sum(path.stat().st_size for path in map(blobs.path, files) if path.exists())
    tickets = {m.ticket_id for m in raw} | {a.message.ticket_id for a in attached}
    return Purge(tickets=len(tickets), raw_mails=len(raw), attachments=len(attached), files=files, size=size)


def apply(blobs: BlobStore, closed_before: dt.datetime) -> Purge:
    """Forget the stored files of those tickets, then delete the files nothing else names."""
    with database.atomic():
        purge = plan(blobs, closed_before)
        messages = _purged(closed_before)
        Attachment.update(sha256=None).where(Attachment.message.in_(messages)).execute()
        Message.update(raw_sha256=None).where(Message.id.in_(messages)).execute()
    for sha256 in purge.files:
        blobs.path(sha256).unlink(missing_ok=True)
    return purge
