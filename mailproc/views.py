"""What the mails about a ticket are written from: plain values the store reads once, after a
step is applied. Rendering never reads the database. Pure."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from mailproc.mail import InboundMail


@dataclasses.dataclass(frozen=True, slots=True)
class Thread:
    """Where an outgoing mail sits in a conversation (RFC 5322 In-Reply-To / References)."""

    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    @classmethod
    def under(cls, parent: str | None, ids: Iterable[str]) -> Thread:
        """Answering `parent` in the conversation of `ids`: References end with the parent (RFC 5322
        §3.6.4; Thunderbird and mutt hang a mail under the last reference)."""
        return cls(parent, (*(i for i in dict.fromkeys(ids) if i != parent), *((parent,) if parent else ())))

    @classmethod
    def answering(cls, mail: InboundMail) -> Thread:
        return cls.under(mail.message_id, mail.references) if mail.message_id else cls()

    def including(self, message_id: str) -> Thread:
        """The same answer, once a mail of ours joined the conversation (it is not what is answered)."""
        return Thread.under(self.in_reply_to, (*self.references, message_id))

    def after(self, message_id: str) -> Thread:
        """The conversation continued by a mail of ours: the next mail answers it."""
        return Thread.under(message_id, self.references)


@dataclasses.dataclass(frozen=True, slots=True)
class TicketFacts:
    """A ticket as the mails about it describe it."""

    id: int
    tag: str
    subject: str
    client: str
    cc: tuple[str, ...]
    language: str
    account_id: str | None
    labels: tuple[str, ...]
    priority: str
    status: str
    follows: str | None  # the tag of the closed ticket this one follows
    assignee: str | None
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    client_thread: Thread  # a mail to the client answers the client's latest mail (§4.5)
    agents_thread: Thread  # the agents see one thread per ticket

    def basics(self) -> dict:
        """What every notification says of the ticket itself."""
        return {
            "subject": self.subject,
            "client": self.client,
            "account_id": self.account_id,
            "labels": list(self.labels),
            "priority": self.priority,
            "status": self.status,
            "follows": self.follows,
            "split_from": None,
        }
