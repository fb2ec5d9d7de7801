"""What only a database server brings: the server restarting under a running desk, its password,
two workers draining one outbox; and the schema upgrade, which on PostgreSQL copies nothing first."""
from __future__ import annotations

import email
import re
import subprocess
import sys
import time

import pytest

from mailproc.config import Database
from mailproc.store import migrations
from mailproc.store.db import open_database
from tests.conftest import ROOT
from tests.mailfactory import make_mail
from tests.test_daemon import _wait_for_log
from tests.test_outages import _wait_for_count

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

CLIENT = "client@example.test"


def test_run_goes_on_after_postgresql_restarts(mail, mailproc_config, mailproc_cli, postgres_cluster):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_=CLIENT, subject="До перезапуска", body="Первое письмо."))
    # the acknowledgement's row is committed as sent before the restart: a restart between the SMTP
    # server's acceptance and that commit would send it again (at least once, as any outage there)
    _wait_for_sent(proc, CLIENT)
    postgres_cluster.restart()  # every connection of the desk drops
    mail.deliver(make_mail(from_=CLIENT, subject="После перезапуска", body="Второе письмо."))
    _wait_for_log(proc, "ticket=KB-000002", timeout=60)

    assert len(_wait_for_count(mail, CLIENT, 2)) == 2
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [t["subject"] for t in tickets] == ["До перезапуска", "После перезапуска"]
    assert proc.poll() is None


def _wait_for_sent(proc, recipient, timeout=30):
    deadline = time.monotonic() + timeout
    while not re.search(rf"sent outbox row \d+ to {re.escape(recipient)}", proc.stderr_path.read_text()):
        assert time.monotonic() < deadline, f"nothing sent to {recipient} within {timeout}s"
        time.sleep(0.1)


def test_a_missing_or_wrong_database_password_is_named(mailproc_config, mailproc_cli, monkeypatch):
    config = mailproc_config()
    assert mailproc_cli(config, "check-config", "--connect").returncode == 0
    monkeypatch.delenv("MAILPROC_DATABASE_PASSWORD")
    missing = mailproc_cli(config, "check-config", "--connect", check=False)
    assert missing.returncode == 1 and "$MAILPROC_DATABASE_PASSWORD" in missing.stderr
    monkeypatch.setenv("MAILPROC_DATABASE_PASSWORD", "wrong")
    wrong = mailproc_cli(config, "tickets", check=False)
    assert wrong.returncode == 1 and "password authentication failed" in wrong.stderr
    assert "error: database postgresql://mailproc@127.0.0.1:" in wrong.stderr and "Traceback" not in wrong.stderr


def test_an_older_schema_is_upgraded_in_one_transaction_and_a_newer_one_refused(database, tmp_path, caplog):
    place = Database(url=database, password_env="MAILPROC_DATABASE_PASSWORD", data_dir=tmp_path, path=None)
    db = open_database(place)
    assert migrations.version(db) == migrations.CURRENT
    db.execute_sql("DROP INDEX ticket_account_id")  # as version 1 had it
    db.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = 1")
    db.close()

    db = open_database(place)
    assert f"upgraded from schema version 1 to {migrations.CURRENT}" in caplog.text
    assert ["account_id"] in [index.columns for index in db.get_indexes("ticket")]
    assert migrations.version(db) == migrations.CURRENT
    db.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = {migrations.CURRENT + 1}")
    db.close()
    with pytest.raises(migrations.SchemaTooNewError, match=f"has schema version {migrations.CURRENT + 1}"):
        open_database(place)


_DRAIN = """
import datetime as dt, pathlib, sys
from mailproc import send
from mailproc.config import load_settings
from mailproc.store.db import open_database
settings = load_settings(pathlib.Path(sys.argv[1]))
open_database(settings.database)
pathlib.Path(sys.argv[2]).touch()
while not pathlib.Path(sys.argv[3]).exists():
    pass
print(send.drain_outbox(settings.smtp, None, dt.datetime.now(dt.timezone.utc)).sent)
"""


def test_two_workers_draining_one_outbox_send_each_mail_once(mail, mailproc_config, mailproc_cli, smtp_server,
                                                             tmp_path):
    config = mailproc_config()
    smtp_server.stop()  # the replies wait in the outbox
    for n in range(8):
        mail.deliver(make_mail(from_=f"client{n + 1}@example.test" if n else CLIENT, subject=f"Вопрос {n}",
                               body="Не работает касса.", message_id=f"<two{n}@c.test>"))
    mailproc_cli(config, "poll", check=False)
    smtp_server.start()
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", _DRAIN, str(config), str(tmp_path / f"ready{n}"), str(go)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True) for n in range(2)]
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert all(w.poll() is None for w in workers)
    go.touch()  # both hold the same list of due rows now
    sent = [int(w.communicate(timeout=120)[0]) for w in workers]

    ids = [email.message_from_bytes(e.content)["Message-ID"] for e in smtp_server.envelopes]
    assert sum(sent) == len(ids) == len(set(ids)) == 8 * 2  # an acknowledgement and the agents' notice each
    assert mailproc_cli(config, "outbox", "list", "--json", json=True) == []
