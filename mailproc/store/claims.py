"""Which worker does a piece of work (edge: database).

On PostgreSQL several `run` processes may work on one desk. An outbox row is sent inside a
transaction that holds its row lock (SELECT … FOR UPDATE SKIP LOCKED) from before the SMTP
transaction to the commit of its new status, so a second worker passes over a row being sent
and finds it sent afterwards. A ticket is changed holding its row lock the same way, so a
deadline warning or a reminder marked on it by one worker is seen by the next (never sent
twice) and never overwritten by a mail recorded on the ticket at the same time. SQLite has one
poller lock and one process sending at a time (db.outbox_lock): nothing to claim there."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import peewee

from mailproc.store.models import Outbox, Ticket, database


def _shared() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


@contextlib.contextmanager
def outbox_row(row_id: int) -> Iterator[bool]:
    """True while this process holds the row and it is still pending; False: another worker has
    it, or sent it meanwhile."""
    if not _shared():
        yield True
        return
    with database.atomic():
        yield (Outbox.select(Outbox.id).where(Outbox.id == row_id, Outbox.status == "pending")
               .for_update(skip_locked=True).exists())


def ticket_row(ticket_id: int, *, skip_locked: bool = False) -> Ticket | None:
    """The ticket as committed now, locked until the caller's transaction ends (call it inside
    `database.atomic()`). `skip_locked`: None when another worker holds it, instead of waiting."""
    query = Ticket.select().where(Ticket.id == ticket_id)
    if _shared():
        query = query.for_update(skip_locked=skip_locked)
    return query.first()

