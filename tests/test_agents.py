"""SPEC §5 end to end: agents work from their mail client. Notifications carry a tokened
Reply-To; a verified reply reaches the client from support@ in the client's thread;
commands act; anything unverified never reaches a client."""
from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from tests.conftest import ON_BOTH_DATABASES
from tests.mailfactory import make_mail, text_of

pytestmark = ON_BOTH_DATABASES

SUPPORT, CLIENT, AGENT1, AGENT2, STRANGER = ("support@example.test", "client@example.test", "agent1@example.test",
                                             "agent2@example.test", "stranger@example.test")


def _reply_to_notification(notification, agent: str, body: str, subject_prefix: str = "Re: ") -> bytes:
    """What an agent's mail program sends on "Reply": to the Reply-To, quoting the notification."""
    quoted = "\n".join("> " + line for line in text_of(notification).splitlines())
    return make_mail(from_=agent, to=str(notification["Reply-To"]), subject=subject_prefix + notification["Subject"],
                     body=f"{body}\n\n{email.utils.format_datetime(email.utils.localtime())}, Support "
                          f"<{SUPPORT}> wrote:\n{quoted}\n",
                     in_reply_to=notification["Message-ID"], references=notification["Message-ID"])


def _answer(mail, notification, agent: str, body: str) -> None:
    """The agent hits Reply on the notification: the mail goes to its tokened Reply-To address."""
    mail.deliver(_reply_to_notification(notification, agent, body), to=str(notification["Reply-To"]))


def _open_ticket(mail, cli, config, subject="Касса не пробивает бонусы", body="Здравствуйте! Касса не начисляет "
                 "бонусы покупателям со вчерашнего дня. ID аккаунта: 10452"):
    mail.deliver(make_mail(from_=f"Иван <{CLIENT}>", subject=subject, body=body, message_id="<orig@c.test>"))
    cli(config, "poll")
    return mail.wait_for(AGENT1, "KB-000001")


def _ticket(cli, config):
    return cli(config, "show", "KB-000001", "--json", json=True)


