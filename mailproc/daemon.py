"""`mailproc run` (edge: clock, signals): poll on a schedule, reload the config when it changes.

With `[mailbox].idle` and a server that offers IDLE, one connection is kept and `run` waits in
IMAP IDLE between cycles: new mail starts a cycle as it arrives. The scheduled cycle (every
`poll_seconds`: deadlines, the outbox, a poll) and the retries after an outage keep their own
times: the wait in IDLE ends when the next of them is due, a signal ends it at once.

A SIGTERM/SIGINT lets the mail in hand finish, then the loop ends. An edited config or
edited templates are picked up without a restart (or at once on SIGHUP); invalid ones (a
template that fails its check included) are reported and the running ones kept. An IMAP
or SMTP server that is away is retried with exponential backoff and jitter, and said once
when the outage starts and once when it ends.

On PostgreSQL several `run` processes may share a desk: the one holding the mailbox's poller
lock polls; the others are standbys that send, check deadlines and ask for the lock every
LOCK_RETRY_SECONDS, so one takes over within that time when the poller dies.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import select
import signal
import socket
import time
from typing import Callable

import schedule

from mailproc import fetch, status
from mailproc.cycle import LostDatabaseError, run_cycle
from mailproc.errors import ConfigError, MailprocError
from mailproc.desk import Desk

log = logging.getLogger(__name__)

IDLE_REFRESH_SECONDS = 300  # IDLE re-issued this often: servers may log off a client idle for 30 minutes (RFC 2177)
RECONNECT_SECONDS = 2  # first pause before reconnecting a kept connection that was lost
LOCK_RETRY_SECONDS = 5  # a standby worker (PostgreSQL) asks for the poller's lock this often


def backoff(failures: int, base: float, cap: float) -> float:
    """Seconds to wait after `failures` failed attempts in a row: doubling from `base` up to
    `cap`, drawn from its upper half so that desks restarted together do not retry in step."""
    return min(cap, base * 2 ** (failures - 1)) * random.uniform(0.5, 1.0)


class Outage:
    """One server's availability as the daemon sees it."""

    def __init__(self, server: str):
        self.server = server
        self.failures = 0
        self.since: float | None = None
        self.retry_at = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: str, base: float, cap: float) -> None:
        self.failures += 1
        now = time.monotonic()
        if self.since is None:
            self.since = now
            log.warning("%s unavailable: %s; retrying with backoff (at most every %ds) until it is back",
                        self.server, error, cap)
        else:
            log.debug("%s still unavailable (%d attempts): %s", self.server, self.failures, error)
        self.retry_at = now + backoff(self.failures, base, cap)

    def worked(self) -> None:
        if self.since is not None:
            log.info("%s back after %ds (%d failed attempt(s))", self.server,
                     round(time.monotonic() - self.since), self.failures)
        self.failures, self.since, self.retry_at = 0, None, 0.0


