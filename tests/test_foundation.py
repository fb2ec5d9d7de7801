"""The spine, end to end against Dovecot and a real SMTP server on 127.0.0.1:
poll -> ticket -> acknowledgement, threading, exactly-once, no answers to machines,
config errors, SMTP outages."""
from __future__ import annotations

import signal
import time

import peewee
import pytest

from mailproc.config import load_settings
from mailproc.store.db import poller_key, poller_lock
from tests.conftest import ON_BOTH_DATABASES, desk_database
from tests.mailfactory import make_mail, text_of

pytestmark = ON_BOTH_DATABASES

SUPPORT, CLIENT, CLIENT2, STRANGER = ("support@example.test", "client@example.test", "client2@example.test",
                                      "stranger@example.test")


def tickets(cli, config, *args):
    return cli(config, "tickets", "--json", *args, json=True)


def test_client_mail_becomes_one_ticket_and_is_acknowledged(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=f"Иван Петров <{CLIENT}>", subject="Не могу войти в личный кабинет",
                           body="Здравствуйте! Не могу войти, пишет «неверный пароль».", message_id="<q1@c.test>"))
    mailproc_cli(config, "poll")

    [ticket] = tickets(mailproc_cli, config)
    assert ticket["tag"] == "KB-000001" and ticket["client"] == CLIENT and ticket["status"] == "new"
    assert ticket["message_count"] == 3  # the client's mail, our acknowledgement, the agents' notification
    assert ticket["first_response_due"]
    assert ticket["priority"] == "critical" and ticket["resolution_due"]  # cannot log in: critical (§2.4)
    ack = mail.wait_for(CLIENT, "KB-000001")
    assert ack["Subject"] == "Re: Не могу войти в личный кабинет [KB-000001]"
    assert ack["From"].addresses[0].addr_spec == SUPPORT
    assert ack["In-Reply-To"] == "<q1@c.test>" and "<q1@c.test>" in ack["References"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    assert "KB-000001" in text_of(ack) and "Не могу войти, пишет" not in text_of(ack)
    assert mail.messages(SUPPORT) == [] and len(mail.messages(SUPPORT, "Processed")) == 1


def test_english_client_gets_an_english_acknowledgement(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Bonus points missing",
                           body="Hello, bonus points were not credited to our customers yesterday."))
    mailproc_cli(config, "poll")
    ack = mail.wait_for(CLIENT, "KB-000001")
    assert "Your request has been registered as KB-000001" in text_of(ack)


def test_replies_thread_by_reference_and_by_tag_but_strangers_do_not_join(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Касса не видит карту", body="Касса не видит карту клиента.",
                           message_id="<first@c.test>"))
    mailproc_cli(config, "poll")
    ack = mail.wait_for(CLIENT, "KB-000001")

    # The client answers our acknowledgement and rewrites the subject completely.
    mail.deliver(make_mail(from_=CLIENT, subject="ещё одна деталь", body="Забыл: касса Эвотор.",
                           in_reply_to=ack["Message-ID"], references=["<first@c.test>", ack["Message-ID"]]))
    # A new mail with only the tag in the subject.
    mail.deliver(make_mail(from_=CLIENT, subject="[KB-000001] скриншот", body="Скриншот позже."))
    # A stranger who guessed the tag, and one who forged a reference to our ack.
    mail.deliver(make_mail(from_=STRANGER, subject="Re: [KB-000001] покажите", body="Что там у них?"))
    mail.deliver(make_mail(from_=CLIENT2, subject="hi", body="hello there friends", in_reply_to=ack["Message-ID"]))
    mailproc_cli(config, "poll")

    rows = {t["tag"]: t for t in tickets(mailproc_cli, config)}
    assert sorted(rows) == ["KB-000001", "KB-000002", "KB-000003"]
    assert rows["KB-000001"]["message_count"] == 7  # 3 client mails, 1 acknowledgement, 3 notifications
    assert rows["KB-000002"]["client"] == STRANGER and rows["KB-000003"]["client"] == CLIENT2
    # Follow-ups get no second acknowledgement; the stranger learns nothing of KB-000001.
    assert len(mail.messages(CLIENT)) == 1
    stranger_ack = mail.wait_for(STRANGER, "KB-000002")
    assert "KB-000001" not in stranger_ack.as_string()
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert [m["kind"] for m in shown["messages"]] == ["client", "auto_reply", "notification", "client",
                                                      "notification", "client", "notification"]


