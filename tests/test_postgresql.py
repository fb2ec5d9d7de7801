"""What only a database server brings: the server restarting under a running desk."""
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
