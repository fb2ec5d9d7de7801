"""Undo (issue 9, item 11): a quarantined mail retried after a fix becomes a ticket; a reply the
SMTP server refused for good goes out after `outbox retry`; `show` marks what never went out."""
from __future__ import annotations

import sqlite3

from mailproc.store import record
from mailproc.store.db import open_database
from tests.conftest import sqlite_at
from tests.mailfactory import make_mail

SUPPORT, CLIENT = "support@example.test", "client@example.test"


def _quarantined(cli, config):
    return cli(config, "quarantine", "list", "--json", json=True)


def test_a_quarantined_mail_retried_after_the_fix_gets_its_ticket(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mailproc_cli(config, "poll")
    uid = mail.append(SUPPORT, make_mail(from_=CLIENT, subject="Не проходит оплата", body="Касса пишет ошибку."))
    # As if processing this mail had killed the program three times (e.g. out of memory, fixed since).
    with sqlite3.connect(config.parent / "mailproc.db") as db:
        db.execute("update folderstate set inflight_uid = ?, inflight_attempts = 3 where folder = 'INBOX'", (uid,))
    mailproc_cli(config, "poll")
    [poison] = _quarantined(mailproc_cli, config)
    assert "stopped the program" in poison["reason"]
    assert [t["status"] for t in mailproc_cli(config, "tickets", "--status", "quarantined", "--json", json=True)] \
        == ["quarantined"]
    assert len(mail.messages(SUPPORT, "Quarantine")) == 1 and mail.messages(CLIENT) == []

    result = mailproc_cli(config, "quarantine", "retry", poison["id"])
    assert "back to INBOX" in result.stderr
    assert _quarantined(mailproc_cli, config) == []
    assert mail.messages(SUPPORT, "Quarantine") == [] and len(mail.messages(SUPPORT)) == 1

    mailproc_cli(config, "poll")
    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert ticket["tag"] == "KB-000001" and ticket["subject"] == "Не проходит оплата"
    mail.wait_for(CLIENT, "KB-000001")
    assert mail.messages(SUPPORT) == [] and len(mail.messages(SUPPORT, "Processed")) == 1
    assert mailproc_cli(config, "quarantine", "retry", poison["id"], check=False).returncode == 1


def test_poison_retried_is_quarantined_again_even_when_deleted_from_the_folder(mail, mailproc_config,
                                                                               mailproc_cli):
    config = mailproc_config()
    mail.append(SUPPORT, b"\r\n")
    mailproc_cli(config, "poll")
    [poison] = _quarantined(mailproc_cli, config)
    with mail.ms.imap(SUPPORT) as mb:  # an admin cleaned the folder by hand: the desk kept a copy
        mb.folder.set("Quarantine")
        mb.delete(mb.uids())
    result = mailproc_cli(config, "quarantine", "retry", poison["id"])
    assert "stored copy" in result.stderr and len(mail.messages(SUPPORT)) == 1

    mailproc_cli(config, "poll")
    [again] = _quarantined(mailproc_cli, config)
    assert "not a mail" in again["reason"] and again["uid"] != poison["uid"]
    assert len(mail.messages(SUPPORT, "Quarantine")) == 1 and mail.messages(SUPPORT) == []
    assert mailproc_cli(config, "tickets", "--json", json=True) == []


def test_a_reply_refused_for_good_is_shown_and_goes_out_after_outbox_retry(mail, mailproc_config, mailproc_cli,
                                                                          smtp_server, monkeypatch):
    config = mailproc_config()
    deliver = smtp_server.handle_DATA

    async def refuse_the_client(server, session, envelope):
        if CLIENT in envelope.rcpt_tos:
            return "550 5.7.1 recipient refused by policy"
        return await deliver(server, session, envelope)

    monkeypatch.setattr(smtp_server, "handle_DATA", refuse_the_client)
    mail.deliver(make_mail(from_=CLIENT, subject="Не работает отчёт", body="Отчёт пустой."))
    assert "1 failed" in mailproc_cli(config, "poll").stderr
    [row] = mailproc_cli(config, "outbox", "list", "--json", json=True)
    assert row["status"] == "failed" and row["ticket"] == "KB-000001" and row["to"] == [CLIENT]
    assert "550" in row["last_error"]
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    ack = next(m for m in shown["messages"] if m["kind"] == "auto_reply")
    assert ack["delivery"] == "failed" and "550" in ack["delivery_error"]
    assert {m["delivery"] for m in shown["messages"] if m["kind"] == "notification"} == {"sent"}
    assert "NOT SENT: failed: 550" in mailproc_cli(config, "show", "KB-000001").stdout

    mailproc_cli(config, "poll")
    assert mail.messages(CLIENT) == []  # refused for good: not retried by itself
    monkeypatch.setattr(smtp_server, "handle_DATA", deliver)  # the admin fixed the relay
    mailproc_cli(config, "outbox", "retry", row["id"])
    assert mailproc_cli(config, "outbox", "list", "--json", json=True) == []
    mailproc_cli(config, "poll")
    mail.wait_for(CLIENT, "KB-000001")
    ack = next(m for m in mailproc_cli(config, "show", "KB-000001", "--json", json=True)["messages"]
               if m["kind"] == "auto_reply")
    assert ack["delivery"] == "sent" and "NOT SENT" not in mailproc_cli(config, "show", "KB-000001").stdout
    refused = mailproc_cli(config, "outbox", "retry", row["id"], check=False)
    assert refused.returncode == 1 and "is sent" in refused.stderr



def test_a_quarantined_mail_moved_back_by_hand_is_processed_afresh(mail, mailproc_config, mailproc_cli):
    """The admin's own way of undoing: move the mail from Quarantine to INBOX in a mail program.
    Here on a new desk whose only mail was quarantined: that must not pass for a lost database either."""
    mail.append(SUPPORT, make_mail(from_=CLIENT, subject="Не проходит оплата", body="Касса пишет ошибку."))
    config = mailproc_config(limits={"mail_seconds": 0.001})  # too little time to read any mail
    mailproc_cli(config, "poll")
    [poison] = _quarantined(mailproc_cli, config)
    assert "limits.mail_seconds" in poison["reason"]
    config.write_text(config.read_text().replace("mail_seconds = 0.001", "mail_seconds = 30"))  # the fix
    with mail.ms.imap(SUPPORT) as mb:
        mb.folder.set("Quarantine")
        mb.move(mb.uids(), "INBOX")

    assert "1 recorded" in mailproc_cli(config, "poll").stderr
    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert ticket["subject"] == "Не проходит оплата" and _quarantined(mailproc_cli, config) == []
    mail.wait_for(CLIENT, ticket["tag"])
    assert len(mail.messages(SUPPORT, "Processed")) == 1


def test_a_desk_that_polled_is_no_empty_database(tmp_path):
    """A desk whose only record was a quarantined mail, retried (its record forgotten): the polled
    folder's progress still shows it ran, so the next poll is no 'lost database'."""
    open_database(sqlite_at(tmp_path / "mailproc.db"))
    assert record.is_empty_desk()
    record.folder_state("KB", "INBOX", 7)
    assert record.is_empty_desk()  # a first poll of an empty mailbox
    record.advance_folder("KB", "INBOX", 1)
    assert not record.is_empty_desk()
