"""Fixtures: a real Dovecot and SMTP relay on 127.0.0.1, mailbox helpers, and
factories for mailproc configs and CLI runs."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from json import dumps as json_dumps, loads as json_loads

import peewee
import pytest
from imap_tools import MailBoxUnencrypted

from mailproc.config import Database, load_settings
from mailproc.store import db
from tests.mailstack import postgres
from tests.mailstack.dovecot import Dovecot, Unavailable as DovecotUnavailable
from tests.mailstack.relay import Relay, lmtp_deliver

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "mailstack"
USERS = tuple(f"{u}@example.test" for u in
              ("support", "agent1", "agent2", "client", "client2", "stranger",
               "billing", *(f"client{n}" for n in range(3, 9))))
PASSWORD = "secret"
BASE_FOLDERS = ("INBOX", "Sent", "Trash")  # created by Dovecot: emptied, never deleted


@dataclass
class Mailstack:
    dir: pathlib.Path
    imap_port: int
    imaps_port: int
    imaps_cafile: str
    lmtp_port: int
    log: pathlib.Path
    host: str = "127.0.0.1"
    users: tuple = USERS
    password: str = PASSWORD
    relay: Relay | None = field(default=None, repr=False)

    def imap(self, user: str) -> MailBoxUnencrypted:
        """A logged-in connection; use it as a context manager."""
        return MailBoxUnencrypted(self.host, self.imap_port, timeout=10).login(user, self.password)


def sqlite_at(path: pathlib.Path) -> Database:
    """The [database] of a desk keeping its SQLite file at path."""
    return Database(url=f"sqlite:///{path}", password_env="MAILPROC_DATABASE_PASSWORD",
                    data_dir=path.parent / "mailproc-data", path=path)


def _unavailable(reason: str):
    # Without root we cannot install Dovecot: skip. CI and root must never skip.
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.geteuid() == 0:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mailstack():
    try:
        server = Dovecot(USERS, PASSWORD)
    except DovecotUnavailable as exc:
        _unavailable(str(exc))
    yield Mailstack(dir=server.dir, imap_port=server.imap_port, imaps_port=server.imaps_port,
                    imaps_cafile=server.imaps_cafile, lmtp_port=server.lmtp_port, log=server.log)
    server.stop()


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL server of the test run (tests.mailstack.postgres); installed when missing."""
    try:
        cluster = postgres.Cluster()
    except (postgres.Unavailable, OSError, subprocess.SubprocessError) as exc:
        _unavailable(f"PostgreSQL could not be installed or started:\n{exc}")
    yield cluster
    cluster.stop()


ON_BOTH_DATABASES = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database(request, monkeypatch) -> str:
    """The url of the desk's database in `mailproc_config`: SQLite unless the test or its module is
    marked ON_BOTH_DATABASES, which runs it once more on a fresh PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return "sqlite:///mailproc.db"
    monkeypatch.setenv("MAILPROC_DATABASE_PASSWORD", postgres.PASSWORD)
    return request.getfixturevalue("postgres_cluster").fresh_database()


def desk_database(config: pathlib.Path) -> peewee.Database:
    """A connection of its own to the database of the desk configured at config, for a test to
    read or change rows behind the desk's back."""
    return db.connect(load_settings(config).database)


@pytest.fixture(scope="session")
def smtp_server(mailstack):
    """The SMTP relay: .port, .envelopes, .start() / .stop() / .restart()."""
    relay = Relay(mailstack.lmtp_port).start()
    mailstack.relay = relay
    yield relay
    relay.stop()
    mailstack.relay = None


def _empty_mailboxes(ms: Mailstack, user: str) -> None:
    with ms.imap(user) as mb:
        found = mb.folder.list()
        # Children before parents: Dovecot refuses to delete a folder with children.
        for f in sorted(found, key=lambda f: f.name.count(f.delim or "/"), reverse=True):
            if f.name in BASE_FOLDERS:
                typ, data = mb.folder.set(f.name)
                if int(data[0]):
                    mb.client.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    mb.client.expunge()
            elif not {"\\Noselect", "\\NonExistent"} & set(f.flags):
                mb.folder.delete(f.name)
        left = sorted(f.name for f in mb.folder.list() if f.name not in BASE_FOLDERS
                      and not {"\\Noselect", "\\NonExistent"} & set(f.flags))
        assert not left, f"could not delete folders of {user}: {left}"


