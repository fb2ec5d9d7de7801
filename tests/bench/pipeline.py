"""The pipeline alone (parse, thread, decide, record; no IMAP, no SMTP) on SQLite and on
PostgreSQL, for the database's share of the end-to-end figure."""
from __future__ import annotations

import datetime as dt
import os
import pathlib
import tempfile
import time

from tests.mailfactory import make_mail

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def rate(n: int = 200, url: str = "sqlite:///mailproc.db") -> float:
    """mails/s of process_mail on n short mails."""
    from mailproc.config import Secrets, load_settings
    from mailproc.desk import Desk
    from mailproc.mail import RawMail
    from mailproc.pipeline import process_mail
    from mailproc.reader import MailReader
    from mailproc.store import record
    from mailproc.store.db import BlobStore, open_database

    work = pathlib.Path(tempfile.mkdtemp(prefix="mp-bench-"))
    (work / "config.toml").write_text(f'[support]\nmax_auto_replies_per_day = 100000\n[database]\nurl = "{url}"\n')
    settings = load_settings(work / "config.toml")
    open_database(settings.database)
    desk = Desk(settings, Secrets("x", None, b"bench"), BlobStore(settings.database.data_dir / "blobs"),
                clock=lambda: NOW)
    record.folder_state(desk.mailbox, "INBOX", 1)
    raws = [RawMail("INBOX", 1, uid, NOW, make_mail(from_=f"c{uid % 20}@example.test", subject=f"Вопрос {uid}",
                                                    body="Не могу войти в личный кабинет. ID аккаунта: 10452"))
            for uid in range(1, n + 1)]
    start = time.perf_counter()
    with MailReader(settings.limits.mail_seconds) as reader:
        for raw in raws:
            process_mail(desk, raw, reader)
    return n / (time.perf_counter() - start)


def rate_on_postgresql() -> float | str:
    """mails/s on a throw-away PostgreSQL cluster, or why there is none."""
    from tests.mailstack import postgres

    try:
        cluster = postgres.Cluster()
    except (postgres.Unavailable, OSError) as exc:
        return f"skipped ({exc})"
    try:
        os.environ["MAILPROC_DATABASE_PASSWORD"] = postgres.PASSWORD
        return rate(url=cluster.fresh_database())
    finally:
        cluster.stop()
