"""The values the pipeline stages hand each other. Pure: no I/O.

RawMail (fetch) -> InboundMail (parse) -> Decision (decide) -> OutboundMail (render).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailproc.parse.attachments import Verdict


@dataclasses.dataclass(frozen=True, slots=True)
class RawMail:
    """One mail as the IMAP server holds it."""

    folder: str
    uidvalidity: int
    uid: int
    arrived_at: dt.datetime  # IMAP INTERNALDATE: when the server received it (SPEC §4 "arrival time")
    data: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # sanitised: metadata only, never a path
    content_type: str  # as declared by the sender: not trusted
    data: bytes
    verdict: Verdict | None = None  # set by parse.attachments.judge_all


@dataclasses.dataclass(frozen=True, slots=True)
class InboundMail:
    """A parsed mail. Header values are decoded; addresses are bare and lower-case."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    subject: str
    date: dt.datetime | None  # the Date header: shown, never trusted for SLA
    arrived_at: dt.datetime
    text: str
    headers: tuple[tuple[str, str], ...]  # (lower-case name, value), in order
    content_type: str
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    size: int = 0

    def header(self, name: str) -> str | None:
        """The first header of that name, or None."""
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)


@dataclasses.dataclass(frozen=True, slots=True)
class OutboundMail:
    """A mail mailproc sends, ready for the outbox."""

    kind: str  # auto_reply | notification | agent (relay) | ...
    message_id: str  # without angle brackets
    mail_from: str  # envelope sender
    rcpt_to: tuple[str, ...]
    subject: str
    text: str
    data: bytes  # the complete RFC 5322 message


def is_delivery_report(mail: InboundMail) -> bool:
    """A bounce or delivery status notification (RFC 3464) rather than a person's answer."""
    local_part = mail.from_addr.split("@")[0]
    return (mail.content_type == "multipart/report" or (mail.header("return-path") or "").strip() == "<>"
            or local_part in ("mailer-daemon", "postmaster"))


def fold_address(address: str) -> str:
    """Lower case, except where lower-casing would turn a non-ASCII character into ASCII: the
    Kelvin sign (U+212A) lowers to "k", so "\u212aate@x" would become an agent's "kate@x"."""
    return "".join(c if not c.isascii() and c.lower().isascii() else c.lower() for c in address)