@pytest.fixture(autouse=True)
def _fresh_mailstack(request):
    """Before every test that uses the mailstack: empty all mailboxes of all
    users, bring the relay back up if a test left it stopped, forget envelopes."""
    if "mailstack" not in request.fixturenames:
        return
    ms = request.getfixturevalue("mailstack")
    with ThreadPoolExecutor(len(ms.users)) as pool:
        list(pool.map(lambda user: _empty_mailboxes(ms, user), ms.users))
    if ms.relay:
        ms.relay.start()
        ms.relay.envelopes.clear()


class MailHelper:
    def __init__(self, ms: Mailstack):
        self.ms = ms

    def deliver(self, raw: bytes, to: str | list[str] = "support@example.test",
                mail_from: str | None = None) -> None:
        """Deliver over LMTP, one recipient per transaction. The envelope sender
        defaults to the From address ("" gives a null sender, as bounces have)."""
        if mail_from is None:
            mail_from = parseaddr(str(BytesHeaderParser().parsebytes(raw)["From"] or ""))[1]
        for rcpt in [to] if isinstance(to, str) else to:
            code, text = lmtp_deliver(self.ms.lmtp_port, mail_from, rcpt, raw)
            assert code < 400, f"LMTP delivery to {rcpt} failed: {code} {text}"

    def append(self, user: str, raw: bytes, folder: str = "INBOX",
               date: dt.datetime | None = None, flags=()) -> int:
        """IMAP APPEND (creates the folder if needed); date sets INTERNALDATE,
        naive datetimes count as UTC. Returns the new message's UID."""
        if date is not None and date.tzinfo is None:
            date = date.replace(tzinfo=dt.timezone.utc)
        with self.ms.imap(user) as mb:
            if not mb.folder.exists(folder):
                mb.folder.create(folder)
            typ, data = mb.append(raw, folder, dt=date, flag_set=flags)
        return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))

    def messages(self, user: str, folder: str = "INBOX") -> list[email.message.EmailMessage]:
        """All messages in UID order, without setting \\Seen; [] if the folder does
        not exist. CRLF is turned into LF first, so text parts compare as written."""
        with self.ms.imap(user) as mb:
            if not mb.folder.exists(folder):
                return []
            typ, data = mb.folder.set(folder, readonly=True)
            if not int(data[0]):
                return []
            typ, data = mb.client.uid("FETCH", "1:*", "(BODY.PEEK[])")
        return [email.message_from_bytes(part[1].replace(b"\r\n", b"\n"), policy=email.policy.default)
                for part in data if isinstance(part, tuple)]

    def wait_for(self, user: str, predicate, timeout: float = 10, folder: str = "INBOX"):
        """Poll until a message satisfies predicate(msg) and return it. A str
        predicate matches a substring of the Subject."""
        if isinstance(predicate, str):
            text = predicate
            predicate = lambda m: text in (m["Subject"] or "")  # noqa: E731
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages(user, folder)
            for m in msgs:
                if predicate(m):
                    return m
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        held = "\n".join(f"  From: {m['From']} | Subject: {m['Subject']}" for m in msgs)
        pytest.fail(f"no matching message in {user} {folder} within {timeout}s; "
                    f"it holds {len(msgs)}:\n{held}")

    def folders(self, user: str) -> list[str]:
        with self.ms.imap(user) as mb:
            return [f.name for f in mb.folder.list()]


@pytest.fixture
def mail(mailstack):
    return MailHelper(mailstack)


# --------------------------------------------------------------- config.toml

