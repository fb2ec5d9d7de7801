"""The outbox goes out while a poll works through a backlog (mailproc.sender), over several SMTP
connections, each reply once; a sender that dies, or cannot be started, leaves its mail to the
cycle's own drain. The poll is held at a step (mailproc.faults) while the test looks: what is
asserted is an order, never a time."""
from __future__ import annotations

import email
import os
import pathlib
import re
import signal
import time

import peewee

from mailproc import sender
from mailproc.cli import make_desks
from mailproc.config import load_settings
from mailproc.cycle import run_cycle
from tests.conftest import ON_BOTH_DATABASES, desk_database
from tests.mailfactory import make_mail

pytestmark = ON_BOTH_DATABASES

SUPPORT = "support@example.test"
BACKLOG = 12


def _deliver_backlog(mail, count: int) -> None:
    for n in range(count):
        mail.deliver(make_mail(from_=f"client{n % 6 + 3}@example.test", subject=f"Касса {n}",
                               body="Касса не печатает чек.", message_id=f"<backlog{n}@c.test>"))


def _held(release) -> dict:
    return {"MAILPROC_HOLD_AT": f"before_move:{BACKLOG // 2}", "MAILPROC_HOLD_UNTIL": str(release)}


def _outbox(config) -> tuple[int, int, int]:
    """(tickets, outbox rows, of which pending), as committed now (nothing before the poll made the tables)."""
    database = desk_database(config)
    try:
        return database.execute_sql(
            "SELECT (SELECT count(*) FROM ticket), (SELECT count(*) FROM outbox), "
            "(SELECT count(*) FROM outbox WHERE status = 'pending')").fetchone()
    except (peewee.OperationalError, peewee.ProgrammingError):
        return 0, 0, 0
    finally:
        database.close()


def _wait_until(done, why=lambda: "", timeout: float = 60) -> None:
    """Until done() (generously: the order of events is asserted, not their time); why() says what failed."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, why() or f"not done within {timeout}s"
        time.sleep(0.2)


def _wait_until_sent(config, tickets: int) -> int:
    """Outbox rows once `tickets` tickets are committed and none of their mail is pending."""
    _wait_until(lambda: (now := _outbox(config))[0] >= tickets and not now[2],
                lambda: f"nothing sent while the poll was held (tickets, rows, pending): {_outbox(config)}")
    return _outbox(config)[1]


def _message_ids(smtp_server) -> list[str]:
    return [email.message_from_bytes(e.content)["Message-ID"] for e in smtp_server.envelopes]


def test_replies_go_out_while_the_poll_holds_the_backlog_and_each_once(mail, mailproc_config, mailproc_cli,
                                                                      smtp_server, tmp_path):
    config = mailproc_config(smtp={"connections": 3})
    _deliver_backlog(mail, BACKLOG)
    release = tmp_path / "release"
    poll = mailproc_cli.popen(config, "poll", env=_held(release))

    # Held after committing the half of the backlog, before moving any (one batch is moved at once):
    # the replies of those mails are accepted by the SMTP server while the backlog is still in INBOX.
    rows = _wait_until_sent(config, BACKLOG // 2)
    assert len(smtp_server.envelopes) == rows > 0
    assert len(mail.messages(SUPPORT)) == BACKLOG
    release.touch()
    assert poll.wait(timeout=120) == 0, poll.stderr_path.read_text()

    ids = _message_ids(smtp_server)
    assert len(ids) == len(set(ids)) == _outbox(config)[1]  # every row, once
    assert len({e.peer for e in smtp_server.envelopes}) >= 2  # over several connections
    assert mail.messages(SUPPORT) == [] and len(mail.messages(SUPPORT, "Processed")) == BACKLOG
    assert f"{len(ids)} sent, 0 deferred, 0 failed" in poll.stderr_path.read_text()  # the cycle counts them all


def test_the_cycle_sends_what_a_sender_killed_while_polling_left(mail, mailproc_config, mailproc_cli, smtp_server,
                                                                 tmp_path):
    config = mailproc_config()
    _deliver_backlog(mail, BACKLOG)
    release = tmp_path / "release"
    poll = mailproc_cli.popen(config, "-v", "poll", env=_held(release))
    sent_before = _wait_until_sent(config, BACKLOG // 2)
    pid = int(re.search(r"sending while polling: process (\d+)", poll.stderr_path.read_text())[1])
    os.kill(pid, signal.SIGKILL)  # idle: nothing of its own is left between acceptance and marking
    release.touch()
    assert poll.wait(timeout=120) == 0, poll.stderr_path.read_text()

    log = poll.stderr_path.read_text()
    assert "the process sending mail while polling was killed by SIGKILL: the cycle sends the mail it left" in log
    ids = _message_ids(smtp_server)
    assert len(ids) == len(set(ids)) == _outbox(config)[1] > sent_before  # the rest went out, once each
    assert _outbox(config)[2] == 0


def test_the_cycle_sends_alone_when_no_sender_can_be_started(mail, mailproc_config, smtp_server, monkeypatch,
                                                             caplog):
    def no_sender(*args, name, **kwargs):
        if name == "mailproc-sender":
            raise OSError("Cannot allocate memory")
        return process(*args, name=name, **kwargs)

    process = sender.CONTEXT.Process
    monkeypatch.setattr(sender.CONTEXT, "Process", no_sender)
    desk = make_desks(load_settings(mailproc_config()))[0]
    _deliver_backlog(mail, 3)
    report = run_cycle(desk)

    assert "cannot start the process that sends mail while polling (Cannot allocate memory)" in caplog.text
    ids = _message_ids(smtp_server)
    assert report.send.sent == len(ids) == len(set(ids)) > 0 and not report.send.error
    assert mail.messages(SUPPORT) == []


def _ended(pid: int) -> bool:
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_smtp_down_while_polling_is_said_as_before_and_the_mail_waits(mail, mailproc_config, mailproc_cli,
                                                                      smtp_server, tmp_path):
    config = mailproc_config()
    smtp_server.stop()
    _deliver_backlog(mail, BACKLOG)
    release = tmp_path / "release"
    poll = mailproc_cli.popen(config, "-v", "poll", env=_held(release))
    _wait_until(lambda: re.search(r"sending while polling: process (\d+)", poll.stderr_path.read_text()))
    pid = int(re.search(r"sending while polling: process (\d+)", poll.stderr_path.read_text())[1])
    _wait_until(lambda: _ended(pid))  # no connection could be made: it ended before the poll did
    release.touch()
    assert poll.wait(timeout=120) == 1
    log = poll.stderr_path.read_text()
    assert re.search(r"error: cannot send via SMTP 127\.0\.0\.1:\d+: .*; unsent mails stay in the outbox", log)
    assert " WARNING " not in log  # the sender's failed connections are the cycle's one error
    tickets, rows, pending = _outbox(config)
    assert tickets == BACKLOG and rows == pending > 0
    smtp_server.start()
    mailproc_cli(config, "poll")

    ids = _message_ids(smtp_server)
    assert len(ids) == len(set(ids)) == rows and _outbox(config)[2] == 0
