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
    def dovecot_cpu(self) -> float:
        """CPU seconds spent so far by this Dovecot: its master, the processes it runs and those it reaped."""
        tree = _children()
        masters = [pid for pids in tree.values() for pid in pids
                   if _comm(pid) == "dovecot" and str(self.dir) in _cmdline(pid)]
        total, todo = 0.0, list(masters)
        while todo:
            pid = todo.pop()
            total += _cpu(pid, reaped=True)
            todo += tree.get(pid, [])
        return total

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
        self.thread_id: int | None = None

    def cpu(self) -> float:
        """CPU seconds of the thread serving SMTP so far."""
        return _cpu(f"{os.getpid()}/task/{self.thread_id}") if self.thread_id else 0.0

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
    handler.thread_id = controller._thread.native_id if controller._thread else None
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


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int | str, reaped: bool = False) -> float:
    """CPU seconds (user + system) of a process or task, with its reaped children's when `reaped`."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
        return sum(int(f) for f in fields[11:15 if reaped else 13]) / _TICK
    return 0.0


def _comm(pid: int) -> str:
    with contextlib.suppress(OSError):
        return open(f"/proc/{pid}/comm").read().strip()
    return ""


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    return ""


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
    cpu: dict[int, float] = dataclasses.field(default_factory=dict)  # CPU seconds, as last seen

    def sample(self) -> None:
        tree, todo = _children(), [self.root]
        while todo:
            pid = todo.pop()
            self.kb[pid] = max(self.kb.get(pid, 0), _peak_kb(pid))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu(pid))
            todo += tree.get(pid, [])

    @property
    def largest_mb(self) -> float:
        return max(self.kb.values(), default=0) / 1024


def _command(desk: pathlib.Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mailproc", "--config", str(desk / "config.toml"), *args]


def poll(desk: pathlib.Path, cpu: dict[str, float] | None = None) -> tuple[float, float]:
    """Run `mailproc poll`: (seconds, peak RSS in MiB of its largest process, readers included).
    `cpu` gets the CPU seconds of its main process and of the processes it started (sampled every
    50 ms: the last moments of a short-lived one are missed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(_command(desk, "poll"), env=ENV, cwd=desk, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(desk / "poll.log", "w"))
    peaks = Peaks(proc.pid)
    while proc.poll() is None:
        peaks.sample()
        time.sleep(0.05)
    took = time.perf_counter() - start
    if cpu is not None:
        cpu["main"] = peaks.cpu.get(proc.pid, 0.0)
        cpu["workers"] = sum(seconds for pid, seconds in peaks.cpu.items() if pid != proc.pid)
    if proc.returncode != 0:
        raise SystemExit(f"mailproc poll failed ({proc.returncode}):\n{(desk / 'poll.log').read_text()[-3000:]}")
    return took, peaks.largest_mb


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
