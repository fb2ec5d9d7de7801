"""`mailproc run` (edge: clock, signals): poll on a schedule, reload the config when it changes.

A SIGTERM/SIGINT lets the mail in hand finish, then the loop ends. An edited config or
edited templates are picked up without a restart; invalid ones (a template that fails its
check included) are reported and the running ones kept.
"""
from __future__ import annotations

import logging
import signal
import time
from typing import Callable

import schedule

from mailproc.cycle import run_cycle
from mailproc.errors import ConfigError, MailprocError
from mailproc.desk import Desk

log = logging.getLogger(__name__)


class Daemon:
    def __init__(self, load_desk: Callable[[], Desk]):
        self.load_desk = load_desk
        self.desk = load_desk()
        self.stopping = False
        self.smtp_failures = 0
        self.next_send_at = 0.0
        self._config_mtime = self._mtime()

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

    def reload_if_changed(self) -> None:
        mtime = self._mtime()
        if mtime == self._config_mtime:
            return
        self._config_mtime = mtime
        try:
            desk = self.load_desk()
        except ConfigError as exc:
            log.error("config %s or its templates are invalid, keeping the running ones:\n%s",
                      self.desk.settings.source, exc)
            return
        self.desk = desk
        self._schedule()
        log.info("config reloaded from %s", desk.settings.source)

    def cycle(self) -> None:
        self.reload_if_changed()
        send_now = time.monotonic() >= self.next_send_at
        try:
            report = run_cycle(self.desk, stop=lambda: self.stopping, send_outbox=send_now)
        except MailprocError as exc:  # IMAP unreachable, another poller busy: said plainly, retried
            log.warning("poll cycle skipped: %s", exc)
            return
        except Exception:  # the daemon's one broad except: a failed cycle must not end the service
            log.exception("poll cycle failed; retrying in %ss", self.desk.settings.mailbox.poll_seconds)
            return
        log.info("cycle: %s", report)
        if report.send and report.send.error:
            self.smtp_failures += 1
            pause = min(self.desk.settings.smtp.retry_max_seconds, 15 * 2 ** self.smtp_failures)
            self.next_send_at = time.monotonic() + pause
            log.warning("SMTP unavailable %d time(s) in a row: next send attempt in %ds", self.smtp_failures, pause)
        elif report.send:
            self.smtp_failures = 0

    def _schedule(self) -> None:
        schedule.clear()
        schedule.every(self.desk.settings.mailbox.poll_seconds).seconds.do(self.cycle)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self._schedule()
        self.cycle()
        while not self.stopping:
            schedule.run_pending()
            time.sleep(0.2)
        schedule.clear()
        log.info("stopped")
        return 0
