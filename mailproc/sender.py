"""Sending the outbox while a cycle polls (edge: a process, SMTP, the database).

A poll commits each mail's replies with its ticket, one mail after the other. The sender sends
them meanwhile, as they are committed, over `smtp.connections` connections at once: the poll's
process neither waits on the SMTP server nor spends its CPU on sending, and the cycle still ends
with its own drain of the outbox (mailproc.cycle), which finds little or nothing left. The sender
is started when a poll finds new mail, from the fork server (mailproc.forkserver); one that cannot
be started, or dies, leaves its mail to that drain.

Every row still goes out at most once, crashes aside (send.py): on PostgreSQL each connection
claims its row (claims.outbox_row) on a database connection of its own (a thread each: peewee
keeps a connection per thread); on SQLite, where rows are not claimed, the sender holds the outbox
lock (db.outbox_lock) while it runs and hands each row to one connection. The mail of one ticket
always goes to the same connection, in the order it was written.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import logging
import multiprocessing.connection
import multiprocessing.process
import os
import queue
import signal
import threading
from typing import Callable

from mailproc import faults, logs, send
from mailproc.config import Database, Smtp
from mailproc.desk import Desk
from mailproc.forkserver import CONTEXT
from mailproc.store import db
from mailproc.store.models import Outbox, database

log = logging.getLogger(__name__)

SCAN_SECONDS = 0.05  # how often the sender looks for newly committed rows while the poll goes on
IDLE_SECONDS = 10.0  # a connection with nothing to send this long is closed: servers drop idle clients
FINISH = "finish"  # the poll committed all it will: send that, then end
_END = object()  # in a connection's queue of rows: no more rows


@dataclasses.dataclass(frozen=True)
class _Job:
    smtp: Smtp
    smtp_password: str | None
    place: Database
    environ: dict[str, str]  # the database's password variable, when it is set
    skew: dt.timedelta  # the desk's clock minus this machine's
    poll_pid: int
    logging: tuple[int, bool] | None  # how the poll logs (logs.configure)


class OutboxSender:
    """The poll's side of the sender: `start` when mail comes (once a cycle; again does nothing),
    `finish` at the end of the poll, `close` when the cycle ends otherwise. Not `enabled`: never
    started (the cycle sends nothing)."""

    def __init__(self, desk: Desk, enabled: bool = True):
        self.desk = desk
        self.enabled = enabled
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: multiprocessing.connection.Connection | None = None

    def __enter__(self) -> "OutboxSender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if not self.enabled:
            return
        self.enabled = False
        place = self.desk.settings.database
        password = os.environ.get(place.password_env)
        job = _Job(smtp=self.desk.settings.smtp, smtp_password=self.desk.secrets.smtp_password, place=place,
                   environ={place.password_env: password} if password else {},
                   skew=self.desk.clock() - dt.datetime.now(dt.timezone.utc), poll_pid=os.getpid(),
                   logging=logs.configured())
        try:
            self.conn, child = CONTEXT.Pipe()
            process = CONTEXT.Process(target=_serve, args=(child, job), name="mailproc-sender", daemon=True)
            process.start()
        except Exception as exc:  # whatever keeps it from starting (no memory, no fork server)
            log.warning("cannot start the process that sends mail while polling (%s): the mail goes out at the "
                        "end of the cycle", exc)
            self.close()
            return
        child.close()
        self.process = process
        log.debug("sending while polling: process %d", process.pid)

    def finish(self) -> send.SendReport | None:
        """Tell the sender the poll committed all it will, and wait until it has sent that: what it
        sent, or None when it never started or ended without saying (the cycle sends what it left)."""
        if self.process is None or self.conn is None:
            return None
        try:
            with contextlib.suppress(OSError):  # ended by itself (no connection could be made): its answer waits
                self.conn.send(FINISH)
            answer = self.conn.recv()
        except (EOFError, OSError):
            answer = None
        self.close()
        self.process.join()
        if isinstance(answer, send.SendReport):
            return answer
        code = self.process.exitcode
        how = f"was killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited ({code})"
        log.warning("the process sending mail while polling %s: the cycle sends the mail it left", answer or how)
        return None

    def close(self) -> None:
        """The sender, unless finished, ends after the rows in hand; nothing waits for it."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _serve(conn: multiprocessing.connection.Connection, job: _Job) -> None:
    # Only the poll ends it (FINISH, or the poll's end of the pipe closing): a SIGTERM or Ctrl-C
    # meant for the desk must not cut a mail between the server's acceptance and its marking.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    faults.kill_with(job.poll_pid)
    if job.logging is not None:
        logs.configure(*job.logging)
    answer: send.SendReport | str
    try:
        database.initialize(db.connect(job.place, job.environ, prompt=True))
        with db.outbox_lock(job.place):
            answer = _send_while_polling(conn, job)
    except Exception as exc:  # e.g. the database cannot be reached: the poll's drain sends instead
        answer = f"stopped ({type(exc).__name__}: {exc})"
    with contextlib.suppress(OSError):
        conn.send(answer)


