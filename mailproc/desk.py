"""The desk of one mailbox: what processing needs besides the mail — settings, secrets, blob store, clock.

A config with several mailboxes makes one desk per mailbox; they share the database, which
tells their tickets apart by tag prefix."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Callable

import peewee

from mailproc import thread
from mailproc.config import Secrets, Settings
from mailproc.store.db import BlobStore
from mailproc.store.models import Ticket


@dataclasses.dataclass(frozen=True)
class Desk:
    """What processing needs besides the mail: settings, secrets, blob store, clock."""

    settings: Settings
    secrets: Secrets
    blobs: BlobStore
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)

    @property
    def agents(self) -> frozenset[str]:
        return frozenset(self.settings.support.agents)

    @property
    def mailbox(self) -> str:
        """What names this desk's mailbox in the database: its tag prefix."""
        return self.settings.support.tag_prefix

    @property
    def tickets(self) -> peewee.Expression:
        """The condition that selects this mailbox's tickets."""
        return Ticket.tag.startswith(f"{self.mailbox}-")

    def owns(self, ticket: Ticket) -> bool:
        return thread.of_prefix(ticket.tag, self.mailbox)
