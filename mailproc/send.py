"""Draining the outbox over SMTP (edge: network, database).

A row is marked sent right after the server accepted it; a crash between the two is the
only way a mail goes out twice (SPEC §2). Temporary failures back off per row; a server
that cannot be reached leaves every row as it was for the next cycle. Whatever is wrong with
one row (an address the server cannot take, a refusal) fails or defers that row only.

While a poll works, the sender (mailproc.sender) sends rows as they are committed, over several
connections; the cycle then drains what is left.

The bytes are sent as composed: 8bit text goes with BODY=8BITMIME (RFC 6152) when the
server offers it, else as quoted-printable; nothing else is re-encoded or re-folded.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import email.generator
import email.policy
import email.quoprimime
import io
import itertools
import logging
import socket
import ssl
from typing import Callable, Iterator

import aiosmtplib

from mailproc import faults
from mailproc.config import Smtp
from mailproc.errors import MailprocError
from mailproc.store import claims
from mailproc.store.models import Message, Outbox

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    error: str | None = None  # the server could not be reached or dropped us
    failed_rows: list[int] = dataclasses.field(default_factory=list)  # outbox ids refused for good

    def add(self, other: "SendReport") -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.failed_rows += other.failed_rows
        self.error = self.error or other.error


class Unsendable(MailprocError):
    """This server cannot take this mail as it is (never worth a retry on the same server)."""


OUTBOX_PAGE = 100  # rows read at a time: the outbox of a backlog is never held in memory whole


def due_rows(now: dt.datetime, after: int = 0) -> Iterator[Outbox]:
    """The rows to send at `now` in the order they were queued, those after the row `after` only;
    each with the `ticket_id` of its mail (None: of no ticket)."""
    due = Outbox.select(Outbox, Message.ticket.alias("ticket_id")).join(Message).objects().where(
        Outbox.status == "pending",
        (Outbox.next_attempt_at.is_null()) | (Outbox.next_attempt_at <= now)).order_by(Outbox.id)
    while page := list(due.where(Outbox.id > after).limit(OUTBOX_PAGE)):
        yield from page
        after = page[-1].id


def drain_outbox(settings: Smtp, password: str | None, now: dt.datetime) -> SendReport:
    rows = due_rows(now)
    report = SendReport()
    first = next(rows, None)
    if first is not None:
        send_rows(settings, password, itertools.chain([first], rows), lambda: now, report)
    return report


def send_rows(settings: Smtp, password: str | None, rows: Iterator[Outbox], clock: Callable[[], dt.datetime],
              report: SendReport) -> None:
    """Send `rows` in turn over one connection, counting into `report`; `clock` dates each row's
    new state. Stops at the first row when the server cannot be reached, at a row when the
    connection is lost (`report.error` says why; the rows left stay pending)."""
    asyncio.run(_send_rows(settings, password, rows, clock, report))


async def _logged_in(settings: Smtp, password: str | None) -> aiosmtplib.SMTP:
    """A connection to the SMTP server, logged in when smtp.user is set."""
    context = ssl.create_default_context(cafile=settings.ca_file)  # certificates are always verified
    smtp = aiosmtplib.SMTP(
        hostname=settings.host, port=settings.port, timeout=settings.timeout_seconds,
        use_tls=settings.security == "ssl", start_tls=settings.security == "starttls", tls_context=context,
        local_hostname=settings.helo_name or socket.getfqdn())
    await smtp.connect()
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()  # what the server offers (SMTPUTF8, 8BITMIME) decides how each mail is sent
    if settings.user:
        await smtp.login(settings.user, password or "")
    return smtp


async def _send_rows(settings: Smtp, password: str | None, rows: Iterator[Outbox],
                     clock: Callable[[], dt.datetime], report: SendReport) -> None:
    try:
        smtp = await _logged_in(settings, password)
    except (aiosmtplib.SMTPException, OSError) as exc:
        report.error = f"cannot send via SMTP {settings.host}:{settings.port}: {exc}"
        # said once per outage by the caller (poll, or the daemon's outage log), not once per retry
        log.debug("%s; the outbox keeps its mail", report.error)
        return
    try:
        for row in rows:
            with claims.outbox_row(row.id) as mine:
                if mine and not await _send_one(smtp, row, settings, clock(), report):
                    break
    finally:
        if smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()


async def _send_one(smtp: aiosmtplib.SMTP, row: Outbox, settings: Smtp, now: dt.datetime,
                    report: SendReport) -> bool:
    """Send one row; False when the connection is gone and the batch must stop."""
    try:
        data, options = envelope(row.mail_from, row.rcpt_to, row.data, smtp)
        faults.checkpoint("smtp_data")
        await smtp.sendmail(row.mail_from, row.rcpt_to, data, mail_options=options)
    except Unsendable as exc:
        _fail_or_defer(row, 550, str(exc), settings, now, report)
        return True
    except aiosmtplib.SMTPRecipientsRefused as exc:
        _fail_or_defer(row, exc.recipients[0].code if exc.recipients else 550, str(exc), settings, now, report)
        return True
    except aiosmtplib.SMTPResponseException as exc:
        _fail_or_defer(row, exc.code, exc.message, settings, now, report)
        return smtp.is_connected
    except OSError as exc:  # aiosmtplib's disconnects and timeouts are OSErrors too
        report.error = f"SMTP connection lost: {exc}"
        log.debug("outbox row %d: %s", row.id, report.error)
        return False
    except (aiosmtplib.SMTPException, ValueError) as exc:  # this row's content, not the connection
        _fail_or_defer(row, 550, f"cannot be sent: {type(exc).__name__}: {exc}", settings, now, report)
        return smtp.is_connected
    faults.checkpoint("after_accept")
    Outbox.update(status="sent", sent_at=now, attempts=row.attempts + 1, last_error="").where(
        Outbox.id == row.id).execute()
    report.sent += 1
    log.info("sent outbox row %d to %s", row.id, ", ".join(row.rcpt_to))
    return True


def envelope(mail_from: str, rcpt_to: list[str], data: bytes, smtp: aiosmtplib.SMTP) -> tuple[bytes, list[str]]:
    """(the bytes to send, MAIL FROM options) for what the server offers."""
    options = []
    if not all(a.isascii() for a in (mail_from, *rcpt_to)) or not _header_section(data).isascii():
        if not smtp.supports_extension("smtputf8"):
            wide = ", ".join(a for a in (mail_from, *rcpt_to) if not a.isascii()) or "a header"
            raise Unsendable(f"the address {wide} has non-ASCII characters (RFC 6531) and the SMTP server "
                             "does not offer SMTPUTF8: the mail cannot be delivered through it; ask the "
                             "client for another address, or use a server that offers SMTPUTF8")
        options.append("SMTPUTF8")
    if not data.isascii():
        if smtp.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")
        else:
            data = seven_bit(data)
    return data, options


def _header_section(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


_SEVEN_BIT_POLICY = email.policy.compat32.clone(linesep="\r\n", max_line_length=0)


def seven_bit(data: bytes) -> bytes:
    """The same mail with its 8bit parts in quoted-printable, for a server without 8BITMIME.
    The headers stay byte for byte as composed."""
    msg = email.message_from_bytes(data, policy=_SEVEN_BIT_POLICY)
    for part in msg.walk():
        if not part.is_multipart() and str(part.get("Content-Transfer-Encoding", "")).lower() == "8bit":
            text = part.get_payload(decode=True).replace(b"\r\n", b"\n").decode("latin-1")
            part.replace_header("Content-Transfer-Encoding", "quoted-printable")
            part.set_payload(email.quoprimime.body_encode(text, maxlinelen=76))
    out = io.BytesIO()
    email.generator.BytesGenerator(out, mangle_from_=False, policy=_SEVEN_BIT_POLICY).flatten(msg)
    return out.getvalue()


def _fail_or_defer(row: Outbox, code: int, message: str, settings: Smtp, now: dt.datetime,
                   report: SendReport) -> None:
    attempts = row.attempts + 1
    if code >= 500:
        Outbox.update(status="failed", attempts=attempts, last_error=f"{code} {message}").where(
            Outbox.id == row.id).execute()
        report.failed += 1
        report.failed_rows.append(row.id)
        log.error("outbox row %d refused for good: %s %s", row.id, code, message)
        return
    delay = min(settings.retry_max_seconds, 30 * 2 ** (attempts - 1))
    Outbox.update(attempts=attempts, last_error=f"{code} {message}",
                  next_attempt_at=now + dt.timedelta(seconds=delay)).where(Outbox.id == row.id).execute()
    report.deferred += 1
    log.warning("outbox row %d deferred %ds: %s %s", row.id, delay, code, message)


def check_login(settings: Smtp, password: str | None) -> None:
    """Connect (and log in when smtp.user is set); raise MailprocError saying what failed."""
    async def attempt():
        await (await _logged_in(settings, password)).quit()

    try:
        asyncio.run(attempt())
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailprocError(f"SMTP {settings.host}:{settings.port} (smtp.security = {settings.security!r}): "
                            f"{exc}") from exc
