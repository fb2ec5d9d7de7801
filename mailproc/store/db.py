"""Opening the database and the blob store, and copying the database (edge: disk).

Everything mailproc writes holds client mail: files are 0600 and directories 0700. The
process runs under umask 077 (set by the CLI); what an older version left readable by
others is narrowed when the desk opens it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import pathlib
import sqlite3
import stat
import time
from collections.abc import Iterator, Mapping, Sequence

import peewee
from playhouse.shortcuts import ReconnectMixin

from mailproc.config import Database, Mailbox
from mailproc.errors import MailprocError
from mailproc.store import migrations
from mailproc.store.models import ALL_MODELS, database

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700
OUTBOX_LOCK = ".outbox.lock"  # beside the SQLite file: see outbox_lock


def database_files(path: pathlib.Path) -> tuple[pathlib.Path, ...]:
    """The SQLite file, its WAL companions and the lock files of the poller and of the sender."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", ".lock", OUTBOX_LOCK))


def make_private(path: pathlib.Path, *, tree: bool = False) -> None:
    """Narrow a file to 0600, a directory to 0700 (with `tree`, all it holds too), when needed."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_IMODE(path.stat().st_mode) & 0o077:
            return  # private already: an install fixed once is never walked again
        if tree and path.is_dir():
            for root, dirs, files in os.walk(path):
                for name in dirs:
                    os.chmod(os.path.join(root, name), PRIVATE_DIR)
                for name in files:
                    os.chmod(os.path.join(root, name), PRIVATE_FILE)
        os.chmod(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


class _Postgresql(ReconnectMixin, peewee.PostgresqlDatabase):
    """A statement outside a transaction that finds its connection dropped (the server restarted, a
    failover) connects again and runs once more, or a long-running `run` would fail on it for good.
    Inside a transaction the error stands: the transaction is rolled back and the work done again."""

    reconnect_errors = ((peewee.OperationalError, "server closed the connection"),
                        (peewee.OperationalError, "terminating connection"),
                        (peewee.InterfaceError, "connection already closed"))


class DatabaseUnreachableError(MailprocError):
    """PostgreSQL refused the connection or could not be reached."""


class _PromptSqlite(peewee.SqliteDatabase):
    """SQLite for a process that writes a little beside one that writes most of the time (the
    sender beside the poll): SQLite's own wait for the write lock sleeps longer and longer (up to
    100 ms) and seldom hits the short gap between two of the poll's transactions, so the sender's
    marks would queue up behind the poll; this one tries again every half millisecond."""

    RETRY_SECONDS, PATIENCE_SECONDS = 0.0005, 10.0

    def _prompt(self, attempt):
        deadline = time.monotonic() + self.PATIENCE_SECONDS
        while True:
            try:
                return attempt()
            except peewee.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(self.RETRY_SECONDS)

    def begin(self, lock_type=None):
        return self._prompt(lambda: super(_PromptSqlite, self).begin(lock_type))

    def execute_sql(self, sql, params=None):
        if self.in_transaction():  # begun IMMEDIATE: it holds the lock already
            return super().execute_sql(sql, params)
        return self._prompt(lambda: super(_PromptSqlite, self).execute_sql(sql, params))


def connect(place: Database, environ: Mapping[str, str] = os.environ, prompt: bool = False) -> peewee.Database:
    """A connection to the database the config names (not yet bound to the models); `prompt`:
    for a process writing now and then beside the poll (_PromptSqlite)."""
    password = None
    if place.path is not None:
        place.path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes write (the poll and its sender): a transaction takes the write lock when it
        # begins (IMMEDIATE), waiting for the other's if need be, instead of failing at its first
        # write because the other wrote since it read (WAL's snapshot rule, which no timeout helps).
        db: peewee.Database = (_PromptSqlite if prompt else peewee.SqliteDatabase)(
            str(place.path), lock_type="IMMEDIATE",
            pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 0 if prompt else 10_000,
                     "synchronous": "normal"})
    else:
        password = environ.get(place.password_env)
        db = _Postgresql(place.url, **({"password": password} if password else {}))
    _connect(db, place, password)
    return db


def _connect(db: peewee.Database, place: Database, password: str | None) -> None:
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        hint = "" if password or place.path else f" (a password the server asks for goes in ${place.password_env})"
        raise DatabaseUnreachableError(f"database {place.where}: {str(exc).strip()}{hint}") from exc


def open_database(place: Database, environ: Mapping[str, str] = os.environ) -> peewee.Database:
    """Open (and on first use create) the database; upgrade an older schema, refuse a newer one."""
    db = connect(place, environ)
    database.initialize(db)
    _upgrade(db, place)
    db.create_tables(ALL_MODELS, safe=True)
    if place.path is not None:
        for file in database_files(place.path):
            make_private(file)
    return db


def _upgrade(db: peewee.Database, place: Database) -> None:
    """Migrate an older schema (SQLite: after copying the file beside it; PostgreSQL migrates in one
    transaction, which its DDL takes part in); a new database gets the current schema."""
    migrations.check_not_newer(db, place.where)
    found = migrations.version(db)
    if found == migrations.CURRENT:
        return
    copy = None
    if found and place.path is not None:
        copy = place.path.with_name(
            f"{place.path.name}.v{found}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.backup")
        backup(place.path, copy)
    migrations.apply(db)
    if found:
        log.warning("database %s upgraded from schema version %d to %d%s", place.where, found, migrations.CURRENT,
                    f"; the copy from before is {copy}" if copy else "")


def poller_key(mailbox: Mailbox) -> str:
    """What the poller's lock is taken on: the polled folder of one IMAP account (two configs naming
    the same account and folder exclude each other, two mailboxes of one desk do not)."""
    return f"{mailbox.user}@{mailbox.host}:{mailbox.port}/{mailbox.folder}"


def advisory_key(name: str) -> int:
    """PostgreSQL's advisory lock keys are signed 64-bit integers."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def shares_work(place: Database) -> bool:
    """PostgreSQL lets several processes work on one desk at a time (they claim rows); SQLite has one
    writer and the lock file: one process works at a time."""
    return place.path is None


