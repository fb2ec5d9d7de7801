"""`mailproc demo`: one poll cycle against embedded mail servers and sample mail.

Edge module. It starts two throwaway servers on 127.0.0.1 and owns them:

* IMAP: pymap's in-memory ``dict`` backend as a subprocess, with one user,
  support@example.test, whose INBOX starts empty;
* SMTP: an aiosmtpd ``Controller`` (a thread of this process) whose handler
  keeps every mail it is given and delivers nothing.

It APPENDs the sample client mails of ``demo_mail/*.eml`` to the INBOX,
writes a ``config.toml`` for both servers into a temporary directory, runs
the ordinary ``mailproc poll`` and ``mailproc tickets`` commands on it,
prints every mail mailproc sent, then stops both servers and deletes the
directory, also on Ctrl-C or an error. Nothing else on the machine is
touched and nothing listens outside 127.0.0.1.

Both servers come from the ``demo`` extra (``pip install 'mailproc[demo]'``).
The server context managers are also used by the tests.
"""

from __future__ import annotations

import email.message
import email.policy
import email.utils
import imaplib
import importlib.util
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesParser
from pathlib import Path
from typing import TextIO

from mailproc import shipped
from mailproc.errors import MailprocError

HOST = "127.0.0.1"
SUPPORT_ADDRESS = "support@example.test"
AGENT_ADDRESS = "agent1@example.test"
IMAP_PASSWORD = "secret"
SAMPLE_MAIL_DIR = Path(__file__).with_name("demo_mail")
ARRIVAL_SPACING = timedelta(minutes=4)

INSTALL_HINT = "run `make demo`, which installs it (or: pip install 'mailproc[demo]')"


class DemoError(MailprocError):
    """The demo could not be set up (a server, the sample mail); says why."""


# --------------------------------------------------------------------------
# IMAP: pymap as a subprocess


@dataclass(frozen=True)
class ImapServer:
    """Where the running pymap listens and how to log in to it."""

    host: str
    port: int
    user: str
    password: str
    log_path: Path


# pymap has no ``__main__`` module (``python -m pymap`` fails), so we run its
# console-script entry point with this interpreter, which also works when the
# venv's bin/ is not on PATH. The thread makes pymap exit as soon as its
# stdin pipe closes. We hold the only write end, so that happens when we stop
# it and also when this process dies without running its ``finally`` blocks
# (SIGKILL, a killed test run): no orphaned server is left listening.
_PYMAP_LAUNCHER = """\
import os, sys, threading

def exit_when_parent_goes():
    sys.stdin.buffer.read()
    os._exit(0)

threading.Thread(target=exit_when_parent_goes, daemon=True).start()
from pymap.main import main
sys.exit(main())
"""


@contextmanager
def pymap_server(
    workdir: Path,
    *,
    user: str = SUPPORT_ADDRESS,
    password: str = IMAP_PASSWORD,
    start_timeout: float = 20.0,
) -> Iterator[ImapServer]:
    """Run an in-memory pymap IMAP server on a free loopback port.

    Its INBOX starts empty; every other mailbox has to be CREATEd. The
    server is stopped when the block exits. Raises DemoError when
    pymap is missing or gives no ``* OK`` greeting within start_timeout
    seconds; the error carries the end of pymap's log.
    """
    if importlib.util.find_spec("pymap") is None:
        raise DemoError(f"pymap is not installed: {INSTALL_HINT}")
    port = free_port()
    log_path = Path(workdir) / "pymap.log"
    command = [
        sys.executable, "-c", _PYMAP_LAUNCHER,
        "--host", HOST, "--port", str(port),
        # No --demo-data: that would put pymap's own sample mails in INBOX.
        "dict", "--demo-user", user, "--demo-password", password,
    ]
    with open(log_path, "wb") as log:
        # stdout/stderr go to a log file, never to our stdio: a caller that
        # captures our output (subprocess.run(capture_output=True), `$(...)`,
        # a pipe) waits for EOF, which would never come while a child still
        # holds the pipe open.
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_greeting(process, port, log_path, start_timeout)
        yield ImapServer(HOST, port, user, password, log_path)
    finally:
        _stop_process(process)


