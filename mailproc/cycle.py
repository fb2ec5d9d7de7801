"""One poll cycle (edge: IMAP, SMTP, database): fetch new mail, process it, move it, send.

Order matters for "never a lost mail": a mail is moved out of the polled folder only
after its effects are committed; the outbox is sent after the mail that filled it (while the
poll goes on, by the sender; what is left, at the end of the cycle).
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import pathlib
from typing import Callable, Collection, ContextManager, Iterator, Sequence

from mailproc import chase, config, escalate, faults, fetch, numbering, outbound, render, send, templating
from mailproc.desk import Desk
from mailproc.errors import MailprocError
from mailproc.pipeline import process_mail
from mailproc.reader import MailReader
from mailproc.sender import OutboxSender
from mailproc.store import db, record
from mailproc.store.models import database

log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class CycleReport:
    recorded: int = 0
    duplicate: int = 0
    quarantined: int = 0
    retry: int = 0
    escalations: int = 0
    chased: int = 0  # reminders and closings of tickets waiting on the client
    send: send.SendReport | None = None
    imap_errors: dict[str, str] = dataclasses.field(default_factory=dict)  # mailbox -> why it could not be read
    # mailbox -> what holds its poller's lock: another worker polls it (PostgreSQL), not polled here
    standby: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def imap_error(self) -> str | None:
        """Why mail could not be read (unreachable, connection lost), for every mailbox that failed."""
        return "; ".join(self.imap_errors.values()) or None

    @property
    def idle(self) -> bool:
        """Nothing received, escalated or sent: the daemon need not say anything."""
        sent = self.send or send.SendReport()
        return not any((self.recorded, self.duplicate, self.quarantined, self.retry, self.escalations, self.chased,
                        sent.sent, sent.deferred, sent.failed))

    def __str__(self) -> str:
        sent = self.send or send.SendReport()
        text = (f"{self.recorded} recorded, {self.duplicate} duplicate(s), {self.quarantined} quarantined, "
                + (f"{self.retry} left for the next cycle, " if self.retry else "")
                + f"{self.escalations} escalation(s); "
                + (f"{self.chased} waiting reminder(s) or closing(s); " if self.chased else "")
                + f"{sent.sent} sent, {sent.deferred} deferred, {sent.failed} failed")
        text += f"; {sent.error}" if sent.error else ""
        return text + "".join(f"; mailbox {mailbox} polled by another worker ({holder})"
                              for mailbox, holder in self.standby.items())


Connection = Callable[[], ContextManager[fetch.ImapSession]]


def poll_mailbox(desk: Desk, report: CycleReport, stop: Callable[[], bool] = lambda: False,
                 resume_numbering: bool = False, connection: Connection | None = None,
                 sender: OutboxSender | None = None) -> None:
    """Process every new mail of the polled folder, counting into `report` (what was done before
    a lost connection counts too); returns early (between mails) when `stop()`. `connection`
    gives a session kept from an earlier cycle; by default one is opened for this cycle. The
    `sender` is started at the first new mail."""
    mb = desk.settings.mailbox
    connection = connection or (lambda: fetch.connect(mb, desk.secrets.imap_password))
    with connection() as imap, MailReader(desk.settings.limits.mail_seconds) as reader:
        if imap.folder != mb.folder:  # a new connection: checked once, then the folder stays selected
            _open_folder(imap, desk, resume_numbering)
        uids = imap.all_uids()  # a quiet poll is this one round trip
        state = record.folder_state(desk.mailbox, mb.folder, imap.uidvalidity)
        retried = _leftovers(imap, desk, imap.uidvalidity, [u for u in uids if u <= state.last_uid])
        new_uids = retried + [u for u in uids if u > state.last_uid]
        for batch in batches(imap.sizes(new_uids), mb.batch_size, MAX_BATCH_BYTES):
            raws = list(imap.fetch(mb.folder, imap.uidvalidity, batch))
            if sender is not None:
                sender.start()
            reader.expect(raws, desk.settings.attachments.limits, desk.settings.accounts.id_patterns)
            moves: dict[str, list[int]] = {}  # one MOVE per folder and batch, after every mail of it is committed
            try:
                for raw in raws:
                    if stop():
                        return
                    faults.checkpoint("after_fetch")
                    outcome = process_mail(desk, raw, reader)
                    setattr(report, outcome.status, getattr(report, outcome.status) + 1)
                    faults.checkpoint("before_move")
                    if outcome.folder != raw.folder:
                        moves.setdefault(outcome.folder, []).append(raw.uid)
            finally:  # also when stopped or a mail failed the desk: committed mail leaves the folder
                for folder, uids in moves.items():
                    if folder == mb.processed_folder:
                        record.count_moved(desk.mailbox, folder, len(uids))
                    imap.move(uids, folder)


def _open_folder(imap: fetch.ImapSession, desk: Desk, resume_numbering: bool) -> None:
    """What a new connection checks before polling: the folders exist, the database is not
    behind the mailbox (the database cannot fall behind while this process keeps using it)."""
    mb = desk.settings.mailbox
    for folder in (mb.processed_folder, mb.quarantine_folder):
        imap.ensure_folder(folder)
    if resume_numbering:
        _resume_numbering(imap, desk)
    else:
        _refuse_lost_database(imap, desk)
    imap.select(mb.folder)


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


class LostDatabaseError(MailprocError):
    """The database is behind the mailbox (lost, replaced, restored from a backup): polling would
    reuse ticket numbers already sent out."""


def _refuse_lost_database(imap: fetch.ImapSession, desk: Desk) -> None:
    """The processed folder never holds more mail than this database moved there, unless the
    database is behind it: an empty one (lost) or an older one (a restored backup)."""
    processed = desk.settings.mailbox.processed_folder
    held, moved = imap.count(processed), record.mails_moved(desk.mailbox, processed)
    if moved is None:  # a new database, or one from before the count was kept (trusted as it is)
        moved = 0 if record.is_empty_desk() else held
        record.set_mails_moved(desk.mailbox, processed, moved)
    if held < moved:  # mail archived or deleted there by hand (or a crash between count and move)
        record.set_mails_moved(desk.mailbox, processed, held)
    if held <= moved:
        return
    prefix = desk.settings.support.tag_prefix
    state = ("is empty" if record.is_empty_desk()
             else f"moved only {moved} mail(s) there: it is older than the mailbox (a restored backup?)")
    raise LostDatabaseError(
        f"the folder {processed} holds {held} processed mail(s), but the database {desk.settings.database.where} "
        f"{state}. Polling now could hand out ticket numbers ({prefix}-000001 and up) that old threads still "
        "name. Restore the last backup (README, \"Backup and restore\"), or continue with this database on "
        f"purpose with `mailproc poll --resume-numbering` (new tickets are numbered after every number "
        f"{processed} shows; the same if you moved mail into {processed} yourself).")


def _resume_numbering(imap: fetch.ImapSession, desk: Desk) -> None:
    """Number new tickets after every number the desk may have sent out: the highest tag the
    processed folder's headers name, and at least as many as it holds mails (every ticket was
    opened by a mail that ended there, so a ticket nobody answered yet is covered too)."""
    support, processed = desk.settings.support, desk.settings.mailbox.processed_folder
    imap.select(processed)
    uids = imap.all_uids()
    highest = numbering.highest_number(imap.headers(uids, numbering.HEADER_FIELDS), support.tag_prefix,
                                       support.message_id_domain, desk.secrets.token_secret)
    floor = record.set_numbering_floor(support.tag_prefix, max(highest, len(uids)), len(uids), desk.clock())
    record.set_mails_moved(desk.mailbox, processed, len(uids))
    log.warning("numbering resumed: %s holds %d mail(s) naming tags up to %s-%06d; new tickets start at %s-%06d",
                processed, len(uids), support.tag_prefix, highest, support.tag_prefix, floor + 1)


def _leftovers(imap: fetch.ImapSession, desk: Desk, uidvalidity: int, leftovers: list[int]) -> list[int]:
    """Mail at or below the folder's progress still in the folder: quarantined in an earlier cycle
    that died before moving it (moved now), else processed by a cycle that died before moving it
    or left there after a failure of the desk while mail behind it went on. Those are returned to
    be processed again: a processed one is then known and only moved, the other gets its ticket."""
    if not leftovers:
        return []
    mb = desk.settings.mailbox
    poison = record.quarantined_uids(desk.mailbox, mb.folder, uidvalidity)
    imap.move([u for u in leftovers if u in poison], mb.quarantine_folder)
    log.info("%d mail(s) left from an earlier cycle", len(leftovers))
    return [u for u in leftovers if u not in poison]


def run_cycle(desks: Desk | Sequence[Desk], stop: Callable[[], bool] = lambda: False, send_outbox: bool = True,
              poll: bool = True, resume_numbering: bool = False, connection: Connection | None = None,
              skip: Collection[str] = (), standby: bool = False) -> CycleReport:
    """Poll each mailbox in turn (but those in `skip`) and check its deadlines, then send.
    Escalations and mail already in the outbox go out even when IMAP is unreachable (the report
    then carries `imap_error`); a mailbox that cannot be read does not keep the others from being
    read. `connection`: the session kept for a desk of one mailbox. With `standby`, on PostgreSQL,
    a mailbox another worker polls is left to it (the report's `standby`) and the rest is done."""
    desks = (desks,) if isinstance(desks, Desk) else tuple(desks)
    first = desks[0]  # the SMTP server and the database are every mailbox's

    def drain(early: send.SendReport | None) -> send.SendReport:
        """What the sender sent while polling, and what it left, sent now."""
        sent = early or send.SendReport()
        if sent.error:  # the rows it could not send are tried again now: that outcome is the one to say
            log.debug("sending while polling stopped: %s", sent.error)
            sent.error = None
        with db.outbox_lock(first.settings.database):
            sent.add(send.drain_outbox(first.settings.smtp, first.secrets.smtp_password, first.clock()))
            if sum(outbound.tell_agents_undelivered(desk, sent.failed_rows, desk.clock()) for desk in desks):
                sent.add(send.drain_outbox(first.settings.smtp, first.secrets.smtp_password, first.clock()))
        return sent

    report = CycleReport()
    keys = {db.poller_key(desk.settings.mailbox): desk.mailbox for desk in desks}
    with one_poller(first.settings.database, list(keys), standby) as busy, \
            OutboxSender(first, enabled=send_outbox) as sender:
        report.standby = {keys[key]: holder for key, holder in busy.items()}
        for desk in desks:
            try:
                if poll and desk.mailbox not in skip and desk.mailbox not in report.standby:
                    poll_mailbox(desk, report, stop, resume_numbering, connection if len(desks) == 1 else None, sender)
            except fetch.ImapError as exc:
                log.debug("the IMAP error in full:", exc_info=True)  # a traceback only with -v
                report.imap_errors[desk.mailbox] = f"mailbox {desk.mailbox}: {exc}" if len(desks) > 1 else str(exc)
            report.escalations += escalate.escalate(desk).sent
            report.chased += chase.chase(desk)
            _alert_template_fallbacks(desk)
        if send_outbox:
            report.send = drain(sender.finish())
    return report


_alerted: set[pathlib.Path] = set()  # templates the agents were told about: once each while running


def _alert_template_fallbacks(desk: Desk) -> None:
    """Tell the agents about each template that failed on a mail and was replaced by the shipped one."""
    now = desk.clock()
    for fallback in templating.take_fallbacks():
        if fallback.template not in _alerted:
            alert = render.render_template_alert(desk.settings, desk.secrets.token_secret, fallback, now)
            with database.atomic():
                record.queue_outbound(None, alert, now)
            _alerted.add(fallback.template)


class BusyError(MailprocError):
    pass


def every_mailbox(settings: config.Settings) -> list[str]:
    """The poller keys of every mailbox of the desk: what a desk-wide change (copy, purge) holds."""
    return [db.poller_key(one.mailbox) for one in settings.each_mailbox()]


@contextlib.contextmanager
def one_poller(place: config.Database, keys: Sequence[str], standby: bool = False) -> Iterator[dict[str, str]]:
    """One poller at a time per mailbox (`keys`: db.poller_key of each): a second one would fetch the
    same mail twice (refused as a duplicate, but only after both did the work). Yields the keys held
    elsewhere, each with what holds it: with `standby`, on PostgreSQL, the caller works on without
    polling those (workers claim rows). Otherwise, and always on SQLite, BusyError."""
    with db.poller_lock(place, keys) as busy:
        if busy and not (standby and db.shares_work(place)):
            single = "" if db.shares_work(place) else (
                "; on SQLite one mailproc process works on a desk at a time (for several, see README, "
                "\"Running on PostgreSQL\")")
            raise BusyError(f"another mailproc process is polling this desk ({'; '.join(sorted(set(busy.values())))}); "
                            f"this cycle is skipped, try again later{single}")
        yield busy
