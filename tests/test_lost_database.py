"""A lost or replaced database (issue 9, item 10): never reuse a ticket number once sent out;
`backup` copies the live database; a restore resumes numbering after what went out since."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat

from tests.mailfactory import make_mail

SUPPORT, CLIENT, CLIENT2, STRANGER = ("support@example.test", "client@example.test", "client2@example.test",
                                      "stranger@example.test")


def _tags(cli, config):
    return [t["tag"] for t in cli(config, "tickets", "--json", json=True)]


def _lose_database(config):
    for suffix in ("", "-wal", "-shm"):
        (config.parent / f"mailproc.db{suffix}").unlink(missing_ok=True)


def test_an_empty_database_refuses_to_poll_until_told_and_then_numbers_after_every_tag_sent(
        mail, mailproc_config, mailproc_cli):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    mail.deliver(make_mail(from_=CLIENT, subject="Первый вопрос", body="Не работает касса."))
    mail.deliver(make_mail(from_=CLIENT2, subject="Второй вопрос", body="Не приходят бонусы."))
    mailproc_cli(config, "poll")
    ack = mail.wait_for(CLIENT2, "KB-000002")
    # Only the References of this reply name KB-000002 (its subject lost the tag); the stranger's
    # forged Message-ID naming KB-000500 must not count.
    mail.deliver(make_mail(from_=CLIENT2, subject="ещё вопрос", body="И ещё.", in_reply_to=ack["Message-ID"],
                           references=ack["Message-ID"]))
    mail.deliver(make_mail(from_=STRANGER, subject="подделка", body="Чужой тикет.",
                           references="<KB-000500.0123abcd.0123456789abcdef@example.test>"))
    mailproc_cli(config, "poll")
    assert _tags(mailproc_cli, config) == ["KB-000001", "KB-000002", "KB-000003"]

    _lose_database(config)
    mail.deliver(make_mail(from_=CLIENT, subject="После потери базы", body="Снова не работает касса."))
    refused = mailproc_cli(config, "poll", check=False)
    assert refused.returncode == 1
    assert "Processed holds 4 processed mail(s)" in refused.stderr and "is empty" in refused.stderr
    assert "Restore the last backup" in refused.stderr and "--resume-numbering" in refused.stderr
    assert len(mail.messages(SUPPORT)) == 1 and _tags(mailproc_cli, config) == []
    daemon = mailproc_cli.popen(config, "run")
    assert daemon.wait(timeout=30) == 1
    assert "--resume-numbering" in daemon.stderr_path.read_text()
    assert len(mail.messages(SUPPORT)) == 1

    mail.append(SUPPORT, make_mail(from_=CLIENT, subject="Re: [KB-000007] старая переписка", body="Архив."),
                folder="Processed")  # older tickets' mail: the highest tag wins over the count
    resumed = mailproc_cli(config, "poll", "--resume-numbering")
    assert "new tickets start at KB-000008" in resumed.stderr
    assert _tags(mailproc_cli, config) == ["KB-000008"]
    assert "[KB-000008]" in mail.wait_for(CLIENT, "После потери базы")["Subject"]
    mail.deliver(make_mail(from_=CLIENT2, subject="Дальше", body="Следующий."))
    mailproc_cli(config, "poll")
    assert _tags(mailproc_cli, config) == ["KB-000008", "KB-000009"]


def test_without_tags_numbering_resumes_after_the_count_of_processed_mail(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    for n in range(3):  # nobody answered yet: no tag of ours anywhere in the mailbox
        mail.deliver(make_mail(from_=CLIENT, subject=f"вопрос {n}", body="Текст."))
    mailproc_cli(config, "poll")
    _lose_database(config)
    mail.deliver(make_mail(from_=CLIENT2, subject="новый", body="Текст."))
    mailproc_cli(config, "poll", "--resume-numbering")
    assert _tags(mailproc_cli, config) == ["KB-000004"]


def test_backup_while_running_and_restore(mail, mailproc_config, mailproc_cli, tmp_path):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    daemon = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_=CLIENT, subject="до копии", body="Первое."))
    mail.wait_for(CLIENT, "KB-000001")
    copy = tmp_path / "backups" / "desk.db"
    copy.parent.mkdir()
    mailproc_cli(config, "backup", copy)
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    with sqlite3.connect(copy) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        assert db.execute("select tag from ticket").fetchall() == [("KB-000001",)]
    mail.deliver(make_mail(from_=CLIENT2, subject="после копии", body="Второе."))
    mail.wait_for(CLIENT2, "KB-000002")
    daemon.terminate()
    assert daemon.wait(timeout=15) == 0

    # Restore as the README says: stop, copy back, resume numbering once, start.
    _lose_database(config)
    shutil.copy(copy, config.parent / "mailproc.db")
    assert _tags(mailproc_cli, config) == ["KB-000001"]  # the mail after the copy stays in Processed
    forgot = mailproc_cli(config, "poll", check=False)  # the admin forgot --resume-numbering: refused
    assert forgot.returncode == 1 and "holds 2 processed mail(s)" in forgot.stderr
    assert "moved only 1 mail(s) there: it is older than the mailbox" in forgot.stderr
    mailproc_cli(config, "poll", "--resume-numbering")
    mail.deliver(make_mail(from_=STRANGER, subject="после восстановления", body="Третье."))
    mailproc_cli(config, "poll")
    assert _tags(mailproc_cli, config) == ["KB-000001", "KB-000003"]  # KB-000002 went out: never again
