"""Outages under `mailproc run` (issue 9, "also prove"): IMAP restarted in the middle of a batch
and SMTP down for several cycles. The daemon reconnects with backoff and jitter, says one line
when an outage starts and one when it ends, and catches up: every mail recorded once, every
reply sent once."""
from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from tests.conftest import ON_BOTH_DATABASES, PASSWORD, SCRIPTS
from tests.mailfactory import make_mail
from tests.test_daemon import _wait_for_log

pytestmark = ON_BOTH_DATABASES

CLIENT, AGENT = "client@example.test", "agent1@example.test"
FAST_RETRIES = {"poll_seconds": 1, "retry_max_seconds": 2}


@pytest.fixture
def dovecot(mailstack):
    """stop() / start() the session's Dovecot (same ports, same mailboxes); started again at teardown."""
    env = dict(os.environ, MAILSTACK_IMAP_PORT=str(mailstack.imap_port),
               MAILSTACK_LMTP_PORT=str(mailstack.lmtp_port), MAILSTACK_IMAPS_PORT=str(mailstack.imaps_port),
               MAILSTACK_USERS=" ".join(f"{u}:{PASSWORD}" for u in mailstack.users))

    class Control:
        @staticmethod
        def stop():
            subprocess.run([str(SCRIPTS / "stop-dovecot.sh"), str(mailstack.dir), "--fast"], check=True,
                           capture_output=True)

        @staticmethod
        def start():
            subprocess.run([str(SCRIPTS / "start-dovecot.sh"), str(mailstack.dir)], env=env, check=True,
                           capture_output=True, stdin=subprocess.DEVNULL, timeout=120)

    yield Control
    Control.start()


def _lines(proc, pattern: str) -> list[str]:
    return [line for line in proc.stderr_path.read_text().splitlines() if re.search(pattern, line)]


def _wait_for_count(mail, user: str, count: int, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while len(found := mail.messages(user)) < count and time.monotonic() < deadline:
        time.sleep(0.3)
    return found


def test_imap_restarted_in_the_middle_of_a_batch(mail, mailproc_config, mailproc_cli, dovecot, smtp_server):
    # The relay stopped under a sending connection leaves it open, unanswered (a server gone from the
    # network): the sender waits out the SMTP timeout before the cycle ends and says IMAP is down.
    config = mailproc_config(mailbox={**FAST_RETRIES, "batch_size": 3},
                             smtp={"retry_max_seconds": 2, "timeout_seconds": 3},
                             support={"max_auto_replies_per_day": 20})  # one client, 20 acknowledgements
    subjects = [f"письмо {n:02d}" for n in range(20)]
    for subject in subjects:
        mail.deliver(make_mail(from_=CLIENT, subject=subject, body=f"Текст: {subject}."))
    proc = mailproc_cli.popen(config, "run")
    _wait_for_log(proc, "ticket=KB-000002")
    # The whole mail server restarts. Its SMTP side goes first: the test relay, unlike a real
    # one, refuses for good what it cannot hand to Dovecot at once.
    smtp_server.stop()
    dovecot.stop()
    _wait_for_log(proc, "IMAP unavailable")
    time.sleep(4)  # several cycles against a closed port
    dovecot.start()
    smtp_server.start()
    _wait_for_log(proc, "IMAP back after", timeout=30)

    acks = _wait_for_count(mail, CLIENT, len(subjects))
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert sorted(t["subject"] for t in tickets) == subjects  # each mail recorded once
    assert sorted(m["Subject"].split(" [")[0].removeprefix("Re: ") for m in acks) == subjects  # answered once
    assert len(_lines(proc, "WARNING .*IMAP unavailable")) == 1
    [back] = _lines(proc, "INFO .*IMAP back after")
    assert int(re.search(r"\((\d+) failed attempt", back)[1]) >= 2  # retried, said once
    assert "Traceback" not in proc.stderr_path.read_text()
    assert mail.messages("support@example.test") == []
    proc.terminate()
    assert proc.wait(timeout=15) == 0


def test_smtp_down_for_several_cycles(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config(mailbox=FAST_RETRIES, smtp={"retry_max_seconds": 2})
    smtp_server.stop()
    proc = mailproc_cli.popen(config, "run")
    for n in range(3):
        mail.deliver(make_mail(from_=CLIENT, subject=f"SMTP лежит {n}", body="Ответ подождёт."))
    _wait_for_log(proc, "SMTP unavailable")
    deadline = time.monotonic() + 30
    while len(mailproc_cli(config, "tickets", "--json", json=True)) < 3 and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(4)  # several cycles against a closed port
    assert mail.messages(CLIENT) == []
    smtp_server.start()
    _wait_for_log(proc, "SMTP back after", timeout=30)

    assert len(_wait_for_count(mail, CLIENT, 3)) == 3
    assert len(_wait_for_count(mail, AGENT, 3)) == 3
    time.sleep(2)  # a further cycle must not send anything twice
    assert len(mail.messages(CLIENT)) == 3 and len(mail.messages(AGENT)) == 3
    assert len(_lines(proc, "WARNING .*SMTP unavailable")) == 1
    assert not _lines(proc, "stay in the outbox")  # no line per retry
    [back] = _lines(proc, "INFO .*SMTP back after")
    assert int(re.search(r"\((\d+) failed attempt", back)[1]) >= 2
    proc.terminate()
    assert proc.wait(timeout=15) == 0
