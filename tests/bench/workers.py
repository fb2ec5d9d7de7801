"""A backlog through `mailproc run` on PostgreSQL, with one worker and with two (the one holding
the mailbox's lock polls, the other sends and stands by): the figure beside SQLite's one worker."""
from __future__ import annotations

import contextlib
import imaplib
import os
import time

from tests.bench import stack
from tests.bench.mails import small

MAILBOXES = {1: "client5@example.test", 2: "client6@example.test"}  # a mailbox of its own per measure


def rates(ms: stack.Stack, sink: stack.Sink, n: int) -> dict[int, float] | str:
    """mails/s from the first `run` started to the backlog of n mails moved and its outbox sent,
    per number of workers; or why there is no PostgreSQL."""
    from tests.mailstack import postgres

    try:
        cluster = postgres.Cluster()
    except (postgres.Unavailable, OSError) as exc:
        return f"skipped ({exc})"
    os.environ["MAILPROC_DATABASE_PASSWORD"] = stack.ENV["MAILPROC_DATABASE_PASSWORD"] = postgres.PASSWORD
    try:
        return {workers: n / _backlog_seconds(ms, sink, user, cluster.fresh_database(), workers, n)
                for workers, user in MAILBOXES.items()}
    finally:
        cluster.stop()


def _backlog_seconds(ms: stack.Stack, sink: stack.Sink, user: str, url: str, workers: int, n: int) -> float:
    from mailproc.config import load_settings
    from mailproc.store import db

    ms.append([small(i) for i in range(n)], user)
    desk = stack.new_desk(ms, sink, user, sections={"database": {"url": url}}, poll_seconds=1)
    start = time.perf_counter()
    with contextlib.ExitStack() as running:
        for worker in range(workers):
            running.enter_context(stack.running(desk, log=f"run{worker}.log"))
        database = db.connect(load_settings(desk / "config.toml").database)
        while _inbox_count(ms, user) or database.execute_sql(
                "SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]:
            time.sleep(0.2)
        took = time.perf_counter() - start
        database.close()
    return took


def _inbox_count(ms: stack.Stack, user: str) -> int:
    imap = imaplib.IMAP4(ms.host, ms.imap_port)
    imap.login(user, ms.password)
    typ, data = imap.status("INBOX", "(MESSAGES)")
    imap.logout()
    return int(data[0].split()[-1].rstrip(b")"))
