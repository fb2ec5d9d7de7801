"""The servers and desks `make bench` measures: Dovecot (tests/mailstack), an SMTP sink that
notes when it accepted each mail, and `mailproc` processes with their peak memory."""
from __future__ import annotations

import contextlib
import dataclasses
import imaplib
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
from typing import Iterator

from aiosmtpd.controller import Controller

from tests.conftest import PASSWORD, USERS, Mailstack, _base_config, _merge, to_toml
from tests.mailstack.dovecot import Dovecot, Unavailable as DovecotUnavailable
from tests.mailstack.relay import HOST, free_port

SUPPORT = "support@example.test"
ENV = dict(os.environ, MAILPROC_IMAP_PASSWORD=PASSWORD, MAILPROC_TOKEN_SECRET="bench-secret")


class Unavailable(Exception):
    pass


class Stack(Mailstack):
    def append(self, raws: list[bytes], user: str = SUPPORT) -> None:
        """APPEND to a user's INBOX over one connection."""
        imap = imaplib.IMAP4(self.host, self.imap_port)
        imap.login(user, self.password)
        for raw in raws:
            typ, data = imap.append("INBOX", "", None, raw)
            assert typ == "OK", data
        imap.logout()


@contextlib.contextmanager
def started() -> Iterator[Stack]:
    """Dovecot in a temporary directory on free ports, stopped and removed afterwards."""
    try:
        server = Dovecot(USERS, PASSWORD)
    except DovecotUnavailable as exc:
        raise Unavailable(str(exc)) from None
    try:
        yield Stack(dir=server.dir, imap_port=server.imap_port, imaps_port=server.imaps_port,
                    imaps_cafile=server.imaps_cafile, lmtp_port=server.lmtp_port, log=server.log)
    finally:
        server.stop()


class Sink:
    """An SMTP server that accepts every mail and notes when (time.monotonic())."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted: list[tuple[float, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.accepted.append((time.monotonic(), envelope.original_content))
        return "250 2.0.0 accepted"

    @property
    def count(self) -> int:
        return len(self.accepted)

    def wait_for(self, needle: bytes, timeout: float) -> float | None:
        """When the first mail holding `needle` was accepted; None after `timeout` seconds."""
        deadline, seen = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            found = self.accepted[seen:]
            seen += len(found)
            for when, data in found:
                if needle in data:
                    return when
            time.sleep(0.01)
        return None


@contextlib.contextmanager
def sink() -> Iterator[Sink]:
    handler = Sink()
    controller = Controller(handler, hostname=HOST, port=handler.port, server_hostname="localhost")
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def new_desk(ms: Stack, sink: Sink, user: str = SUPPORT, sections: dict | None = None, **mailbox) -> pathlib.Path:
    """A fresh desk directory with its config.toml, reading the mailbox of `user` (each measure
    gets a mailbox of its own: emptying one of 20,000 mails takes longer than a command may);
    `sections`: more config, e.g. {"attachments": {"max_file_mb": 40}}."""
    desk = pathlib.Path(tempfile.mkdtemp(prefix="desk-", dir=ms.dir))
    config = _merge(_base_config(ms, sink.port), {**(sections or {}), "mailbox": {"user": user, **mailbox}})
    (desk / "config.toml").write_text(to_toml(config))
    return desk


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int(open(f"/proc/{entry.name}/stat").read().rpartition(")")[2].split()[1])
                tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU time the process itself used so far (its children not included)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def _peak_kb(pid: int) -> int:
    with contextlib.suppress(OSError, IndexError):
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@dataclasses.dataclass
class Peaks:
    """Peak RSS (VmHWM, KiB) of a process and each of its descendants, sampled until it ends."""

    root: int
    kb: dict[int, int] = dataclasses.field(default_factory=dict)
    root_cpu: float = 0.0  # seconds of CPU of the root process, at the last sample

    def sample(self) -> None:
        self.root_cpu = _cpu_seconds(self.root) or self.root_cpu
        tree, todo = _children(), [self.root]
        while todo:
            pid = todo.pop()
            self.kb[pid] = max(self.kb.get(pid, 0), _peak_kb(pid))
            todo += tree.get(pid, [])

    @property
    def largest_mb(self) -> float:
        return max(self.kb.values(), default=0) / 1024


def _command(desk: pathlib.Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mailproc", "--config", str(desk / "config.toml"), *args]


@dataclasses.dataclass(frozen=True)
class Polled:
    seconds: float
    peak_mb: float  # peak RSS of its largest process, readers and sender included
    main_cpu: float  # CPU seconds of the `mailproc poll` process itself (its readers and sender not included)


def poll(desk: pathlib.Path) -> Polled:
    """Run `mailproc poll` and say what it took."""
    start = time.perf_counter()
    proc = subprocess.Popen(_command(desk, "poll"), env=ENV, cwd=desk, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(desk / "poll.log", "w"))
    peaks = Peaks(proc.pid)
    while proc.poll() is None:
        peaks.sample()
        time.sleep(0.02)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"mailproc poll failed ({proc.returncode}):\n{(desk / 'poll.log').read_text()[-3000:]}")
    return Polled(took, peaks.largest_mb, peaks.root_cpu)


@contextlib.contextmanager
def running(desk: pathlib.Path, log: str = "run.log") -> Iterator[subprocess.Popen]:
    """`mailproc run` in the background, ended with SIGTERM."""
    proc = subprocess.Popen(_command(desk, "run"), env=ENV, cwd=desk, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(desk / log, "w"))
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def mailproc_python(code: str, *args: str) -> str:
    """stdout of `python -c code args` with the desk's secrets in the environment."""
    p = subprocess.run([sys.executable, "-c", code, *args], env=ENV, text=True, capture_output=True)
    if p.returncode != 0:
        raise SystemExit(f"python -c failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout
