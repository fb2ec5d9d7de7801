"""Upgrades: a database written by the first schema (tests/fixtures/schema_v1.py) is copied, then
migrated, with every row intact; a database newer than the program is refused untouched."""
from __future__ import annotations

import contextlib
import json
import pathlib
import shutil
import sqlite3
import stat

from mailproc.store import migrations
from mailproc.store.db import open_database
from tests.conftest import sqlite_at

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "schema_v1.db"
V1_TABLES = ("account", "ticket", "message", "attachment", "outbox", "folderstate", "quarantined")


def _read(path: pathlib.Path, query: str) -> list:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


def _rows(path: pathlib.Path) -> dict[str, list]:
    """The rows of the first schema's tables, in its columns (later versions add some)."""
    def columns(table: str) -> str:
        return ", ".join(f'"{row[1]}"' for row in _read(FIXTURE, f'PRAGMA table_info("{table}")'))
    return {table: _read(path, f'SELECT {columns(table)} FROM "{table}" ORDER BY id') for table in V1_TABLES}


def _schema(path: pathlib.Path) -> set:
    return set(_read(path, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def _desk(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    config, database = tmp_path / "config.toml", tmp_path / "mailproc.db"  # where an empty config puts it
    config.write_text("")
    shutil.copyfile(FIXTURE, database)
    return config, database


def test_a_first_schema_database_is_copied_then_upgraded_with_every_row_intact(tmp_path, mailproc_cli):
    config, database = _desk(tmp_path)
    before = _rows(database)
    assert _read(database, "PRAGMA user_version") == [(0,)] and sum(map(len, before.values())) == 15

    tickets = mailproc_cli(config, "tickets", "--json")
    assert f"upgraded from schema version 1 to {migrations.CURRENT}" in tickets.stderr
    assert [(t["tag"], t["message_count"]) for t in json.loads(tickets.stdout)] == [
        ("KB-000001", 3), ("KB-000002", 2), ("KB-000003", 1)]
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert [m["text"] for m in shown["messages"]][2] == "Сбросил пароль, проверьте."

    assert _rows(database) == before
    assert _read(database, "PRAGMA user_version") == [(migrations.CURRENT,)]
    fresh = tmp_path / "fresh.db"
    open_database(sqlite_at(fresh)).close()
    assert _schema(database) == _schema(fresh)  # the same tables and indexes as a database made today

    [copy] = tmp_path.glob("mailproc.db.v1-*.backup")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert _rows(copy) == before and _schema(copy) == _schema(FIXTURE)

    again = mailproc_cli(config, "tickets")
    assert "upgraded" not in again.stderr and list(tmp_path.glob("*.backup")) == [copy]


def test_a_database_newer_than_the_program_is_refused_untouched(tmp_path, mailproc_cli):
    config, database = _desk(tmp_path)
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute(f"PRAGMA user_version = {migrations.CURRENT + 1}")
    schema = _schema(database)

    secrets = {"MAILPROC_IMAP_PASSWORD": "secret", "MAILPROC_SMTP_PASSWORD": "secret",
               "MAILPROC_TOKEN_SECRET": "a-secret-long-enough-for-the-agents-tokens"}
    for command in (["tickets"], ["poll"]):
        refused = mailproc_cli(config, *command, check=False, env=secrets)
        assert refused.returncode == 1 and refused.stdout == ""
        assert (f"has schema version {migrations.CURRENT + 1}, this mailproc knows versions up to "
                f"{migrations.CURRENT}") in refused.stderr and "Traceback" not in refused.stderr
    assert _schema(database) == schema and not list(tmp_path.glob("*.backup"))


def test_a_new_database_starts_at_the_current_version(tmp_path):
    open_database(sqlite_at(tmp_path / "new.db")).close()
    assert _read(tmp_path / "new.db", "PRAGMA user_version") == [(migrations.CURRENT,)]
    assert not list(tmp_path.glob("*.backup"))
