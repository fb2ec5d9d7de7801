"""Opening the database and the blob store (edge: disk)."""
from __future__ import annotations

import hashlib
import os
import pathlib

import peewee

from mailproc.store.models import ALL_MODELS, database


def open_database(path: pathlib.Path) -> peewee.SqliteDatabase:
    """Open (and on first use create) the SQLite database; WAL so readers never block the poller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = peewee.SqliteDatabase(
        str(path),
        pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000, "synchronous": "normal"},
    )
    database.initialize(db)
    db.connect(reuse_if_open=True)
    db.create_tables(ALL_MODELS, safe=True)
    return db


class BlobStore:
    """Content-addressed files (raw mails, attachments): a name never becomes a path."""

    def __init__(self, root: pathlib.Path):
        self.root = root

    def path(self, sha256: str) -> pathlib.Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, target)  # atomic: a crash never leaves a half-written blob under its hash
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
