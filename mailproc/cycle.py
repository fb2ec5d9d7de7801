"""One poll cycle (edge: IMAP, SMTP, database): fetch new mail, process it, move it, send.

Order matters for "never a lost mail": a mail is moved out of the polled folder only
after its effects are committed; the outbox is sent after the mail that filled it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import pathlib
from typing import Callable, Iterator

from mailproc import escalate, faults, fetch, send
from mailproc.desk import Desk
from mailproc.errors import MailprocError
from mailproc.pipeline import process_mail
from mailproc.reader import MailReader
from mailproc.store import record

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class CycleReport:
    recorded: int = 0
    duplicate: int = 0
    quarantined: int = 0
    escalations: int = 0
    send: send.SendReport | None = None

    def __str__(self) -> str:
        sent = self.send or send.SendReport()
        text = (f"{self.recorded} recorded, {self.duplicate} duplicate(s), {self.quarantined} quarantined, "
                f"{self.escalations} escalation(s); "
                f"{sent.sent} sent, {sent.deferred} deferred, {sent.failed} failed")
        return text + (f"; {sent.error}" if sent.error else "")


def poll_mailbox(desk: Desk, stop: Callable[[], bool] = lambda: False) -> CycleReport:
    """Process every new mail of the polled folder; returns early (between mails) when `stop()`."""
    mb = desk.settings.mailbox
    report = CycleReport()
    with fetch.connect(mb, desk.secrets.imap_password) as imap, MailReader(desk.settings.limits.mail_seconds) as reader:
        for folder in (mb.processed_folder, mb.quarantine_folder):
            imap.ensure_folder(folder)
        uidvalidity = imap.select(mb.folder)
        state = record.folder_state(mb.folder, uidvalidity)
        _move_leftovers(imap, desk, uidvalidity, state.last_uid)
        new_uids = imap.uids(state.last_uid + 1)
        for batch in batches(imap.sizes(new_uids), mb.batch_size, MAX_BATCH_BYTES):
            for raw in imap.fetch(mb.folder, uidvalidity, batch):
                if stop():
                    return report
                faults.checkpoint("after_fetch")
                outcome = process_mail(desk, raw, reader)
                setattr(report, outcome.status, getattr(report, outcome.status) + 1)
                faults.checkpoint("before_move")
                imap.move([raw.uid], outcome.folder)
    return report


MAX_BATCH_BYTES = 64 * 2**20  # a backlog of mails with 25 MB attachments must not be fetched 50 at a time


def batches(sizes: list[tuple[int, int]], max_count: int, max_bytes: int) -> list[list[int]]:
    """UIDs in order, grouped so a batch holds at most max_count mails and max_bytes (a bigger
    mail travels alone)."""
    groups: list[list[int]] = []
    total = 0
    for uid, size in sizes:
        if not groups or len(groups[-1]) >= max_count or total + size > max_bytes:
            groups.append([])
            total = 0
        groups[-1].append(uid)
        total += size
    return groups


def _move_leftovers(imap: fetch.ImapSession, desk: Desk, uidvalidity: int, last_uid: int) -> None:
    """Mail committed in an earlier cycle that died before moving it: move it now."""
    if last_uid < 1:
        return
    leftovers = imap.uids(1, last_uid)
    if leftovers:
        mb = desk.settings.mailbox
        poison = record.quarantined_uids(mb.folder, uidvalidity)
        imap.move([u for u in leftovers if u in poison], mb.quarantine_folder)
        imap.move([u for u in leftovers if u not in poison], mb.processed_folder)
        log.info("moved %d mail(s) processed in an earlier cycle", len(leftovers))


def run_cycle(desk: Desk, stop: Callable[[], bool] = lambda: False, send_outbox: bool = True) -> CycleReport:
    """Poll, check deadlines, then send. Escalations and mail already in the outbox go out even
    when IMAP is unreachable."""
    def drain():
        return send.drain_outbox(desk.settings.smtp, desk.secrets.smtp_password, desk.clock()) if send_outbox else None

    with one_poller(desk.settings.database.path):
        try:
            report = poll_mailbox(desk, stop)
        except fetch.ImapError:
            escalate.escalate(desk)
            drain()
            raise
        report.escalations = escalate.escalate(desk).sent
        report.send = drain()
    return report


class BusyError(MailprocError):
    pass


@contextlib.contextmanager
def one_poller(database: pathlib.Path) -> Iterator[None]:
    """One cycle at a time per database: a `poll` run by hand beside `run` would fetch the same
    mail twice (the second would be refused as a duplicate, but only after both did the work)."""
    lock_path = database.with_name(database.name + ".lock")
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"another mailproc process is polling this desk ({lock_path}); "
                            "this cycle is skipped, try again later") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
