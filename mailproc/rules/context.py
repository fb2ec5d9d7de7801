"""What every rule sees. Pure."""
from __future__ import annotations

import dataclasses
import datetime as dt

from mailproc.config import Settings
from mailproc.mail import InboundMail
from mailproc.thread import TicketView


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    mail: InboundMail
    ticket: TicketView | None  # the ticket the mail joins; None when it opens a new one
    settings: Settings
    now: dt.datetime
    new_text: str = ""  # what the sender wrote this time: quotes and signature stripped
    account_id: str | None = None  # found in this mail, else the one already on the ticket
    language: str = "ru"  # of the reply: the ticket's, else guessed from this mail
    sender_is_agent: bool = False
    auto_replies_today: int = 0  # automatic replies already sent to this sender today

    @property
    def is_new_ticket(self) -> bool:
        return self.ticket is None