class Daemon:
    def __init__(self, load_desks: Callable[[], tuple[Desk, ...]], resume_numbering: bool = False):
        self.load_desks = load_desks
        self.desks = load_desks()
        self.resume_numbering = resume_numbering
        self.stopping = False
        self.reload_requested = False
        self.exit_code = 0
        self.imap: dict[str, Outage] = {}  # by mailbox: one that is away does not hold the others back
        self.smtp = Outage("SMTP")
        self._config_mtime = self._mtime()
        self.kept = self._kept_session()
        self._idle_since_connected: fetch.ImapSession | None = None  # said once per connection
        self.reconnect_now = False
        self.standby: dict[str, str] = {}  # mailbox -> what holds its poller's lock: another worker polls it

    @property
    def desk(self) -> Desk:
        """The first mailbox's desk: its settings hold what every mailbox shares (config file, SMTP)."""
        return self.desks[0]

    def _imap(self, desk: Desk) -> Outage:
        name = "IMAP" if len(self.desks) == 1 else f"IMAP of mailbox {desk.mailbox}"
        return self.imap.setdefault(desk.mailbox, Outage(name))

    def _kept_session(self) -> fetch.KeptSession | None:
        """The connection kept between cycles to wait in IDLE; None: a connection per cycle (and
        per mailbox, when there are several: they are polled every poll_seconds)."""
        settings = self.desk.settings.mailbox
        idle = settings.idle and len(self.desks) == 1
        return fetch.KeptSession(settings, self.desk.secrets.imap_password) if idle else None

    def _close_kept(self) -> None:
        if self.kept is not None:
            self.kept.close()

    def _mtime(self) -> tuple:
        """Changes when the config file or any file under the templates directory changes."""
        settings = self.desk.settings
        paths = [settings.source, *sorted(settings.templates.directory.glob("*/**/*.j2"))]
        stamps = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                stat = None
            stamps.append((str(path), stat and stat.st_mtime_ns, stat and stat.st_size))
        return tuple(stamps)

    def stop(self, *_args) -> None:
        log.info("stop requested: finishing the mail in hand")
        self.stopping = True

    def request_reload(self, *_args) -> None:
        self.reload_requested = True  # acted on between cycles, never inside one

    def reload_if_changed(self) -> None:
        mtime = self._mtime()
        if mtime == self._config_mtime and not self.reload_requested:
            return
        if self.reload_requested:
            log.info("SIGHUP: reloading the config")
        self._config_mtime, self.reload_requested = mtime, False
        try:
            desks = self.load_desks()
        except ConfigError as exc:
            log.error("config %s or its templates are invalid, keeping the running ones:\n%s",
                      self.desk.settings.source, exc)
            return
        self.desks = desks
        self._close_kept()  # the mailbox settings may have changed
        self.kept = self._kept_session()
        self.reconnect_now = self.kept is not None  # not at the next scheduled cycle
        self._schedule()
        log.info("config reloaded from %s", self.desk.settings.source)

    def cycle(self) -> None:
        self.reload_if_changed()
        settings = self.desk.settings
        waiting = {desk.mailbox for desk in self.desks if not self._imap(desk).due()}
        poll, send = len(waiting) < len(self.desks), self.smtp.due()
        try:
            report = run_cycle(self.desks, stop=lambda: self.stopping, send_outbox=send, poll=poll,
                               resume_numbering=self.resume_numbering, connection=self.kept and self.kept.use,
                               skip=waiting, standby=True)
        except LostDatabaseError as exc:  # polling on would reuse ticket numbers: the admin must act
            log.error("%s", exc)
            self.exit_code, self.stopping = 1, True
            return
        except MailprocError as exc:  # another poller busy: said plainly, retried
            log.warning("poll cycle skipped: %s", exc)
            return
        except Exception as exc:  # the daemon's one broad except: a failed cycle must not end the service
            log.exception("poll cycle failed; retrying in %ss", settings.mailbox.poll_seconds)
            status.note_cycle(settings, dt.datetime.now(dt.timezone.utc), polled=True,
                              poll_error=f"{type(exc).__name__}: {exc}", send=None)
            return
        self._note_standby(report.standby)
        waiting |= report.standby.keys()  # polled by another worker: neither worked nor failed here
        poll = len(waiting) < len(self.desks)
        status.note_cycle(settings, dt.datetime.now(dt.timezone.utc), polled=poll, poll_error=report.imap_error,
                          send=report.send)
        for desk in self.desks if poll else ():
            mailbox = desk.settings.mailbox
            if desk.mailbox in report.imap_errors:
                self._close_kept()
                base = min(RECONNECT_SECONDS, mailbox.poll_seconds) if self.kept else mailbox.poll_seconds
                self._imap(desk).failed(report.imap_errors[desk.mailbox], base, mailbox.retry_max_seconds)
            elif desk.mailbox not in waiting:
                self._imap(desk).worked()
        if poll and not report.imap_error and not waiting:
            self.resume_numbering = False
        if report.send and report.send.error:
            self.smtp.failed(report.send.error, settings.mailbox.poll_seconds, settings.smtp.retry_max_seconds)
        elif report.send and (report.send.sent or report.send.deferred or report.send.failed):
            # the server answered (an empty outbox proves nothing either way)
            self.smtp.worked()
        if self.kept and not self.kept.can_idle:  # no IDLE to wait in: polled, a connection per cycle
            self.kept.close()
        log.log(logging.DEBUG if report.idle else logging.INFO, "cycle: %s", report)

    def _note_standby(self, busy: dict[str, str]) -> None:
        for mailbox in busy.keys() - self.standby.keys():
            log.info("another worker polls the mailbox %s (%s): this one sends and checks deadlines, and asks "
                     "for the lock every %ds to take over when that worker stops", mailbox, busy[mailbox],
                     LOCK_RETRY_SECONDS)
        for mailbox in self.standby.keys() - busy.keys():
            log.info("polling the mailbox %s: the poller's lock is this worker's now", mailbox)
        self.standby = busy

    def _schedule(self) -> None:
        schedule.clear()
        poll_seconds = min(desk.settings.mailbox.poll_seconds for desk in self.desks)
        schedule.every(poll_seconds).seconds.do(self.cycle)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGHUP, self.request_reload)
        wakeup, signalled = socket.socketpair()  # a signal makes `wakeup` readable: it ends any wait at once
        for end in (wakeup, signalled):
            end.setblocking(False)
        previous_fd = signal.set_wakeup_fd(signalled.fileno())
        try:
            self._schedule()
            self.cycle()
            while not self.stopping:
                if self.reload_requested:
                    self.reload_if_changed()
                schedule.run_pending()
                if not self.stopping:
                    self._wait(wakeup)
        finally:
            signal.set_wakeup_fd(previous_fd)
            wakeup.close()
            signalled.close()
            self._close_kept()
            schedule.clear()
        log.info("stopped")
        return self.exit_code

    def _wait(self, wakeup: socket.socket) -> None:
        """Until the next scheduled cycle: in IDLE on the kept connection when there is one (new
        mail or a retry due after an outage runs a cycle at once), else asleep."""
        seconds = schedule.idle_seconds()
        seconds = 0.0 if seconds is None else max(0.0, seconds)
        now = time.monotonic()
        retries = [o.retry_at - now for o in (*self.imap.values(), self.smtp) if self.kept and o.retry_at > now]
        if self.standby:
            retries.append(LOCK_RETRY_SECONDS)
        retry = min(retries) if retries else None
        if retry is not None and retry < seconds:
            if not _asleep(wakeup, retry):
                self.cycle()
            return
        if self.reconnect_now:
            self.reconnect_now = False
            self.cycle()
            return
        session = self.kept and self.kept.session
        if session is None or session.broken or not session.can_idle:
            _asleep(wakeup, seconds)
            return
        if session is not self._idle_since_connected:
            log.info("waiting for new mail in IMAP IDLE on %s (a cycle still every %ds)",
                     session.folder, self.desk.settings.mailbox.poll_seconds)
            self._idle_since_connected = session
        try:
            spoke = session.idle(min(seconds, IDLE_REFRESH_SECONDS), wakeup)
        except fetch.ImapError as exc:
            log.info("%s; reconnecting", exc)
            spoke = True  # the cycle reconnects (or says the outage and backs off)
        _drain(wakeup)
        if spoke and not self.stopping:
            self.cycle()


def _asleep(wakeup: socket.socket, seconds: float) -> bool:
    """Sleep `seconds` unless a signal comes first; True when one did."""
    woken = bool(select.select([wakeup], [], [], seconds)[0])
    _drain(wakeup)
    return woken


def _drain(wakeup: socket.socket) -> None:
    try:
        while wakeup.recv(512):
            pass
    except BlockingIOError:
        pass
