"""Several workers on one PostgreSQL desk of two mailboxes: one polls each mailbox at a time, the others
send and check deadlines; a worker killed mid-batch is taken over, and nothing is lost or done twice."""
from __future__ import annotations

import email
import re
import subprocess
import sys
import time
from email.policy import default

import pytest

from mailproc.config import Database
from mailproc.store.db import poller_lock
from tests.conftest import ROOT, desk_database
from tests.mailfactory import make_mail
from tests.test_daemon import _wait_for_log
from tests.test_mailboxes import BILLING, _two_mailboxes

pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

SUPPORT = "support@example.test"
MAILBOXES = (SUPPORT, BILLING)
CLIENTS = ("client@example.test", "client2@example.test")
THREADS = 250  # each a client's mail and its follow-up: 500 mails, half to each mailbox


def _append_backlog(mail, threads: int) -> None:
    """A backlog in both INBOXes: each client writes, then writes again in the same thread."""
    for parity, mailbox in enumerate(MAILBOXES):
        with mail.ms.imap(mailbox) as imap:
            for n in range(parity, threads, 2):
                first, client = f"<backlog{n}@client.example.test>", CLIENTS[n % 2]
                imap.append(make_mail(from_=client, to=mailbox, subject=f"Касса {n} не печатает чек",
                                      body="Не печатает чек.", message_id=first), "INBOX")
                imap.append(make_mail(from_=client, to=mailbox, subject=f"Re: Касса {n} не печатает чек",
                                      body="Дополню: после обновления.", in_reply_to=first, references=first),
                            "INBOX")


def _wait_until(done, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout}s")
        time.sleep(0.5)


def test_a_worker_killed_mid_batch_is_taken_over_and_nothing_is_lost_or_doubled(
        mail, mailstack, mailproc_config, mailproc_cli, smtp_server):
    config = _two_mailboxes(mailproc_config, mailstack, both={"poll_seconds": 2, "batch_size": 20},
                            support={"max_auto_replies_per_day": 4 * THREADS})
    _append_backlog(mail, THREADS)
    first = mailproc_cli.popen(config, "run", env={"MAILPROC_KILL_AT": f"after_commit:{THREADS // 2}"})
    _wait_for_log(first, "ticket=KB-000001", timeout=60)  # the first worker holds the mailbox
    second = mailproc_cli.popen(config, "run")
    _wait_for_log(second, "another worker polls the mailbox", timeout=60)
    first.wait(timeout=300)  # killed after committing a mail it had not moved yet
    assert first.returncode == -9

    _wait_for_log(second, "the poller's lock is this worker's now", timeout=60)
    _wait_until(lambda: all(mail.messages(m) == [] for m in MAILBOXES), 600, "both INBOXes emptied")
    db = desk_database(config)
    _wait_until(lambda: db.execute_sql("SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0] == 0
                and db.execute_sql("SELECT count(*) FROM outbox").fetchone()[0] == len(smtp_server.envelopes),
                300, "every queued mail sent")
    assert second.poll() is None

    opened = db.execute_sql("SELECT subject, count(*) FROM ticket GROUP BY subject").fetchall()
    assert sorted(opened) == sorted((f"Касса {n} не печатает чек", 1) for n in range(THREADS))  # a ticket per thread
    inbound = db.execute_sql("SELECT count(*), count(DISTINCT message_id) FROM message WHERE direction = 'in'")
    assert inbound.fetchone() == (2 * THREADS, 2 * THREADS)  # every mail recorded once
    ids = [email.message_from_bytes(e.content)["Message-ID"] for e in smtp_server.envelopes]
    assert len(ids) == len(set(ids))  # nothing sent twice
    tags = {tag for (tag,) in db.execute_sql("SELECT tag FROM ticket").fetchall()}
    acknowledged = {tag for e in smtp_server.envelopes if set(e.rcpt_tos) & set(CLIENTS)
                    for tag in re.findall(r"(?:KB|BL)-\d{6}", email.message_from_bytes(e.content, policy=default)["Subject"])}
    assert tags <= acknowledged  # every client was answered
    assert [len(mail.messages(m, "Processed")) for m in MAILBOXES] == [THREADS, THREADS]  # no mailbox crossed
    assert {tag[:2] for (tag,) in db.execute_sql("SELECT tag FROM ticket").fetchall()} == {"KB", "BL"}


_ESCALATE = """
import pathlib, sys
from mailproc import escalate
from mailproc.cli import make_desks
from mailproc.config import load_settings
[desk] = make_desks(load_settings(pathlib.Path(sys.argv[1])))
pathlib.Path(sys.argv[2]).touch()
while not pathlib.Path(sys.argv[3]).exists():
    pass
print(escalate.escalate(desk).sent)
"""


def test_two_workers_checking_deadlines_at_once_escalate_each_once(mail, mailproc_config, mailproc_cli, tmp_path):
    config = mailproc_config(smtp={"port": 1})  # nothing leaves: the outbox shows what was queued
    with mail.ms.imap(SUPPORT) as imap:
        for n in range(30):
            imap.append(make_mail(from_=f"client{n}@example.test", subject=f"Вопрос {n}", body="Не работает."),
                        "INBOX")
    mailproc_cli(config, "poll", check=False)
    db = desk_database(config)
    # every term missed (escalation_due is what the check reads: the store keeps it with the terms)
    db.execute_sql("UPDATE ticket SET first_response_due = now() - interval '1 hour', "
                   "escalation_due = now() - interval '1 hour'")
    queued_before = db.execute_sql("SELECT count(*) FROM outbox").fetchone()[0]
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", _ESCALATE, str(config), str(tmp_path / f"ready{n}"), str(go)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True) for n in range(2)]
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert all(w.poll() is None for w in workers)
    go.touch()  # both see every ticket due now
    sent = [int(w.communicate(timeout=120)[0]) for w in workers]

    marks = db.execute_sql("SELECT sum(jsonb_array_length(escalations)) FROM ticket").fetchone()[0]
    assert marks >= 30 and sum(sent) == marks  # each warning or breach once, whichever worker sent it
    assert db.execute_sql("SELECT count(*) FROM outbox").fetchone()[0] - queued_before == marks


def test_the_poller_lock_is_per_mailbox_and_released_when_its_holder_dies(database, tmp_path):
    place = Database(url=database, password_env="MAILPROC_DATABASE_PASSWORD", data_dir=tmp_path, path=None)
    support, billing = "support@example.test@127.0.0.1:143/INBOX", "billing@example.test@127.0.0.1:143/INBOX"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, database, support], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "held"
    with poller_lock(place, [support, billing]) as busy:
        assert list(busy) == [support] and support in busy[support]  # named in the message
        # billing is polled beside it: this process holds that one
    holder.kill()  # as SIGKILL: no unlock, the server sees the connection close
    holder.wait()
    deadline = time.monotonic() + 60
    while True:
        with poller_lock(place, [support]) as busy:
            if not busy:
                break
        assert time.monotonic() < deadline, "the dead holder's lock was not released"
        time.sleep(0.2)

_HOLD = """
import sys, time
from mailproc.config import Database
from mailproc.store.db import poller_lock
with poller_lock(Database(url=sys.argv[1], password_env="MAILPROC_DATABASE_PASSWORD", data_dir=None, path=None),
                 [sys.argv[2]]) as busy:
    print(busy or "held", flush=True)
    time.sleep(600)
"""
