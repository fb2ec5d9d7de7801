"""kill -9 at every step of a cycle in turn (mailproc.faults), then polls without the fault:
every client mail ends in exactly one ticket, none is lost, each is acknowledged,
and each reply (acknowledgement, notification) goes out once: twice only for a kill between the
SMTP server's acceptance and marking the row sent."""
from __future__ import annotations

import collections
import signal

import pytest

from tests.conftest import ON_BOTH_DATABASES
from tests.mailfactory import make_mail

pytestmark = [pytest.mark.kill_matrix, ON_BOTH_DATABASES]

CLIENT, SUPPORT = "client@example.test", "support@example.test"
AGENTS = ("agent1@example.test", "agent2@example.test")
POINTS = ("after_fetch", "after_parse", "in_transaction", "after_commit", "before_move", "smtp_data",
          "after_accept")
MAILS_PER_POINT = 2


def test_kill_at_every_step_loses_and_doubles_nothing(mail, mailproc_config, mailproc_cli):
    # One SMTP connection: with several, a kill at smtp_data on one may find another between the
    # server's acceptance and marking its row, which doubles that mail as a kill at after_accept does.
    config = mailproc_config(support={"max_auto_replies_per_day": 1000}, smtp={"connections": 1})
    delivered: list[str] = []
    sent_twice: set[str] = set()  # by the kill between acceptance and marking sent
    kills = 0
    for point in POINTS:
        for n in range(MAILS_PER_POINT):
            mid = f"<{point}-{n}@c.test>"
            mail.deliver(make_mail(from_=CLIENT, subject=f"{point} {n}", body=f"Касса номер {n} не печатает чек.",
                                   message_id=mid))
            delivered.append(mid)
        killed = mailproc_cli(config, "poll", check=False, env={"MAILPROC_KILL_AT": f"{point}:2"})
        assert killed.returncode == -signal.SIGKILL, f"{point}: the poll was not killed:\n{killed.stderr}"
        kills += 1
        mailproc_cli(config, "poll")  # recovery, no fault

        rows = mailproc_cli(config, "tickets", "--json", json=True)
        subjects = collections.Counter(r["subject"] for r in rows)
        assert len(rows) == len(delivered), f"after a kill at {point}"
        assert all(count == 1 for count in subjects.values()), f"duplicate tickets after a kill at {point}"
        acked = {m["In-Reply-To"] for m in mail.messages(CLIENT)}
        assert acked == set(delivered), f"acknowledgement lost after a kill at {point}"
        replies = collections.Counter((user, m["Message-ID"]) for user in (CLIENT, *AGENTS) for m in mail.messages(user))
        doubled = {mid for mid, count in replies.items() if count > 1}
        assert all(count <= 2 for count in replies.values())
        if point == "after_accept":
            sent_twice |= doubled
        assert doubled <= sent_twice, f"a reply went out twice after a kill at {point}: {doubled - sent_twice}"
        assert mail.messages(SUPPORT) == [], f"mail left in INBOX after a kill at {point}"
    archived = [m["Message-ID"] for m in mail.messages(SUPPORT, "Processed")]
    assert sorted(archived) == sorted(delivered)
    print(f"kill matrix: {kills} kills, {len(delivered)} mails, 0 lost, 0 duplicate tickets, "
          f"{sum(replies.values()) - len(replies)} of {len(replies)} replies sent twice")

