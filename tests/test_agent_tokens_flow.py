"""End to end through Dovecot and the SMTP relay: what an agent's proof (reply token, Message-ID)
is worth — once per Message-ID, across a rotation of the token secret, not after a ticket has
been closed longer than reopen_days."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from mailproc import tokens
from tests.mailfactory import make_mail, text_of
from tests.test_agents import _answer, _open_ticket, _reply_to_notification

SUPPORT, CLIENT, AGENT1, AGENT2 = ("support@example.test", "client@example.test", "agent1@example.test",
                                  "agent2@example.test")


def _answers(mail, text: str) -> list:
    return [m for m in mail.messages(CLIENT) if text in text_of(m)]


def _inbound_kinds(cli, config, tag="KB-000001") -> list[str]:
    return [m["kind"] for m in cli(config, "show", tag, "--json", json=True)["messages"] if m["direction"] == "in"]


def test_a_replayed_agent_message_id_with_another_text_is_not_relayed(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    reply_to = str(notification["Reply-To"])
    answer = _reply_to_notification(notification, AGENT1, "Перезапустите кассу, пожалуйста.")
    mail.deliver(answer, to=reply_to)
    mailproc_cli(config, "poll")
    assert len(_answers(mail, "Перезапустите кассу")) == 1

    # The same mail seen again is a duplicate; the same Message-ID with another text is a replay.
    replay = _reply_to_notification(notification, AGENT1, "Оплатите счёт по ссылке.")
    replay = replay.replace(_message_id(replay), _message_id(answer))
    mail.deliver(answer, to=reply_to)
    mail.deliver(replay, to=reply_to)
    mailproc_cli(config, "poll")

    assert len(_answers(mail, "Перезапустите кассу")) == 1
    assert _answers(mail, "Оплатите счёт") == []
    told = mail.wait_for(AGENT1, lambda m: "received before" in text_of(m))
    assert _message_id(answer).decode() in text_of(told) and "Оплатите" not in (told["Subject"] or "")
    assert _inbound_kinds(mailproc_cli, config) == ["client", "agent", "unverified"]


def _message_id(raw: bytes) -> bytes:
    return next(line.split(b":", 1)[1].strip() for line in raw.splitlines() if line.lower().startswith(b"message-id:"))


def _legacy_reply_address(secret: bytes, tag: str) -> str:
    """A reply address as mailproc issued them before tokens carried a key id."""
    signature = hmac.new(secret, f"reply:{tag}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"support+{tag.lower()}-{signature}@example.test"


def _token_only_reply(mail, address: str, body: str) -> None:
    """An agent's mail proven by nothing but the token of the address it is sent to (no thread headers)."""
    mail.deliver(make_mail(from_=AGENT1, to=address, subject="Re: [KB-000001] Касса не пробивает бонусы", body=body),
                 to=address)


