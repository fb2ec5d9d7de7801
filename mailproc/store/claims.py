"""Which worker sends an outbox row (edge: database).

On PostgreSQL several `run` processes may drain one outbox: each row is sent inside a
transaction that holds its row lock (SELECT … FOR UPDATE SKIP LOCKED) from before the SMTP
transaction to the commit of its new status, so a second worker passes over a row being sent
and finds it sent afterwards. SQLite has one writer and one poller lock: nothing to claim there."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import peewee

from mailproc.store.models import Outbox, database


@contextlib.contextmanager
def outbox_row(row_id: int) -> Iterator[bool]:
    """True while this process holds the row and it is still pending; False: another worker has
    it, or sent it meanwhile."""
    if not isinstance(database.obj, peewee.PostgresqlDatabase):
        yield True
        return
    with database.atomic():
        yield (Outbox.select(Outbox.id).where(Outbox.id == row_id, Outbox.status == "pending")
               .for_update(skip_locked=True).exists())