@contextlib.contextmanager
def poller_lock(place: Database, keys: Sequence[str]) -> Iterator[dict[str, str]]:
    """Hold the pollers' locks of the mailboxes `keys` (poller_key) while the block runs. Yields
    the keys another process holds, each with what holds it (for the message): those mailboxes
    must not be polled here; empty: every lock is this process's.

    SQLite: a lock file beside the database, one for the whole desk (all keys or none).
    PostgreSQL: an advisory lock per key, on a connection of its own, which the server releases
    when the process dies (even by SIGKILL: the connection closes with it)."""
    if place.path is not None:
        lock_path = place.path.with_name(place.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield dict.fromkeys(keys, f"lock file {lock_path}")
                return
            try:
                yield {}
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    own = connect(place)
    try:
        yield {key: f"advisory lock of {key} in {place.url}" for key in keys
               if not own.execute_sql("SELECT pg_try_advisory_lock(%s)", (advisory_key(key),)).fetchone()[0]}
    finally:
        own.close()  # closing the session releases the locks


@contextlib.contextmanager
def outbox_lock(place: Database) -> Iterator[None]:
    """On SQLite, where outbox rows are not claimed, one process sends at a time: a poll's sender
    while the poll runs, then the poll's own drain; the sender of a poll killed meanwhile finishes
    the mail in hand before the next one starts. A lock file beside the database, waited for, and
    released by the system when its holder dies. PostgreSQL claims each row (claims.outbox_row)."""
    if place.path is None:
        yield
        return
    fd = os.open(place.path.with_name(place.path.name + OUTBOX_LOCK), os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def backup(source: pathlib.Path, target: pathlib.Path) -> None:
    """A consistent copy of a live database (SQLite's online backup: the daemon may go on
    writing), created 0600 and put in place atomically."""
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE))
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=10)) as src, \
                contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class BlobStore:
    """Content-addressed files (raw mails, attachments): a name never becomes a path."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        make_private(root.parent)  # the data directory: itself only, an admin may keep other things there
        make_private(root, tree=True)

    def path(self, sha256: str) -> pathlib.Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, target)  # atomic: a crash never leaves a half-written blob under its hash
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
