"""Logging options: accepted before or after the command; --quiet; JSON lines; SQL only at -vv."""
from __future__ import annotations

import json

from tests.test_upgrade import _desk


def test_json_lines_and_the_options_after_the_command(tmp_path, mailproc_cli):
    config, _ = _desk(tmp_path)  # a first-schema database: opening it logs the upgrade (WARNING)
    result = mailproc_cli(config, "outbox", "retry", "2", "--log-format", "json")
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [(e["level"], e["logger"]) for e in entries] == [("WARNING", "mailproc.store.db"), ("INFO", "mailproc.undo")]
    assert "upgraded from schema version 1" in entries[0]["message"] and entries[0]["time"].endswith("+00:00")
    assert "released to pending" in entries[1]["message"]


def test_quiet_keeps_warnings_only(tmp_path, mailproc_cli):
    config, _ = _desk(tmp_path)
    result = mailproc_cli(config, "outbox", "retry", "2", "-q")
    assert " WARNING mailproc.store.db: database " in result.stderr and " INFO " not in result.stderr


def test_sql_only_at_the_second_v(tmp_path, mailproc_cli):
    config, _ = _desk(tmp_path)
    once = mailproc_cli(config, "tickets", "-v")
    twice = mailproc_cli(config, "-v", "tickets", "-vv")
    assert "SELECT" not in once.stderr and " DEBUG peewee: ('SELECT" in twice.stderr
    assert once.stdout == twice.stdout != ""