def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json_dumps(k)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json_dumps(v, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def to_toml(data: dict, prefix: str = "") -> str:
    """Tables of str/int/float/bool/lists; nested dicts become sub-tables."""
    out, subtables = [], []
    for k, v in data.items():
        if isinstance(v, dict):
            subtables.append((k, v))
        else:
            out.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in subtables:
        name = prefix + _toml_key(k)
        out += ["", f"[{name}]", to_toml(v, name + ".")]
    return "\n".join(out).strip() + "\n"


def _base_config(ms: Mailstack, smtp_port: int) -> dict:
    return {
        "mailbox": {
            "host": ms.host, "port": ms.imap_port, "security": "none",
            "user": "support@example.test", "password_env": "MAILPROC_IMAP_PASSWORD",
            "folder": "INBOX", "processed_folder": "Processed",
            "quarantine_folder": "Quarantine", "poll_seconds": 30,
        },
        "smtp": {
            "host": "127.0.0.1", "port": smtp_port, "security": "none", "user": "",
            "password_env": "MAILPROC_SMTP_PASSWORD",
        },
        "support": {
            "address": "support@example.test", "name": "Support", "tag_prefix": "KB",
            "agents": ["agent1@example.test", "agent2@example.test"],
            "token_secret_env": "MAILPROC_TOKEN_SECRET",
        },
        # Nobody on call: under "on_call" a critical mail whose term runs past closing also pages the
        # agents, so what a test counts would depend on the hour it runs. tests/test_promise_flow.py
        # sets each way and checks the page.
        "sla": {"critical_out_of_hours": "next_opening"},
    }


@pytest.fixture
def mailproc_config(mailstack, smtp_server, database, tmp_path, monkeypatch):
    """mailproc_config(**overrides) -> path of a config.toml in a fresh dir.

    overrides: section=dict of keys to change or add, deep-merged; a None
    value removes a key or a whole section."""
    monkeypatch.setenv("MAILPROC_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("MAILPROC_TOKEN_SECRET", "test-secret")

    def make(**overrides) -> pathlib.Path:
        d = pathlib.Path(tempfile.mkdtemp(prefix="config-", dir=tmp_path))
        path = d / "config.toml"
        base = {**_base_config(mailstack, smtp_server.port), "database": {"url": database}}
        path.write_text(to_toml(_merge(base, overrides)))
        return path

    return make


# ----------------------------------------------------------------- CLI runs

class MailprocCLI:
    """mailproc_cli(config, *args, check=True, timeout=60, json=False, env=None)
    runs `python -m mailproc --config CONFIG ARGS` in tmp_path (not the config's
    dir, so relative paths must be resolved against the config file).
    mailproc_cli.popen(config, *args) starts it in the background."""

    def __init__(self, cwd: pathlib.Path):
        self.cwd = cwd
        self.procs: list[subprocess.Popen] = []

    @staticmethod
    def command(config_path, *args) -> list[str]:
        return [sys.executable, "-m", "mailproc", "--config", str(config_path), *map(str, args)]

    @staticmethod
    def _env(extra: dict | None) -> dict:
        env = dict(os.environ, **(extra or {}))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env

    def __call__(self, config_path, *args, check: bool = True, timeout: float = 60,
                 json: bool = False, env: dict | None = None):
        cmd = self.command(config_path, *args)
        try:
            p = subprocess.run(cmd, cwd=self.cwd, env=self._env(env), text=True,
                               capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"{shlex.join(cmd)} timed out after {timeout}s\n"
                        f"--- stdout\n{e.stdout}\n--- stderr\n{e.stderr}")
        if check and p.returncode != 0:
            pytest.fail(f"{shlex.join(cmd)} exited {p.returncode}\n"
                        f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
        if not json:
            return p
        try:
            return json_loads(p.stdout)
        except ValueError as e:
            pytest.fail(f"{shlex.join(cmd)}: stdout is not JSON ({e})\n"
                        f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")

    def popen(self, config_path, *args, env: dict | None = None) -> subprocess.Popen:
        """Start in the background. Output goes to files (a full pipe would block
        the process): proc.stdout_path / proc.stderr_path. Killed at teardown."""
        n = len(self.procs)
        out, err = self.cwd / f"popen{n}.stdout", self.cwd / f"popen{n}.stderr"
        with open(out, "w") as fo, open(err, "w") as fe:
            proc = subprocess.Popen(self.command(config_path, *args), cwd=self.cwd,
                                    env=self._env(env), stdin=subprocess.DEVNULL,
                                    stdout=fo, stderr=fe, text=True)
        proc.stdout_path, proc.stderr_path = out, err
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


@pytest.fixture
def mailproc_cli(tmp_path):
    cli = MailprocCLI(tmp_path)
    yield cli
    cli.close()
