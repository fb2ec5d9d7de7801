"""What only a database server brings: the server restarting under a running desk, its password."""
from __future__ import annotations

import pytest

from tests.mailfactory import make_mail
from tests.test_daemon import _wait_for_log
from tests.test_outages import _wait_for_count

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

CLIENT = "client@example.test"


def test_run_goes_on_after_postgresql_restarts(mail, mailproc_config, mailproc_cli, postgres_cluster):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_=CLIENT, subject="До перезапуска", body="Первое письмо."))
    _wait_for_log(proc, "ticket=KB-000001")
    postgres_cluster.restart()  # every connection of the desk drops
    mail.deliver(make_mail(from_=CLIENT, subject="После перезапуска", body="Второе письмо."))
    _wait_for_log(proc, "ticket=KB-000002", timeout=60)

    assert len(_wait_for_count(mail, CLIENT, 2)) == 2
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [t["subject"] for t in tickets] == ["До перезапуска", "После перезапуска"]
    assert proc.poll() is None


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
