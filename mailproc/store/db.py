"""Opening the database and the blob store, and copying the database (edge: disk).

Everything mailproc writes holds client mail: files are 0600 and directories 0700. The
process runs under umask 077 (set by the CLI); what an older version left readable by
others is narrowed when the desk opens it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import pathlib
import sqlite3
import stat

import peewee

from mailproc.store import migrations
from mailproc.store.models import ALL_MODELS, database

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def database_files(path: pathlib.Path) -> tuple[pathlib.Path, ...]:
    """The SQLite file, its WAL companions and the poller's lock file."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", ".lock"))


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


def open_database(path: pathlib.Path) -> peewee.SqliteDatabase:
    """Open (and on first use create) the SQLite database; WAL so readers never block the poller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = peewee.SqliteDatabase(
        str(path),
        pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000, "synchronous": "normal"},
    )
    database.initialize(db)
    db.connect(reuse_if_open=True)
    _upgrade(db, path)
    db.create_tables(ALL_MODELS, safe=True)
    for file in database_files(path):
        make_private(file)
    return db


def _upgrade(db: peewee.SqliteDatabase, path: pathlib.Path) -> None:
    """Migrate an older schema after copying the database file beside it; refuse a newer one."""
    migrations.check_not_newer(db, path)
    found = migrations.version(db)
    if found in (0, migrations.CURRENT):  # 0: a new database, created at the current version
        if found == 0:
            db.pragma("user_version", migrations.CURRENT)
        return
    copy = path.with_name(f"{path.name}.v{found}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.backup")
    backup(path, copy)
    migrations.apply(db)
    log.warning("database %s upgraded from schema version %d to %d; the copy from before is %s",
                path, found, migrations.CURRENT, copy)


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