def test_polling_twice_changes_nothing(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    for n in range(3):
        mail.deliver(make_mail(from_=CLIENT, subject=f"вопрос {n}", body="Не работает выгрузка клиентов."))
    mailproc_cli(config, "poll")
    mailproc_cli(config, "poll")
    assert len(tickets(mailproc_cli, config)) == 3
    assert len(mail.messages(CLIENT)) == 3


def test_new_uidvalidity_does_not_recreate_tickets(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    raw = make_mail(from_=CLIENT, subject="Бонусы", body="Не начисляются бонусы.")
    mail.deliver(raw)
    mailproc_cli(config, "poll")
    # The server forgets its UIDs (restored backup, rebuilt index): the same mail is back in INBOX.
    with desk_database(config) as db:
        db.execute_sql("UPDATE folderstate SET uidvalidity = 1")
    mail.append(SUPPORT, raw)
    mailproc_cli(config, "poll")
    assert len(tickets(mailproc_cli, config)) == 1
    assert mail.messages(SUPPORT) == [] and len(mail.messages(SUPPORT, "Processed")) == 2
    assert len(mail.messages(CLIENT)) == 1


def _ticket_count(db) -> int:
    try:
        return db.execute_sql("SELECT COUNT(*) FROM ticket").fetchone()[0]
    except peewee.DatabaseError:  # no table yet
        return 0


def test_sigkill_halfway_through_a_batch_loses_and_duplicates_nothing(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(support={"max_auto_replies_per_day": 1000})
    desk = desk_database(config)
    for n in range(50):
        mail.deliver(make_mail(from_=CLIENT, subject=f"обращение {n:02d}", body=f"Проблема номер {n}.",
                               message_id=f"<kill{n:02d}@c.test>"))
    kills_midway = 0
    for _ in range(20):
        before = _ticket_count(desk)
        if before == 50:
            break
        proc = mailproc_cli.popen(config, "poll")
        deadline = time.monotonic() + 30
        while _ticket_count(desk) < min(50, before + 7) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills_midway += _ticket_count(desk) < 50
        proc.wait()
    assert kills_midway >= 1, "the poll was never interrupted mid-batch: the test proved nothing"
    mailproc_cli(config, "poll")

    rows = tickets(mailproc_cli, config)
    assert len(rows) == 50 and len({r["subject"] for r in rows}) == 50
    acks = [m for m in mail.messages(CLIENT)]
    answered = [a["In-Reply-To"] for a in acks]
    assert set(answered) == {f"<kill{n:02d}@c.test>" for n in range(50)}
    assert len(acks) - 50 <= kills_midway  # at most one duplicate per kill (SPEC §2)
    assert mail.messages(SUPPORT) == []
    # UID MOVE is atomic: every mail is archived exactly once, whenever the kill came.
    archived = [m["Message-ID"] for m in mail.messages(SUPPORT, "Processed")]
    assert sorted(archived) == [f"<kill{n:02d}@c.test>" for n in range(50)]


AUTOMATED = [
    ("auto-replied", {"headers": {"Auto-Submitted": "auto-replied"}}),
    ("bulk", {"headers": {"Precedence": "bulk"}}),
    ("mailing list", {"headers": {"List-Id": "<news.shop.example.test>"}}),
    ("mailer-daemon", {"from_": "MAILER-DAEMON@example.test"}),
]


def test_machines_get_a_ticket_message_but_no_auto_reply(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    for name, fields in AUTOMATED:
        fields = {"from_": CLIENT, **fields}
        mail.deliver(make_mail(subject=f"auto {name}", body="I am out of office.", **fields))
    dsn = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\nTo: support@example.test\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.test>\r\n"
           b"MIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
           b"--BB\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
           b"--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
           b"Final-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--BB--\r\n")
    mail.deliver(dsn, mail_from="")
    mailproc_cli(config, "poll")

    rows = tickets(mailproc_cli, config)
    assert len(rows) == 5
    assert all("automated" in r["labels"] and r["first_response_due"] is None for r in rows)
    assert smtp_server.envelopes == []
    assert len(mail.messages(SUPPORT, "Processed")) == 5


def test_unparsable_mail_is_quarantined_and_does_not_block_the_next(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.append(SUPPORT, b"\r\n")
    mail.deliver(make_mail(from_=CLIENT, subject="после пустого письма", body="Нормальное письмо."))
    mailproc_cli(config, "poll")
    assert [t["subject"] for t in tickets(mailproc_cli, config)] == ["после пустого письма"]
    [poison] = tickets(mailproc_cli, config, "--status", "quarantined")
    assert "not a mail" in poison["reason"]
    assert len(mail.messages(SUPPORT, "Quarantine")) == 1 and mail.messages(SUPPORT) == []


@pytest.mark.parametrize("overrides,expected", [
    ({"mailbox": {"port": "abc"}}, 'mailbox.port: expected an integer 1-65535, got "abc"'),
    ({"smtp": {"security": "tls"}}, "smtp.security:"),
    ({"support": {"agentz": ["a@example.test"]}}, "support.agentz: unknown key"),
], ids=["port not a number", "unknown security", "misspelt key"])
def test_bad_config_exits_2_naming_the_key(mailproc_config, mailproc_cli, overrides, expected):
    result = mailproc_cli(mailproc_config(**overrides), "poll", check=False)
    assert result.returncode == 2
    assert expected in result.stderr


def test_missing_password_variable_is_named(mailproc_config, mailproc_cli, monkeypatch):
    config = mailproc_config()
    monkeypatch.delenv("MAILPROC_IMAP_PASSWORD")
    result = mailproc_cli(config, "poll", check=False)
    assert result.returncode == 2
    assert "MAILPROC_IMAP_PASSWORD" in result.stderr and "mailbox.password_env" in result.stderr


def test_reply_waits_in_the_outbox_while_smtp_is_down(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="SMTP лежит", body="Проверка очереди отправки."))
    smtp_server.stop()
    result = mailproc_cli(config, "poll", check=False)
    assert result.returncode == 1 and "stay in the outbox" in result.stderr  # SPEC §7: 1 when SMTP failed
    assert len(tickets(mailproc_cli, config)) == 1 and mail.messages(CLIENT) == []

    smtp_server.start()
    mailproc_cli(config, "poll")
    mailproc_cli(config, "poll")
    mail.wait_for(CLIENT, "KB-000001")
    assert len(mail.messages(CLIENT)) == 1
    assert len(tickets(mailproc_cli, config)) == 1


def test_check_config_connects_to_both_servers(mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    assert mailproc_cli(config, "check-config", "--connect").returncode == 0
    smtp_server.stop()
    result = mailproc_cli(config, "check-config", "--connect", check=False)
    assert result.returncode == 1 and f"SMTP 127.0.0.1:{smtp_server.port}" in result.stderr


def test_account_id_is_recorded_and_replies_are_stored_without_quotes(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Вопрос по акции", body="Как настроить акцию?",
                           message_id="<acc1@c.test>"))
    mailproc_cli(config, "poll")
    assert tickets(mailproc_cli, config)[0]["account_id"] is None
    ack = mail.wait_for(CLIENT, "KB-000001")
    reply = ("ID аккаунта: 10452\n\n"
             "28 нояб. 2026 г., в 10:00, Support <support@example.test> написал(а):\n"
             "> Ваше обращение зарегистрировано под номером KB-000001.\n")
    mail.deliver(make_mail(from_=CLIENT, subject="Re: Вопрос по акции [KB-000001]", body=reply,
                           in_reply_to=ack["Message-ID"]))
    mailproc_cli(config, "poll")
    [ticket] = tickets(mailproc_cli, config)
    assert ticket["account_id"] == "10452"
    assert "missing_account_id" not in ticket["labels"]
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    [*_, latest] = [m for m in shown["messages"] if m["direction"] == "in"]
    assert latest["text"] == "ID аккаунта: 10452"


def test_a_bounce_of_our_reply_joins_its_ticket_and_tells_the_agents(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Выгрузка клиентов", body="Как выгрузить базу покупателей?"))
    mailproc_cli(config, "poll")
    ack = mail.wait_for(CLIENT, "KB-000001")
    envelopes_before = len(smtp_server.envelopes)
    bounce = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\nTo: support@example.test\r\n"
              "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.example.test>\r\n"
              "MIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n"
              "Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
              "--BB\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered: mailbox full.\r\n"
              "--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
              "Final-Recipient: rfc822; client@example.test\r\nAction: failed\r\nStatus: 5.2.2\r\n"
              "--BB\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.test\r\n"
              f"Message-ID: {ack['Message-ID']}\r\nSubject: {ack['Subject']}\r\n--BB--\r\n").encode()
    mail.deliver(bounce, mail_from="")
    mailproc_cli(config, "poll")

    [ticket] = tickets(mailproc_cli, config)  # no new ticket for the bounce
    assert "delivery_failure" in ticket["labels"]
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert [m["kind"] for m in shown["messages"] if m["direction"] == "in"] == ["client", "automated"]
    mail.wait_for("agent1@example.test", lambda m: "НЕ ДОСТАВЛЕНО" in text_of(m).splitlines()[0])
    new_mail = [e for e in smtp_server.envelopes[envelopes_before:]]
    assert all(CLIENT not in e.rcpt_tos for e in new_mail)  # nothing goes back to the bounced address


def test_a_second_poller_on_the_same_desk_waits_its_turn(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Очередь", body="Два процесса не должны читать одно письмо."))
    settings = load_settings(config)
    with poller_lock(settings.database, [poller_key(settings.mailbox)]) as busy:  # as `mailproc run` in a cycle
        assert busy == {}
        busy = mailproc_cli(config, "poll", check=False)
    assert busy.returncode == 1 and "another mailproc process is polling" in busy.stderr
    # several processes share a desk only on PostgreSQL: on SQLite the message says so
    assert ("on SQLite one mailproc process works on a desk at a time" in busy.stderr) == bool(settings.database.path)
    assert mail.messages(SUPPORT) != []  # nothing was taken while the other one held the desk
    mailproc_cli(config, "poll")
    assert len(tickets(mailproc_cli, config)) == 1
