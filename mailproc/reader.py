"""Reading a mail (parse, judge its attachments, cut quotes, find the account ID) in a worker
process that is killed when the mail takes longer than `[limits].mail_seconds`.

Why a process: the slow part may be a regular expression or Pillow running in C, which no
signal interrupts. Two workers (both cores) are started when the first mail of a cycle comes
and serve the mails after it, each reading the next expected mail while the caller records
the one before; after a kill or a crash the next mail gets a fresh worker. Only pure work goes
there: the database stays with the caller.

Workers are forked from the fork server (mailproc.forkserver), never from the caller.
"""
from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing.connection
import signal
import time

from mailproc.errors import DeskError
from mailproc.forkserver import CONTEXT
from mailproc.mail import InboundMail, RawMail
from mailproc.parse import quotes
from mailproc.parse.account import find_account_id
from mailproc.defaults import AttachmentLimits
from mailproc.parse.attachments import judge_all
from mailproc.parse.message import parse_mail


@dataclasses.dataclass(frozen=True, slots=True)
class Reading:
    """What the content of one mail says, before the database is asked anything."""

    mail: InboundMail  # attachments judged
    new_text: str  # quotes and signature cut (quotes.new_text)
    new_text_signed: str  # quotes cut, signature kept: for agents when support.keep_agent_signature
    account_id: str | None  # named in the subject or text


def read_mail(raw: RawMail, limits: AttachmentLimits, id_patterns: tuple[str, ...]) -> Reading:
    """The pure work on one mail; run here or in the worker, it gives the same Reading."""
    mail = parse_mail(raw)
    mail = dataclasses.replace(mail, attachments=judge_all(mail.attachments, limits))
    return Reading(mail=mail, new_text=quotes.new_text(mail.text),
                   new_text_signed=quotes.new_text(mail.text, strip_signature=False),
                   account_id=find_account_id(mail.subject, mail.text, id_patterns))


class Unreadable(Exception):
    """The mail could not be read; str() is the whole reason shown to agents."""


class TooSlow(Unreadable):
    pass


class ReaderDied(Unreadable):
    pass


class ReaderUnavailable(DeskError):
    """The worker could not be started: the desk's failure, not the mail's."""


class _Worker:
    """One process reading one mail at a time; `job` is the key of the mail it reads, None when idle."""

    def __init__(self) -> None:
        try:
            self.conn, child = CONTEXT.Pipe()
            self.process = CONTEXT.Process(target=_serve, args=(child,), name="mailproc-reader", daemon=True)
            self.process.start()
        except Exception as exc:
            raise ReaderUnavailable(f"cannot start the process that reads mail: {exc}") from exc
        child.close()
        self.job: tuple | None = None
        self.deadline = 0.0

    def send(self, key: tuple, request: tuple, seconds: float) -> None:
        self.conn.send(request)
        self.job, self.deadline = key, time.monotonic() + seconds

    def receive(self, seconds: float) -> tuple[str, object]:
        """The reply to the job, waiting until its deadline; ("dead", why) or ("slow", "") when there is none."""
        try:
            if not self.conn.poll(max(0.0, self.deadline - time.monotonic())):
                self.stop(signal.SIGKILL)
                return "slow", f"took longer than {seconds:g} s to read and judge (limits.mail_seconds)"
            return self.conn.recv()
        except (EOFError, OSError):
            return "dead", (f"the process reading it died ({self.stop(signal.SIGKILL)}): "
                            "the mail crashes the reader (or the system killed it for memory)")
        finally:
            self.job = None

    def ready(self) -> bool:
        try:
            return self.conn.poll(0)
        except OSError:
            return True  # receive() says how it died

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)  # the worker ends its loop
        self.stop(None)

    def stop(self, sig: int | None) -> str:
        """End the worker (killed with `sig`, else waited for); how it ended."""
        self.conn.close()
        if sig is not None and self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        code = self.process.exitcode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"


def _key(raw: RawMail) -> tuple:
    return raw.folder, raw.uidvalidity, raw.uid


class MailReader:
    """`workers` processes reading mails, each mail within `seconds` of being handed over. Mails
    announced with `expect` are read ahead, in order, while the caller records the one before."""

    def __init__(self, seconds: float, workers: int = 2) -> None:
        self.seconds = seconds
        self.size = workers
        self.workers: list[_Worker] = []
        self._queue: list[tuple[tuple, tuple]] = []  # (key, request) in the expected order, not yet handed over
        self._done: dict[tuple, tuple[str, object]] = {}  # replies not yet asked for
        self._wanted: set[tuple] = set()  # keys whose reply is still to be asked for

    def __enter__(self) -> "MailReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def expect(self, raws: list[RawMail], limits: AttachmentLimits, id_patterns: tuple[str, ...]) -> None:
        """These mails will be read in this order: the workers start on them at the first `read`."""
        self._queue = [(_key(raw), (raw, limits, tuple(id_patterns))) for raw in raws]
        self._wanted = {key for key, _ in self._queue}
        self._done = {}

    def read(self, raw: RawMail, limits: AttachmentLimits, id_patterns: tuple[str, ...]) -> Reading:
        key = _key(raw)
        keys = [k for k, _ in self._queue]
        if key in keys:  # mails expected before it were never asked for (duplicates): not read
            for skipped, _ in self._queue[:keys.index(key)]:
                self._wanted.discard(skipped)
                self._done.pop(skipped, None)
            del self._queue[:keys.index(key)]
        elif key not in self._done and all(w.job != key for w in self.workers):
            self._queue.insert(0, (key, (raw, limits, tuple(id_patterns))))
        self._wanted.add(key)
        while key not in self._done:
            self._dispatch(key)
            busy = [w for w in self.workers if w.job is not None]
            if key not in self._done and busy:
                worker = next((w for w in busy if w.job == key), min(busy, key=lambda w: w.deadline))
                self._take(worker)
        status, value = self._done.pop(key)
        self._wanted.discard(key)
        with contextlib.suppress(ReaderUnavailable):  # said by the next read, for the mail it concerns
            self._dispatch(None)  # the next mails are read while the caller records this one
        if status == "ok":
            return value  # type: ignore[return-value]
        raise {"slow": TooSlow, "dead": ReaderDied}.get(status, Unreadable)(value)

    def _take(self, worker: _Worker) -> None:
        key = worker.job
        reply = worker.receive(self.seconds)
        if key in self._wanted:
            self._done[key] = reply

    def _dispatch(self, asked: tuple | None) -> None:
        """Collect finished replies, drop ended workers, and hand queued mails to idle ones: the
        mail asked for always, others while fewer replies than workers wait (bounded memory)."""
        for worker in self.workers:
            if worker.job is not None and worker.ready():
                self._take(worker)
        self.workers = [w for w in self.workers if w.job is not None or w.process.is_alive()]
        while self._queue and (self._queue[0][0] == asked or len(self._done) < self.size):
            worker = next((w for w in self.workers if w.job is None), None)
            if worker is None:
                if len(self.workers) >= self.size:
                    return
                worker = _Worker()
                self.workers.append(worker)
            key, request = self._queue.pop(0)
            worker.send(key, request, self.seconds)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []


def _serve(conn: multiprocessing.connection.Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it lets the mail finish
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while (request := conn.recv()) is not None:
        try:
            reply = ("ok", read_mail(*request))
        except Exception as exc:  # the mail's fault: the caller quarantines it with this reason
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)