def _wait_for_greeting(
    process: subprocess.Popen, port: int, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise DemoError(
                f"pymap exited with code {process.returncode} before it accepted "
                f"connections:\n{_tail(log_path)}"
            )
        try:
            with socket.create_connection((HOST, port), timeout=1.0) as sock:
                greeting = sock.recv(512)
        except OSError:
            greeting = b""
        if greeting.startswith(b"* OK"):
            return
        if time.monotonic() > deadline:
            raise DemoError(
                f"pymap gave no IMAP greeting on {HOST}:{port} within "
                f"{timeout:.0f} s:\n{_tail(log_path)}"
            )
        time.sleep(0.03)


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


# --------------------------------------------------------------------------
# SMTP: an aiosmtpd sink in a thread of this process


@dataclass(frozen=True)
class SentMail:
    """One SMTP transaction the sink accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


@dataclass
class SmtpSink:
    """Where the sink listens, and every mail it has accepted so far."""

    host: str
    port: int
    mails: list[SentMail] = field(default_factory=list)


class _KeepHandler:
    """aiosmtpd handler: accept every mail and keep it in memory."""

    def __init__(self, mails: list[SentMail], lock: threading.Lock):
        self._mails, self._lock = mails, lock

    async def handle_DATA(self, server, session, envelope) -> str:
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with self._lock:
            self._mails.append(
                SentMail(envelope.mail_from, tuple(envelope.rcpt_tos), data)
            )
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """Run an SMTP server on a free loopback port that keeps every mail.

    No AUTH, no TLS. Stopped when the block exits. Raises DemoError
    when aiosmtpd is missing or the server does not come up.
    """
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        raise DemoError(f"aiosmtpd is not installed: {INSTALL_HINT}") from None
    sink = SmtpSink(HOST, free_port())
    controller = Controller(
        _KeepHandler(sink.mails, threading.Lock()),
        hostname=HOST,
        port=sink.port,
        enable_SMTPUTF8=True,
    )
    with _quiet_logger("mail.log"):
        try:
            controller.start()
        except Exception as exc:  # aiosmtpd raises several kinds; all mean "no server"
            raise DemoError(
                f"the SMTP sink did not start on {HOST}:{sink.port}: {exc}"
            ) from exc
        try:
            yield sink
        finally:
            controller.stop()


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    # aiosmtpd logs every SMTP command at INFO on "mail.log"; the demo's
    # reader wants mailproc's log lines, not the sink's side of the dialogue.
    logger = logging.getLogger(name)
    saved_level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(saved_level)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------
# Sample mail


def sample_mails(directory: Path = SAMPLE_MAIL_DIR) -> list[bytes]:
    """The sample client mails as raw bytes, in file-name order."""
    paths = sorted(Path(directory).glob("*.eml"))
    if not paths:
        # A demo on an empty mailbox would "work" and show nothing.
        raise DemoError(f"no sample mails (*.eml) in {directory}: "
                        "the package was installed without its data files")
    return [path.read_bytes() for path in paths]


def arrival_times(count: int, *, now: datetime | None = None) -> list[datetime]:
    """`count` local, timezone-aware times ARRIVAL_SPACING apart, the last one now."""
    end = (now or datetime.now()).astimezone().replace(microsecond=0)
    return [end - ARRIVAL_SPACING * (count - 1 - i) for i in range(count)]


def append_mails(
    server: ImapServer,
    mails: Sequence[bytes],
    times: Sequence[datetime],
    folder: str = "INBOX",
) -> list[int]:
    """APPEND each mail with its INTERNALDATE; return the UIDs pymap gave them.

    Uses its own connection and closes it: the connection that APPENDs gets
    unsolicited FETCH responses from pymap, which must not reach a reader.
    """
    uids = []
    client = imaplib.IMAP4(server.host, server.port, timeout=10)
    try:
        # APPEND sends the literal in a second write; with Nagle's algorithm
        # and delayed ACKs each APPEND then costs ~45 ms instead of ~1 ms.
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.login(server.user, server.password)
        for raw, when in zip(mails, times, strict=True):
            typ, data = client.append(folder, None, when, raw)
            if typ != "OK":
                raise DemoError(f"APPEND to {folder} failed: {data!r}")
            uids.append(_appended_uid(data))
    finally:
        client.logout()  # also closes the socket, even after an error
    return uids


def _appended_uid(data: list) -> int:
    # The tagged OK carries "[APPENDUID <uidvalidity> <uid>]" (RFC 4315).
    match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
    if not match:
        raise DemoError(f"APPEND gave no APPENDUID: {data!r}")
    return int(match.group(1))


def with_date(raw: bytes, when: datetime) -> bytes:
    """The mail with its Date header set to `when`, so it agrees with INTERNALDATE."""
    header_end = re.search(rb"\r?\n\r?\n", raw)
    split = header_end.start() if header_end else len(raw)
    head, rest = raw[:split], raw[split:]
    stamp = b"Date: " + email.utils.format_datetime(when).encode("ascii")
    head, found = re.subn(rb"(?mi)^Date:[^\r\n]*", lambda _: stamp, head, count=1)
    if not found:
        head += (b"\r\n" if b"\r\n" in head else b"\n") + stamp
    return head + rest


# --------------------------------------------------------------------------
# Config


def write_config(path: Path, imap: ImapServer, smtp: SmtpSink) -> Path:
    """Write a config.toml for the two servers; the database lands next to it."""
    path = Path(path)
    path.write_text(
        textwrap.dedent(
            f"""\
            # Written by `mailproc demo` for one run; deleted afterwards.

            [mailbox]
            host = {_toml(imap.host)}
            port = {imap.port}
            security = "none"
            user = {_toml(imap.user)}
            password_env = "MAILPROC_IMAP_PASSWORD"
            folder = "INBOX"
            processed_folder = "Processed"
            quarantine_folder = "Quarantine"
            poll_seconds = 30

            [smtp]
            host = {_toml(smtp.host)}
            port = {smtp.port}
            security = "none"
            user = ""
            password_env = "MAILPROC_SMTP_PASSWORD"

            [support]
            address = {_toml(SUPPORT_ADDRESS)}
            name = "Support"
            tag_prefix = "KB"
            agents = [{_toml(AGENT_ADDRESS)}]
            token_secret_env = "MAILPROC_TOKEN_SECRET"

            [database]
            url = "sqlite:///mailproc.db"
            """
        ) + shipped_faq_toml(),
        encoding="utf-8",
    )
    return path


def shipped_faq_toml() -> str:
    """The [[faq]] entries of the shipped config.toml, so the demo links documentation too."""
    entries = tomllib.loads(shipped.STARTER_CONFIG.read_text(encoding="utf-8")).get("faq", [])
    return "".join(
        "\n[[faq]]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in entry.items())
        for entry in entries)


def _toml_value(value) -> str:
    return "[" + ", ".join(map(_toml, value)) + "]" if isinstance(value, list) else _toml(value)


def _toml(value: str) -> str:
    """A TOML basic string (no control characters expected here)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore the old ones."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


# --------------------------------------------------------------------------
# Output


def format_sent_mail(mail: SentMail, number: int) -> str:
    """A readable block: From, To, Subject and the text body of one mail."""
    message = BytesParser(policy=email.policy.default).parsebytes(mail.data)
    body_part = message.get_body(preferencelist=("plain", "html"))
    try:
        body = body_part.get_content() if body_part is not None else "(no text body)"
    except (LookupError, ValueError) as exc:  # unknown charset, broken encoding
        body = f"(text body not readable: {exc})"
    rule = "-" * 72
    lines = [
        rule,
        f"Mail {number}",
        f"From:    {message.get('From', '')}",
        f"To:      {message.get('To', '')}",
        f"Subject: {message.get('Subject', '')}",
    ]
    if _header_addresses(message) != {rcpt.lower() for rcpt in mail.rcpt_tos}:
        # Bcc or a relay: say who really got it.
        envelope_to = ", ".join(mail.rcpt_tos)
        lines.append(f"(SMTP envelope: {mail.mail_from} -> {envelope_to})")
    lines += ["", body.rstrip()]
    return "\n".join(lines)


def _header_addresses(message) -> set[str]:
    addresses = set()
    for name in ("To", "Cc"):
        header = message.get(name)
        for address in getattr(header, "addresses", ()):
            addresses.add(address.addr_spec.lower())
    return addresses


# --------------------------------------------------------------------------
# The demo


@dataclass(frozen=True)
class DemoOutcome:
    """The exit code of `mailproc demo` and every mail mailproc sent."""

    exit_code: int
    sent: tuple[SentMail, ...]


def main() -> int:
    """`mailproc demo`: returns the exit code (0 ok, 1 failure)."""
    return run(sys.stdout).exit_code


def run(out: TextIO | None = None) -> DemoOutcome:
    """Run the whole demo, writing its report to `out` (default: stdout)."""
    out = out or sys.stdout

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    sent: list[SentMail] = []
    try:
        mails = sample_mails()
        with tempfile.TemporaryDirectory(prefix="mailproc-demo-") as tmp:
            workdir = Path(tmp)
            say("Starting an IMAP server (pymap) and an SMTP sink on 127.0.0.1 ...")
            with pymap_server(workdir) as imap, smtp_sink() as smtp:
                say(f"  IMAP {imap.host}:{imap.port} (user {imap.user}), "
                    f"SMTP {smtp.host}:{smtp.port}")
                times = arrival_times(len(mails))
                stamped = [with_date(mail, when) for mail, when in zip(mails, times)]
                append_mails(imap, stamped, times)
                say(f"  {len(mails)} sample client mails put into {imap.user}'s INBOX")
                config = write_config(workdir / "config.toml", imap, smtp)
                secrets_env = {
                    "MAILPROC_IMAP_PASSWORD": imap.password,
                    "MAILPROC_TOKEN_SECRET": secrets.token_hex(32),
                }
                with environment(secrets_env):
                    exit_code = _demo_round(config, smtp, sent, say, "1. mailproc reads the client mails")
                    notification = first_ticket_notification(sent)
                    if exit_code == 0 and notification is not None:
                        say("")
                        say(f"2. {AGENT_ADDRESS} answers the notification of the first ticket from their mail "
                            "program")
                        append_mails(imap, [agent_reply(notification.data)], arrival_times(1))
                        exit_code = _demo_round(config, smtp, sent, say, "   mailproc relays the answer")
            say("Servers stopped, temporary files removed.")
    except DemoError as exc:
        print(f"mailproc demo: {exc}", file=sys.stderr)
        return DemoOutcome(1, tuple(sent))
    except KeyboardInterrupt:
        print("mailproc demo: interrupted; servers stopped.", file=sys.stderr)
        return DemoOutcome(1, tuple(sent))
    return DemoOutcome(exit_code, tuple(sent))


def _demo_round(config: Path, smtp: "SmtpSink", sent: list[SentMail], say: Callable[[str], None],
                title: str) -> int:
    """One poll as a user would run it, the tickets, and the mails that poll sent; 1 on failure."""
    say("")
    say(title)
    say("$ mailproc poll")
    poll_code = _cli(["--config", str(config), "poll"])
    say("")
    say("$ mailproc tickets")
    tickets_code = _cli(["--config", str(config), "tickets"])
    new_mails = list(smtp.mails[len(sent):])
    sent.extend(new_mails)
    _report_sent(new_mails, len(sent) - len(new_mails), say)
    codes = {"poll": poll_code, "tickets": tickets_code}
    failed = " and ".join(name for name, code in codes.items() if code)
    if failed:
        print(f"mailproc demo: `mailproc {failed}` failed (see above)", file=sys.stderr)
        return 1
    return 0


def first_ticket_notification(sent: Sequence[SentMail]) -> SentMail | None:
    """The agent's notification of the lowest-numbered ticket (Ivan's), whichever arrived first: the
    replies go out over several connections at once."""
    def number(mail: SentMail) -> str:
        subject = str(BytesParser(policy=email.policy.default).parsebytes(mail.data, headersonly=True)["Subject"])
        found = re.search(r"-(\d+)\]", subject)
        return found[1] if found else "~"

    return min((mail for mail in sent if AGENT_ADDRESS in mail.rcpt_tos), key=number, default=None)


def agent_reply(notification: bytes) -> bytes:
    """What the agent's mail program sends on "Reply": to the tokened Reply-To, quoting the notification."""
    original = BytesParser(policy=email.policy.default).parsebytes(notification)
    reply = email.message.EmailMessage()
    reply["From"] = f"Анна, поддержка <{AGENT_ADDRESS}>"
    reply["To"] = str(original["Reply-To"])
    reply["Subject"] = "Re: " + str(original["Subject"])
    reply["Message-ID"] = email.utils.make_msgid(domain="example.test")
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = str(original["Message-ID"])
    quoted = "\n".join("> " + line for line in original.get_body(("plain",)).get_content().splitlines())
    reply.set_content(
        "Иван, добрый день!\n\nСбросить пароль можно по ссылке «Забыли пароль?» на странице входа:\n"
        "https://lk.kilbil.ru/. Если письмо со ссылкой не придёт за 5 минут, напишите нам.\n\n"
        f"Анна\n\n{email.utils.format_datetime(email.utils.localtime())}, Support <{SUPPORT_ADDRESS}> wrote:\n"
        + quoted + "\n")
    return reply.as_bytes(policy=email.policy.SMTP)


def _cli(args: list[str]) -> int:
    from mailproc import cli

    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse and friends exit instead of returning
        code = exc.code
    return code if isinstance(code, int) else (0 if code is None else 1)


def _report_sent(mails: list[SentMail], already: int, say: Callable[[str], None]) -> None:
    say("")
    say(f"Mails mailproc sent over SMTP in this round: {len(mails)}")
    for number, mail in enumerate(mails, start=already + 1):
        say(format_sent_mail(mail, number))
    if mails:
        say("-" * 72)
