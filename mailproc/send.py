"""Draining the outbox over SMTP (edge: network, database).

A row is marked sent right after the server accepted it; a crash between the two is the
only way a mail goes out twice (SPEC §2). Temporary failures back off per row; a server
that cannot be reached leaves every row as it was for the next cycle.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import ssl

import aiosmtplib

from mailproc import faults
from mailproc.config import Smtp
from mailproc.errors import MailprocError
from mailproc.store.models import Outbox

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    error: str | None = None  # the server could not be reached or dropped us


def due_rows(now: dt.datetime) -> list[Outbox]:
    return list(Outbox.select().where(
        Outbox.status == "pending",
        (Outbox.next_attempt_at.is_null()) | (Outbox.next_attempt_at <= now)).order_by(Outbox.id))


def drain_outbox(settings: Smtp, password: str | None, now: dt.datetime) -> SendReport:
    rows = due_rows(now)
    report = SendReport()
    if rows:
        asyncio.run(_send_rows(settings, password, rows, now, report))
    return report


async def _logged_in(settings: Smtp, password: str | None) -> aiosmtplib.SMTP:
    """A connection to the SMTP server, logged in when smtp.user is set."""
    context = ssl.create_default_context(cafile=settings.ca_file)  # certificates are always verified
    smtp = aiosmtplib.SMTP(
        hostname=settings.host, port=settings.port, timeout=settings.timeout_seconds,
        use_tls=settings.security == "ssl", start_tls=settings.security == "starttls", tls_context=context)
    await smtp.connect()
    if settings.user:
        await smtp.login(settings.user, password or "")
    return smtp


async def _send_rows(settings: Smtp, password: str | None, rows: list[Outbox], now: dt.datetime,
                     report: SendReport) -> None:
    try:
        smtp = await _logged_in(settings, password)
    except (aiosmtplib.SMTPException, OSError) as exc:
        report.error = f"cannot send via SMTP {settings.host}:{settings.port}: {exc}"
        log.warning("%s; %d mail(s) stay in the outbox", report.error, len(rows))
        return
    try:
        for row in rows:
            if not await _send_one(smtp, row, settings, now, report):
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
        faults.checkpoint("smtp_data")
        await smtp.sendmail(row.mail_from, row.rcpt_to, row.data)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        _fail_or_defer(row, exc.recipients[0].code if exc.recipients else 550, str(exc), settings, now, report)
        return True
    except aiosmtplib.SMTPResponseException as exc:
        _fail_or_defer(row, exc.code, exc.message, settings, now, report)
        return smtp.is_connected
    except (aiosmtplib.SMTPException, OSError) as exc:
        report.error = f"SMTP connection lost: {exc}"
        log.warning("outbox row %d: %s", row.id, report.error)
        return False
    faults.checkpoint("after_accept")
    Outbox.update(status="sent", sent_at=now, attempts=row.attempts + 1, last_error="").where(
        Outbox.id == row.id).execute()
    report.sent += 1
    log.info("sent outbox row %d to %s", row.id, ", ".join(row.rcpt_to))
    return True


def _fail_or_defer(row: Outbox, code: int, message: str, settings: Smtp, now: dt.datetime,
                   report: SendReport) -> None:
    attempts = row.attempts + 1
    if code >= 500:
        Outbox.update(status="failed", attempts=attempts, last_error=f"{code} {message}").where(
            Outbox.id == row.id).execute()
        report.failed += 1
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
