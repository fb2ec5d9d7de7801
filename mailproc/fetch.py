"""The IMAP side (edge): connect, read UIDVALIDITY, fetch by UID with INTERNALDATE, move.

Mail is fetched with BODY.PEEK so the server's \\Seen flag is never touched: a mail
leaves the polled folder only by being moved after its effects are committed.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import imaplib
import logging
import re
import select
import socket
import ssl
from typing import Iterator

import imap_tools
from imap_tools.utils import encode_folder

from mailproc.config import Mailbox
from mailproc.errors import MailprocError
from mailproc.mail import RawMail

log = logging.getLogger(__name__)

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')


class ImapError(MailprocError):
    """An IMAP command failed; says which one and what the server answered."""


def _mailbox_class(settings: Mailbox) -> imap_tools.BaseMailBox:
    context = ssl.create_default_context(cafile=settings.ca_file)  # certificates are always verified
    if settings.security == "ssl":
        return imap_tools.MailBox(settings.host, settings.port, timeout=settings.timeout_seconds,
                                  ssl_context=context)
    if settings.security == "starttls":
        return imap_tools.MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout_seconds,
                                          ssl_context=context)
    return imap_tools.MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout_seconds)


def open_session(settings: Mailbox, password: str) -> "ImapSession":
    """Log in; the caller closes the session (`connect` does it for one cycle, `run` keeps it)."""
    try:
        mailbox = _mailbox_class(settings)
        mailbox.login(settings.user, password, initial_folder=None)
    except imap_tools.errors.MailboxLoginError as exc:
        raise ImapError(f"IMAP login as {settings.user} at {settings.host}:{settings.port} refused: "
                        f"check mailbox.user and the password variable {settings.password_env}") from exc
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as exc:  # refused, timed out, hung up on us
        raise ImapError(f"cannot reach IMAP server {settings.host}:{settings.port} "
                        f"(mailbox.security = {settings.security!r}): {exc}") from exc
    session = ImapSession(mailbox, settings)
    with session.commands():
        # imaplib keeps the capabilities announced before login; servers (Dovecot, pymap)
        # announce MOVE, UIDPLUS and IDLE only after it.
        typ, data = mailbox.client.capability()
        if typ == "OK" and data and data[0]:
            mailbox.client.capabilities = tuple(data[0].decode().upper().split())
    return session


@contextlib.contextmanager
def connect(settings: Mailbox, password: str) -> Iterator["ImapSession"]:
    session = open_session(settings, password)
    try:
        with session.commands():
            yield session
    finally:
        session.close()


class KeptSession:
    """One connection kept open from cycle to cycle (`run`), opened again once it failed."""

    def __init__(self, settings: Mailbox, password: str):
        self.settings, self.password = settings, password
        self.session: ImapSession | None = None
        self.can_idle = False  # as the last server logged in to announced

    @contextlib.contextmanager
    def use(self) -> Iterator["ImapSession"]:
        if self.session is None or self.session.broken:
            self.close()
            self.session = open_session(self.settings, self.password)
            self.can_idle = self.session.can_idle
        with self.session.commands():
            yield self.session

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None


class ImapSession:
    def __init__(self, mailbox: imap_tools.BaseMailBox, settings: Mailbox):
        self.mailbox = mailbox
        self.client = mailbox.client
        self.settings = settings
        self.folder: str | None = None
        self.uidvalidity = 0  # of the selected folder
        self.broken = False  # the connection failed: only closing it is left

    @contextlib.contextmanager
    def commands(self) -> Iterator[None]:
        """Failures of the commands sent inside, said as ImapError naming the server."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            yield
        except (imaplib.IMAP4.abort, ConnectionError, TimeoutError, ssl.SSLError) as exc:
            # the server went away (restart, network): a plain outage, retried with a new connection
            self.broken = True
            raise ImapError(f"IMAP connection to {where} lost: {exc}") from exc
        except imap_tools.errors.UnexpectedCommandStatusError as exc:  # e.g. a folder the login may not use
            raise ImapError(f"IMAP server {where} refused a command: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.mailbox.logout()
        self.broken = True

    @property
    def can_idle(self) -> bool:
        return "IDLE" in self.client.capabilities

    def idle(self, seconds: float, wakeup: socket.socket | None = None) -> bool:
        """Wait in IMAP IDLE on the selected folder until the server says something (new mail,
        mostly), `wakeup` becomes readable (a signal) or `seconds` pass; True when the server spoke."""
        with self.commands():
            self.mailbox.idle.start()
            try:
                if self._buffered():  # said together with "+ idling": select would not see it
                    return True
                waited = [self.client.sock] + ([wakeup] if wakeup is not None else [])
                ready = select.select(waited, [], [], max(0.0, seconds))[0]
                return self.client.sock in ready
            finally:
                self.mailbox.idle.stop()  # reads what the server said up to the end of IDLE

    def _buffered(self) -> bool:
        """Has the server's answer already been read into imaplib's buffer (or TLS's)?"""
        sock = self.client.sock
        timeout = sock.gettimeout()
        sock.settimeout(0)
        try:
            return bool(self.client.file.peek(1))
        except ssl.SSLWantReadError:
            return False
        finally:
            sock.settimeout(timeout)

    def ensure_folder(self, name: str) -> None:
        if not self.mailbox.folder.exists(name):
            self.mailbox.folder.create(name)
            log.info("created IMAP folder %s", name)

    def count(self, folder: str) -> int:
        """How many mails a folder holds (STATUS: the selected folder stays selected)."""
        return int(self.mailbox.folder.status(folder, ["MESSAGES"])["MESSAGES"])

    def select(self, folder: str) -> int:
        """Select a folder for reading and writing; returns its UIDVALIDITY."""
        self.mailbox.folder.set(folder)
        self.folder = folder
        _, data = self.client.response("UIDVALIDITY")
        if not data or data[0] is None:
            raise ImapError(f"SELECT {folder}: the server sent no UIDVALIDITY")
        self.uidvalidity = int(data[0])
        return self.uidvalidity

    def all_uids(self) -> list[int]:
        """Every UID in the selected folder, ascending: one round trip. Untagged responses kept
        from earlier commands (EXPUNGE of every move, EXISTS) are dropped: a session kept open
        for days would otherwise pile them up."""
        self.client.untagged_responses.clear()
        return sorted(int(u) for u in self.mailbox.uids("ALL"))

    def sizes(self, uids: list[int]) -> list[tuple[int, int]]:
        """(UID, RFC822.SIZE) of each mail, in UID order, so batches can be bounded in bytes."""
        found = {}
        for start in range(0, len(uids), HEADER_CHUNK):  # a backlog of many thousands is too long for one command
            typ, data = self.client.uid("FETCH", uid_set(uids[start:start + HEADER_CHUNK]), "(UID RFC822.SIZE)")
            if typ != "OK":
                raise ImapError(f"UID FETCH RFC822.SIZE in {self.folder} failed: {data!r}")
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
                if uid and size:
                    found[int(uid[1])] = int(size[1])
        return [(uid, found.get(uid, 0)) for uid in uids]

    def fetch(self, folder: str, uidvalidity: int, uids: list[int]) -> Iterator[RawMail]:
        """Fetch whole mails with their arrival time; results without a UID are ignored."""
        if not uids:
            return
        typ, data = self.client.uid("FETCH", uid_set(uids), "(UID INTERNALDATE BODY.PEEK[])")
        if typ != "OK":
            raise ImapError(f"UID FETCH in {folder} failed: {data!r}")
        for meta, body in _fetch_records(data):
            uid = _UID.search(meta)
            arrived = _INTERNALDATE.search(meta)
            if not uid or body is None or b"BODY[" not in meta:
                continue  # unsolicited FETCH (e.g. a flag change) interleaved with ours
            yield RawMail(folder=folder, uidvalidity=uidvalidity, uid=int(uid[1]),
                          arrived_at=_internaldate(arrived[1]) if arrived else dt.datetime.now(dt.timezone.utc),
                          data=body)

    def headers(self, uids: list[int], fields: tuple[str, ...]) -> Iterator[bytes]:
        """Only the named header fields of each mail (never a body): cheap over a whole folder."""
        wanted = " ".join(fields).upper()
        for start in range(0, len(uids), HEADER_CHUNK):
            chunk = uid_set(uids[start:start + HEADER_CHUNK])
            typ, data = self.client.uid("FETCH", chunk, f"(UID BODY.PEEK[HEADER.FIELDS ({wanted})])")
            if typ != "OK":
                raise ImapError(f"UID FETCH headers in {self.folder} failed: {data!r}")
            yield from (body for _, body in _fetch_records(data) if body)

    def find(self, sha256: str, message_id: str | None) -> int | None:
        """The UID of the mail whose raw bytes have this SHA-256 in the selected folder, or None.
        The mails carrying its Message-ID are tried first, then the whole folder."""
        found = []
        if message_id:
            typ, data = self.client.uid("SEARCH", "HEADER", "Message-ID", _quoted(message_id))
            found = [int(u) for u in (data[0] or b"").split()] if typ == "OK" else []
        for uid in dict.fromkeys([*found, *self.all_uids()]):
            for raw in self.fetch(self.folder or "", 0, [uid]):
                if hashlib.sha256(raw.data).hexdigest() == sha256:
                    return uid
        return None

    def append(self, folder: str, data: bytes, arrived_at: dt.datetime) -> None:
        """Put a mail into a folder with its original arrival time (INTERNALDATE)."""
        self._check(self.client.append(encode_folder(folder), "", imaplib.Time2Internaldate(arrived_at), data),
                    "APPEND")

    def move(self, uids: list[int], destination: str) -> None:
        """Atomic UID MOVE where the server has it; else COPY, flag and expunge only these UIDs."""
        if not uids:
            return
        members = uid_set(uids)
        caps = self.client.capabilities
        if "MOVE" in caps:
            self._check(self.client.uid("MOVE", members, encode_folder(destination)), "UID MOVE")
            return
        self._check(self.client.uid("COPY", members, encode_folder(destination)), "UID COPY")
        self._check(self.client.uid("STORE", members, "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
        if "UIDPLUS" in caps:
            self._check(self.client.uid("EXPUNGE", members), "UID EXPUNGE")
        else:  # plain EXPUNGE also removes mail others flagged \Deleted: the server left no choice
            self._check(self.client.expunge(), "EXPUNGE")

    def _check(self, result: tuple, command: str) -> None:
        typ, data = result
        if typ != "OK":
            raise ImapError(f"{command} in {self.folder} failed: {data!r}")


HEADER_CHUNK = 1000  # UIDs per header FETCH: bounds one response on a folder of years of mail


def uid_set(uids: list[int]) -> str:
    """An IMAP sequence set with runs of consecutive UIDs as ranges: "3:7,9"."""
    runs: list[list[int]] = []
    for uid in sorted(uids):
        if runs and uid == runs[-1][1] + 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in runs)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_records(data: list) -> Iterator[tuple[bytes, bytes | None]]:
    """imaplib gives (header, literal) tuples followed by b')' or b' INTERNALDATE ...)' tails."""
    meta, body = b"", None
    for item in data:
        if isinstance(item, tuple):
            if meta:
                yield meta, body
            meta, body = item[0], item[1]
        elif isinstance(item, bytes) and meta:
            meta += b" " + item
    if meta:
        yield meta, body


def _internaldate(value: bytes) -> dt.datetime:
    return dt.datetime.strptime(value.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