def test_notification_reaches_every_agent_with_a_tokened_reply_address(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    assert notification["Reply-To"].addresses[0].addr_spec.startswith("support+kb-000001-")
    assert "Касса не начисляет бонусы" in text_of(notification) and "10452" in text_of(notification)
    assert mail.wait_for(AGENT2, "KB-000001")["Message-ID"] == notification["Message-ID"]


def test_agent_reply_reaches_the_client_from_support_in_the_clients_thread(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    _answer(mail, notification, AGENT1, "Добрый день! Перезапустите кассу, пожалуйста.")
    mailproc_cli(config, "poll")

    answer = mail.wait_for(CLIENT, lambda m: "Перезапустите" in text_of(m))
    assert text_of(answer).strip() == "Добрый день! Перезапустите кассу, пожалуйста."
    assert answer["From"].addresses[0].addr_spec == SUPPORT and AGENT1 not in answer.as_string()
    assert answer["In-Reply-To"] == "<orig@c.test>" and "<orig@c.test>" in answer["References"]
    assert "[KB-000001]" in answer["Subject"] and answer["Auto-Submitted"] is None
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "waiting"
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "in"] == ["client", "agent"]

    # The client answers the agent: the ticket is open again and the agents hear of it.
    mail.deliver(make_mail(from_=CLIENT, subject="Re: " + answer["Subject"], body="Перезапустил, не помогло.",
                           in_reply_to=answer["Message-ID"]))
    mailproc_cli(config, "poll")
    assert _ticket(mailproc_cli, config)["status"] == "open"
    mail.wait_for(AGENT1, lambda m: "не помогло" in text_of(m))


def test_note_close_and_critical_commands(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    to_client_before = len(mail.messages(CLIENT))
    _answer(mail, notification, AGENT1, "#note\nКлиент звонил, ждёт до обеда.")
    _answer(mail, notification, AGENT2, "#critical\n#assign me")
    mailproc_cli(config, "poll")
    ticket = _ticket(mailproc_cli, config)
    assert len(mail.messages(CLIENT)) == to_client_before  # neither the note nor the commands reach the client
    assert ticket["priority"] == "critical" and ticket["resolution_due"] is not None
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "in"] == ["client", "note", "agent"]
    mail.wait_for(AGENT2, lambda m: "ждёт до обеда" in text_of(m))  # the note is shown to the other agent

    _answer(mail, notification, AGENT2, "#close\nВсё починили, проверьте, пожалуйста.")
    mailproc_cli(config, "poll")
    assert _ticket(mailproc_cli, config)["status"] == "closed"
    mail.wait_for(CLIENT, lambda m: "Всё починили" in text_of(m))
    closing = mail.wait_for(CLIENT, lambda m: "закрыто" in text_of(m))
    assert "в течение 14 дней" in text_of(closing) and "п. 4.4" in text_of(closing)  # reopen_days, retention
    assert closing["In-Reply-To"] and "KB-000001" in closing["Subject"]


def test_unknown_command_is_reported_to_the_agent_not_the_client(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    _answer(mail, notification, AGENT1, "#escalate\nСейчас посмотрю.")
    mailproc_cli(config, "poll")
    feedback = mail.wait_for(AGENT1, lambda m: "#escalate" in text_of(m))
    assert "unknown command" in text_of(feedback)
    to_client = mail.wait_for(CLIENT, lambda m: "Сейчас посмотрю" in text_of(m))
    assert "#escalate" not in text_of(to_client)


def test_forged_tampered_and_stranger_replies_never_reach_the_client(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    token_address = notification["Reply-To"].addresses[0].addr_spec
    tampered = token_address[:-14] + ("0" if token_address[-14] != "0" else "1") + token_address[-13:]
    before = len(mail.messages(CLIENT))
    # A forged agent From with a guessed tag, no token.
    mail.deliver(make_mail(from_=AGENT1, subject="[KB-000001] Ваш пароль", body="Пришлите пароль от кабинета."))
    # An agent address with a tampered token.
    mail.deliver(make_mail(from_=AGENT1, to=tampered, subject="Re: [KB-000001]", body="Перейдите по ссылке."),
                 to=tampered)
    # A stranger who got hold of the real tokened address.
    mail.deliver(make_mail(from_=STRANGER, to=token_address, subject="Re: [KB-000001]", body="Я тоже агент."),
                 to=token_address)
    mailproc_cli(config, "poll")

    texts = [text_of(m) for m in mail.messages(CLIENT)]
    assert len(texts) == before, texts
    ticket = _ticket(mailproc_cli, config)
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "in"] == ["client", "unverified", "unverified"]
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [t["client"] for t in tickets] == [CLIENT, STRANGER]  # the stranger only got a ticket of their own
    mail.wait_for(AGENT2, lambda m: "НЕПОДТВЕРЖД" in text_of(m).splitlines()[0])  # the event: first line of the text


def test_two_agents_answer_and_both_answers_reach_the_client_in_order(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    for agent, text in ((AGENT1, "Первый ответ: проверяем."), (AGENT2, "Второй ответ: исправлено.")):
        _answer(mail, notification, agent, text)
    mailproc_cli(config, "poll")
    answers = [text_of(m).strip() for m in mail.messages(CLIENT) if "ответ:" in text_of(m)]
    assert answers == ["Первый ответ: проверяем.", "Второй ответ: исправлено."]



def test_time_waiting_on_the_client_does_not_count_against_support(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    _answer(mail, notification, AGENT1, "#critical\nУточните, пожалуйста, модель кассы.")
    mailproc_cli(config, "poll")
    due_before = dt.datetime.fromisoformat(_ticket(mailproc_cli, config)["resolution_due"])
    question = mail.wait_for(CLIENT, lambda m: "модель кассы" in text_of(m))
    # The client answers two hours later by the server's clock (INTERNALDATE), not by its Date header.
    mail.append(SUPPORT, make_mail(from_=CLIENT, subject="Re: " + question["Subject"], body="Эвотор 7.2",
                                   in_reply_to=question["Message-ID"]),
                date=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    mailproc_cli(config, "poll")
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "open"
    shift = dt.datetime.fromisoformat(ticket["resolution_due"]) - due_before
    assert dt.timedelta(hours=1, minutes=55) < shift < dt.timedelta(hours=2, minutes=5)


@pytest.mark.parametrize("keep", [True, False], ids=["signature kept (default)", "signature stripped by config"])
def test_agent_signature_follows_the_config(mail, mailproc_config, mailproc_cli, keep):
    config = mailproc_config(support={"keep_agent_signature": keep})
    notification = _open_ticket(mail, mailproc_cli, config)
    _answer(mail, notification, AGENT1, "Проверили, всё работает.\n\n-- \nАнна Петрова\nСлужба поддержки")
    mailproc_cli(config, "poll")
    answer = text_of(mail.wait_for(CLIENT, lambda m: "Проверили" in text_of(m)))
    assert ("Анна Петрова" in answer) is keep
    assert "wrote:" not in answer  # the quoted notification never goes to the client


def test_colleagues_the_client_copied_get_the_answer_too(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, to=["support@example.test", "client2@example.test"],
                           subject="Выгрузка", body="Не выгружаются покупатели в Excel. ID аккаунта: 10452",
                           headers={"Cc": "client2@example.test", "To": "support@example.test"}))
    mailproc_cli(config, "poll")
    notification = mail.wait_for(AGENT1, "KB-000001")
    _answer(mail, notification, AGENT1, "Выгрузка починена.")
    mailproc_cli(config, "poll")
    answer = mail.wait_for("client2@example.test", lambda m: "Выгрузка починена" in text_of(m))
    assert answer["Cc"] == "client2@example.test" and answer["To"] == CLIENT
    mail.wait_for(CLIENT, lambda m: "Выгрузка починена" in text_of(m))


def test_an_agent_gets_the_queue_by_mail_and_a_stranger_does_not(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    _open_ticket(mail, mailproc_cli, config)
    mail.deliver(make_mail(from_=AGENT2, subject="очередь", body="Пришлите очередь, пожалуйста."))
    mail.deliver(make_mail(from_=STRANGER, subject="queue", body="Send me your queue, please."))
    mailproc_cli(config, "poll")

    queue = mail.wait_for(AGENT2, lambda m: (m["Subject"] or "").startswith("Очередь обращений"))
    assert "KB-000001" in text_of(queue) and "1 ждут ответа" in queue["Subject"]
    assert [t["client"] for t in mailproc_cli(config, "tickets", "--json", json=True)] == [CLIENT, STRANGER]
    assert all("KB-000001" not in text_of(m) for m in mail.messages(STRANGER))