def test_tokens_sent_before_a_rotation_of_the_secret_still_work(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    env_before = {"MAILPROC_TOKEN_SECRET": "secret-before"}
    mail.deliver(make_mail(from_=CLIENT, subject="Касса не пробивает бонусы", body="ID аккаунта: 10452"))
    mailproc_cli(config, "poll", env=env_before)
    notification, ack = mail.wait_for(AGENT1, "KB-000001"), mail.wait_for(CLIENT, "KB-000001")
    reply_to = str(notification["Reply-To"])
    # A ticket open at the upgrade: its reply address has no key id yet, and still works.
    legacy = _legacy_reply_address(b"secret-before", "KB-000001")
    _token_only_reply(mail, legacy, "Ответ через адрес без ключа.")
    mailproc_cli(config, "poll", env=env_before)
    assert len(_answers(mail, "Ответ через адрес без ключа")) == 1

    # Rotation: the new secret is current, the old one is kept as previous; restart.
    config.write_text(config.read_text().replace(
        'token_secret_env = "MAILPROC_TOKEN_SECRET"',
        'token_secret_env = "MAILPROC_TOKEN_SECRET"\nprevious_token_secrets_env = ["MAILPROC_TOKEN_SECRET_OLD"]'))
    env_after = {"MAILPROC_TOKEN_SECRET": "secret-after", "MAILPROC_TOKEN_SECRET_OLD": "secret-before"}
    _token_only_reply(mail, reply_to, "Ответ на уведомление до смены ключа.")
    _token_only_reply(mail, legacy, "Ещё раз через адрес без ключа.")
    _token_only_reply(mail, tokens.reply_address(b"secret-unknown", "KB-000001", SUPPORT), "Ответ с чужой подписью.")
    # The client answers the acknowledgement sent before the rotation, the tag taken out of the subject.
    mail.deliver(make_mail(from_=CLIENT, subject="Бонусы", body="Спасибо, жду.", in_reply_to=ack["Message-ID"]))
    mailproc_cli(config, "poll", env=env_after)

    assert len(_answers(mail, "Ответ на уведомление до смены ключа")) == 1
    assert len(_answers(mail, "Ещё раз через адрес без ключа")) == 1
    assert _answers(mail, "Ответ с чужой подписью") == []
    assert _inbound_kinds(mailproc_cli, config) == ["client", "agent", "agent", "agent", "unverified", "client"]
    assert len(mailproc_cli(config, "tickets", "--json", json=True)) == 1
    # New notifications carry the new secret's key id.
    unverified = mail.wait_for(AGENT2, lambda m: "Ответ с чужой подписью" in text_of(m))
    assert str(unverified["Reply-To"]) == tokens.reply_address(b"secret-after", "KB-000001", SUPPORT)

    # Once the old secret is no longer kept, its tokens are refused.
    _token_only_reply(mail, reply_to, "Ответ после удаления старого ключа.")
    mailproc_cli(config, "poll", env={"MAILPROC_TOKEN_SECRET": "secret-after", "MAILPROC_TOKEN_SECRET_OLD": "other"})
    assert _answers(mail, "Ответ после удаления старого ключа") == []


def test_an_agent_reply_to_a_ticket_closed_longer_than_reopen_days_is_not_relayed(mail, mailproc_config,
                                                                                   mailproc_cli):
    config = mailproc_config()
    weeks_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=15)  # reopen_days is 14
    mail.append(SUPPORT, make_mail(from_=CLIENT, subject="Касса не пробивает бонусы", body="ID аккаунта: 10452"),
                date=weeks_ago)
    mailproc_cli(config, "poll")
    notification = mail.wait_for(AGENT1, "KB-000001")
    mail.append(SUPPORT, _reply_to_notification(notification, AGENT1, "#close\nВсё исправлено."),
                date=weeks_ago + dt.timedelta(minutes=5))
    mailproc_cli(config, "poll")
    [answer] = _answers(mail, "Всё исправлено")

    # Today, by the notification's reply address, and in its thread to the plain support address.
    _answer(mail, notification, AGENT1, "Забыл добавить одну вещь.")
    mail.deliver(make_mail(from_=AGENT1, subject="Re: " + notification["Subject"], body="И ещё одну.",
                           in_reply_to=notification["Message-ID"]))
    # The client answering the old ticket gets a new one that follows it.
    mail.deliver(make_mail(from_=CLIENT, subject="Re: " + answer["Subject"], body="Опять не работает.",
                           in_reply_to=answer["Message-ID"]))
    mailproc_cli(config, "poll")

    assert _answers(mail, "Забыл добавить") == [] and _answers(mail, "И ещё одну") == []
    told = [m for m in mail.messages(AGENT1) if "more than 14 days ago" in text_of(m)]
    assert len(told) == 2
    assert _inbound_kinds(mailproc_cli, config) == ["client", "agent", "unverified", "unverified"]
    assert mailproc_cli(config, "show", "KB-000001", "--json", json=True)["status"] == "closed"
    assert mailproc_cli(config, "show", "KB-000002", "--json", json=True)["client"] == CLIENT
    mail.wait_for(CLIENT, "KB-000002")
    mail.wait_for(AGENT2, lambda m: "KB-000002" in m["Subject"] and "закрытого KB-000001" in text_of(m))