def _send_while_polling(conn: multiprocessing.connection.Connection, job: _Job) -> send.SendReport:
    def clock() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + job.skew

    connections = [_Connection(job, clock, n) for n in range(job.smtp.connections)]
    finished = False
    try:
        finished = _feed(conn, connections, clock)
    finally:
        for connection in connections:
            connection.end(drop=not finished)  # the poll gone (or this failed): the rows in hand are sent, no others
    total = send.SendReport()
    for connection in connections:
        total.add(connection.report)
    return total


def _feed(conn: multiprocessing.connection.Connection, connections: list[_Connection],
          clock: Callable[[], dt.datetime]) -> bool:
    """Hand each due row to a connection as the poll commits it, until the poll says it committed
    all and that is handed over, or no connection is left (True); False: the poll is gone.

    The mail of one ticket goes through one connection, so it arrives in the order it was
    written (a client's two answers, a notification and its follow-up); a row whose connection
    failed is left to the poll's drain, which sends in that order too."""
    after, finishing = 0, False
    while True:
        for row in send.due_rows(clock(), after):
            after = row.id
            key = row.ticket_id or hash(tuple(row.rcpt_to))
            connections[key % len(connections)].hand_over(row)
        if finishing or not any(connection.alive for connection in connections):
            return True
        if conn.poll(SCAN_SECONDS):
            try:
                conn.recv()
            except EOFError:
                return False
            finishing = True


class _Connection:
    """One SMTP connection in a thread of its own, with the rows queued for it: opened when a row
    comes, closed after IDLE_SECONDS without one. It ends when the server cannot be reached or
    drops it (`report.error`), leaving its row pending. Its database connection is its own too
    (peewee keeps one per thread): on PostgreSQL its claim holds a transaction across the send."""

    def __init__(self, job: _Job, clock: Callable[[], dt.datetime], number: int):
        self.rows: queue.Queue = queue.Queue(maxsize=2)  # rows carry their mail: a few at a time
        self.report = send.SendReport()
        self.ended = False
        self.thread = threading.Thread(target=self._run, args=(job, clock), name=f"smtp-{number}")
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def hand_over(self, item: object) -> bool:
        """Queue `item` once there is room; False when the connection has ended."""
        while self.alive:
            try:
                self.rows.put(item, timeout=SCAN_SECONDS)
                return True
            except queue.Full:
                pass
        return False

    def end(self, drop: bool) -> None:
        """Send the rows queued (unless `drop`), then end; wait for it."""
        if drop:
            with contextlib.suppress(queue.Empty):
                while True:
                    self.rows.get_nowait()
        self.hand_over(_END)
        self.thread.join()

    def _next(self, seconds: float | None = None) -> Outbox | None:
        """The next row; None at the end or after `seconds` without one."""
        try:
            row = self.rows.get(timeout=seconds)
        except queue.Empty:
            return None
        if row is _END:
            self.ended = True
            return None
        return row

    def _run(self, job: _Job, clock: Callable[[], dt.datetime]) -> None:
        try:
            while not (self.report.error or self.ended) and (row := self._next()) is not None:
                later = iter(lambda: self._next(IDLE_SECONDS), None)
                send.send_rows(job.smtp, job.smtp_password, itertools.chain([row], later), clock, self.report)
        except Exception as exc:  # the database failed: the rows left are the poll's drain's
            log.error("sending while polling stopped: %s: %s", type(exc).__name__, exc)
            self.report.error = f"{type(exc).__name__}: {exc}"
        finally:
            database.close()
