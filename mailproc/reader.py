"""Reading a mail (parse, judge its attachments, cut quotes, find the account ID) in a worker
process that is killed when the mail takes longer than `[limits].mail_seconds`.

Why a process: the slow part may be a regular expression or Pillow running in C, which no
signal interrupts. One worker is started when the first mail of a cycle comes and serves the
mails after it; after a kill or a crash the next mail gets a fresh one. Only pure work goes
there: the database stays with the caller. More workers later are more MailReaders.

Workers are forked from multiprocessing's fork server (started once, with this module
loaded), not from the caller: a worker forked from the caller would inherit its open files,
the database and the poll lock among them, and keep that lock after the caller was killed.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.connection
import signal

from mailproc.errors import DeskError
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


_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])


class MailReader:
    """One worker process reading mails one at a time, each within `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._process: multiprocessing.Process | None = None
        self._conn: multiprocessing.connection.Connection | None = None

    def __enter__(self) -> "MailReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, raw: RawMail, limits: AttachmentLimits, id_patterns: tuple[str, ...]) -> Reading:
        conn = self._start()
        try:
            conn.send((raw, limits, tuple(id_patterns)))
            if not conn.poll(self.seconds):
                self._stop(signal.SIGKILL)
                raise TooSlow(f"took longer than {self.seconds:g} s to read and judge (limits.mail_seconds)")
            status, value = conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise ReaderDied(f"the process reading it died ({self._stop(signal.SIGKILL)}): "
                             "the mail crashes the reader (or the system killed it for memory)") from None
        if status == "error":
            raise Unreadable(value)
        return value

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)  # the worker ends its loop
            except OSError:
                pass
        self._stop(None)

    def _start(self) -> multiprocessing.connection.Connection:
        if self._process is None or not self._process.is_alive():
            self._stop(signal.SIGKILL)
            try:
                self._conn, child = _CONTEXT.Pipe()
                self._process = _CONTEXT.Process(target=_serve, args=(child,), name="mailproc-reader", daemon=True)
                self._process.start()
            except Exception as exc:
                self._process = None
                raise ReaderUnavailable(f"cannot start the process that reads mail: {exc}") from exc
            child.close()
        return self._conn

    def _stop(self, sig: int | None) -> str:
        """End the worker (killed with `sig`, else waited for); how it ended."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is None:
            return "not running"
        if sig is not None and process.is_alive():
            process.kill()
        process.join(5)
        code = process.exitcode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"


def _serve(conn: multiprocessing.connection.Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it lets the mail finish
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while (request := conn.recv()) is not None:
        try:
            reply = ("ok", read_mail(*request))
        except Exception as exc:  # the mail's fault: the caller quarantines it with this reason
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)
