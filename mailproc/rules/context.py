"""What every rule sees. Pure."""
from __future__ import annotations

import dataclasses
import datetime as dt

from mailproc.config import Settings
from mailproc.mail import InboundMail
from mailproc.rules import machines
from mailproc.thread import TicketView, closed_too_long
from mailproc.vocab import AccountRecord


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    mail: InboundMail
    ticket: TicketView | None  # the ticket the mail joins; None when it opens a new one
    settings: Settings
    now: dt.datetime
    new_text: str = ""  # what the sender wrote this time: quotes and signature stripped
    account_id: str | None = None  # found in this mail, else the one already on the ticket
    account: AccountRecord | None = None  # the registry's row for account_id, when there is one
    registry_in_use: bool = False  # False: no registry imported, IDs are recorded, not checked
    language: str = "ru"  # of the reply: the ticket's, else guessed from this mail
    sender_is_agent: bool = False
    agent_verified: bool = False  # an agent's mail proved itself: tokened address or notification thread
    bounce: bool = False  # a delivery report about one of our mails on this ticket
    auto_replies_today: int = 0  # automatic replies already sent to this sender today
    message_id_seen: bool = False  # a mail with this Message-ID is already stored: a replay, or a resend
    agents_told_of_machine_mail: bool = False  # an agent address's machine mail is already on this ticket
    # Why this mail was sent by a machine (SPEC §6), empty for a person's mail: worked out once
    # here, as several rules ask.
    machine_reasons: tuple[str, ...] = dataclasses.field(init=False)

    def __post_init__(self):
        support = self.settings.support
        reasons = machines.machine_reasons(self.mail, support.address, support.message_id_domain)
        object.__setattr__(self, "machine_reasons", tuple(reasons))

    @property
    def is_new_ticket(self) -> bool:
        return self.ticket is None

    @property
    def ticket_expired(self) -> bool:
        """The ticket was closed more than reopen_days before this mail: its tokens are refused."""
        return self.ticket is not None and closed_too_long(self.ticket, self.mail.arrived_at,
                                                           self.settings.support.reopen_days)
