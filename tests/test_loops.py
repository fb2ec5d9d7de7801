"""Mail loops end to end (issue 9, items 2 and 3): responders that answer everything, through
Dovecot and the SMTP sink, over many polls. Real responders (Mail.ru, Yandex, Exchange) often
set none of the RFC 3834 headers, and their answers quote nothing."""
from __future__ import annotations

import email
import email.base64mime
import email.policy
import sqlite3

import pytest

from tests.mailfactory import make_mail, text_of
from tests.maillint import lint

SUPPORT, CLIENT, AGENT1, AGENT2 = ("support@example.test", "client@example.test", "agent1@example.test",
                                   "agent2@example.test")
ROUNDS = 20


class Responder:
    """A mail program that answers every new mail in a user's INBOX, once, as `subject(original)`
    with a fixed body and no RFC 3834 headers; to the Reply-To when there is one."""

    def __init__(self, mail, user: str, subject, body: str):
        self.mail, self.user, self.subject, self.body = mail, user, subject, body
        self.answered: set[str] = set()

    def answer_new(self) -> int:
        new = [m for m in self.mail.messages(self.user) if m["Message-ID"] not in self.answered]
        for original in new:
            self.answered.add(original["Message-ID"])
            to = (original["Reply-To"] or original["From"]).addresses[0].addr_spec
            self.mail.deliver(make_mail(from_=self.user, to=to, subject=self.subject(original["Subject"]),
                                        body=self.body), to=to)
        return len(new)


def _sent(smtp_server) -> list[tuple[tuple[str, ...], email.message.EmailMessage]]:
    return [(tuple(e.rcpt_tos), email.message_from_bytes(e.original_content, policy=email.policy.default))
            for e in smtp_server.envelopes]


def relays(smtp_server) -> int:
    """Agents' answers that went to the client: from support, written by a person (no Auto-Submitted)."""
    return sum(CLIENT in rcpt and msg["Auto-Submitted"] is None for rcpt, msg in _sent(smtp_server))


def notifications(smtp_server) -> int:
    return sum(msg["Auto-Submitted"] == "auto-generated" and msg["Reply-To"] is not None
               for _, msg in _sent(smtp_server))


def run_rounds(cli, config, responders, rounds: int = ROUNDS) -> list[int]:
    """Poll, then let every responder answer; the mails sent per round."""
    per_round = []
    for _ in range(rounds):
        before = len(cli.smtp_server.envelopes)
        cli(config, "poll")
        per_round.append(len(cli.smtp_server.envelopes) - before)
        for responder in responders:
            responder.answer_new()
    return per_round


def _db(config) -> sqlite3.Connection:
    return sqlite3.connect(config.parent / "mailproc.db")


def _loop(mail, cli, config, client_subject, agent_subject, agents=(AGENT1,)) -> list[int]:
    """A client's out-of-office answers everything we send; the agents' vacation responders answer
    every notification, to its (tokened) Reply-To address. None sets an RFC 3834 header."""
    client_ooo = Responder(mail, CLIENT, client_subject, "Я в отпуске до 15 декабря, отвечу после.\n")
    vacations = [Responder(mail, agent, agent_subject, "I am on leave until Monday.\n") for agent in agents]
    mail.deliver(make_mail(from_=CLIENT, subject="Касса не печатает чеки", body="Касса не печатает чеки. "
                           "ID аккаунта: 10452"))
    return run_rounds(cli, config, [client_ooo, *vacations])


def test_responders_known_by_their_subject_never_reach_each_other(mail, mailproc_config, mailproc_cli,
                                                                  smtp_server):
    """Mail.ru / Yandex / Exchange style: no header says "automatic", only the subject does.
    Before: 19 relays and 20 notifications in 20 rounds, 2 mails every round without end."""
    config = mailproc_config()
    mailproc_cli.smtp_server = smtp_server
    per_round = _loop(mail, mailproc_cli, config, lambda s: f"Автоответ: {s}", lambda s: f"Automatic reply: {s}",
                      agents=(AGENT1, AGENT2))
    print(f"known by subject: relays {relays(smtp_server)}, notifications {notifications(smtp_server)}, "
          f"per round {per_round}")
    assert relays(smtp_server) == 0 and per_round[2:] == [0] * (ROUNDS - 2)
    # Both agents' programs answered by themselves: agent2 hears of agent1's, once; nobody hears more.
    told = [m for m in mail.messages(AGENT2) if "Автоответ с адреса агента" in text_of(m).splitlines()[0]]
    assert len(told) == 1 and "agent1@example.test" in text_of(told[0])
    assert len(mail.messages(AGENT1)) == 1
    ticket = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    inbound = [(m["kind"], m["from"]) for m in ticket["messages"] if m["direction"] == "in"]
    assert inbound == [("client", CLIENT), ("automated", CLIENT), ("automated", AGENT1), ("automated", AGENT2),
                       ("automated", AGENT2)]
    assert [lint(e.original_content, e.mail_options) for e in smtp_server.envelopes] == [[]] * 3


def test_responders_that_look_like_people_are_stopped_by_the_tickets_circuit_breaker(
        mail, mailproc_config, mailproc_cli, smtp_server):
    """Nothing gives these responders away. Before: 19 relays and 20 notifications in 20 rounds."""
    config = mailproc_config(limits={"ticket_mails_per_hour": 10})
    mailproc_cli.smtp_server = smtp_server
    per_round = _loop(mail, mailproc_cli, config, lambda s: f"Re: {s}", lambda s: f"RE: {s}")
    print(f"look like people: relays {relays(smtp_server)}, notifications {notifications(smtp_server)}, "
          f"per round {per_round}")
    assert sum(per_round) == 10 + 1 and per_round[-10:] == [0] * 10  # the limit, then one alert; then silence
    alerts = [m for m in mail.messages(AGENT2) if text_of(m).startswith("ПОЧТА ЗАДЕРЖАНА")]
    assert len(alerts) == 1 and "KB-000001" in alerts[0]["Subject"]
    assert all(lint(e.original_content, e.mail_options) == [] for e in smtp_server.envelopes)
    held = mailproc_cli(config, "outbox", "list", "--json", json=True)
    assert {(r["status"], r["ticket"]) for r in held} == {("held", "KB-000001")} and len(held) >= 3
    assert {r["kind"] for r in held} == {"agent", "notification"}
    # An agent releases one held relay: it goes out with the next poll.
    relay = next(r for r in held if r["kind"] == "agent")
    mailproc_cli(config, "outbox", "retry", relay["id"])
    mailproc_cli(config, "poll")
    assert [CLIENT] in [e.rcpt_tos for e in smtp_server.envelopes[-1:]]


def test_a_responder_opening_a_new_thread_each_time_gets_at_most_the_daily_cap(mail, mailproc_config,
                                                                              mailproc_cli, smtp_server):
    config = mailproc_config(support={"max_auto_replies_per_day": 3})
    mailproc_cli.smtp_server = smtp_server
    numbers = iter(range(1, 100))
    # Answers every mail with a fresh subject and no references: each answer opens a ticket of its own.
    responder = Responder(mail, CLIENT, lambda _: f"Ваше письмо получено, номер {next(numbers)}",
                          "Спасибо, ваше письмо зарегистрировано.\n")
    mail.deliver(make_mail(from_=CLIENT, subject="Не работает касса", body="Касса не включается."))
    run_rounds(mailproc_cli, config, [responder], rounds=8)
    acknowledgements = [msg for rcpt, msg in _sent(smtp_server) if rcpt == (CLIENT,)]
    assert len(acknowledgements) == 3
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert len(tickets) == 4 == len(responder.answered) + 1  # every mail recorded, the last one unanswered
    assert {t["client"] for t in tickets} == {CLIENT}


def _raw(message) -> bytes:
    return message.as_bytes(policy=email.policy.SMTP)


def test_our_own_mail_coming_back_never_opens_a_ticket_nor_sends_anything(mail, mailproc_config, mailproc_cli,
                                                                         smtp_server):
    """A forwarding loop: the client's and an agent's mailboxes forward everything back to support@."""
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Касса не печатает чеки", body="Касса не печатает чеки."))
    mailproc_cli(config, "poll")
    acknowledgement = mail.wait_for(CLIENT, "KB-000001")
    notification = mail.wait_for(AGENT1, "KB-000001")
    smtp_server.envelopes.clear()
    for ours in (acknowledgement, notification):
        mail.deliver(_raw(ours), mail_from=CLIENT)  # a forward keeps our From, Message-ID and X-Loop
    # A copy whose Message-ID a forwarder replaced, and one that only claims our address.
    mail.deliver(_raw(acknowledgement).replace(acknowledgement["Message-ID"].encode(), b"<fwd-1@relay.test>"),
                 mail_from=CLIENT)
    mail.deliver(make_mail(from_=f"Support <{SUPPORT}>", subject="Проверка связи", body="Тест."), mail_from=CLIENT)
    mailproc_cli(config, "poll")

    assert smtp_server.envelopes == []
    assert [t["tag"] for t in mailproc_cli(config, "tickets", "--json", json=True)] == ["KB-000001"]
    ticket = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert [m["kind"] for m in ticket["messages"] if m["direction"] == "in"] == ["client", "automated", "automated"]
    with _db(config) as db:
        loose = db.execute("SELECT kind, subject FROM message WHERE ticket_id IS NULL").fetchall()
    assert loose == [("automated", acknowledgement["Subject"]), ("automated", "Проверка связи")]
    assert len(mail.messages(SUPPORT, "Processed")) == 5


LOOK_ALIKES = {
    "Cyrillic ѕ": ("Support <\u0455upport@example.test>".encode(), None, "\u0455upport@example.test"),
    "full-width ＠": ("Support <support\uff20example.test>".encode(), "stranger@example.test",
                      "stranger@example.test"),  # not an address at all: the envelope sender's ticket
    "our address inside another domain": (b"Support <support@example.test.evil.test>", None,
                                          "support@example.test.evil.test"),
}


@pytest.mark.parametrize("from_header,envelope,client", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_of_the_support_address_is_a_stranger(mail, mailproc_config, mailproc_cli, from_header,
                                                         envelope, client):
    config = mailproc_config()
    raw = (b"From: " + from_header + b"\r\nTo: support@example.test\r\nSubject: =?utf-8?b?"
           + email.base64mime.body_encode("Срочно: касса".encode()).strip().encode()
           + b"?=\r\nMessage-ID: <look-alike@evil.test>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Касса не работает.\r\n".encode())
    mail.deliver(raw, mail_from=envelope or "stranger@example.test")
    mailproc_cli(config, "poll", check=False)  # a non-ASCII recipient may fail to send: not this test's point
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [t["client"] for t in tickets] == [client] and "automated" not in tickets[0]["labels"]
    ticket = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert [(m["kind"], m["to"]) for m in ticket["messages"] if m["direction"] == "out"][:1] == [
        ("auto_reply", [client])]
    assert "notification" in [m["kind"] for m in ticket["messages"]]


FLOOD = 1000


def test_a_flood_of_1000_mails_from_one_sender_is_all_recorded_with_at_most_the_daily_cap_of_replies(
        mail, mailstack, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config(support={"max_auto_replies_per_day": 3})
    with mailstack.imap(SUPPORT) as mailbox:  # one connection, as a burst from one sender arrives
        for n in range(FLOOD):
            mailbox.append(make_mail(from_=CLIENT, subject=f"Заказ {n}", body=f"Номер заказа {n}. Где он?\n"),
                           "INBOX")
    polls = 0
    while mail.messages(SUPPORT) and polls < 10:
        mailproc_cli(config, "poll", timeout=300)
        polls += 1
    assert len(mail.messages(SUPPORT, "Processed")) == FLOOD
    with _db(config) as db:
        recorded = db.execute("SELECT count(*) FROM message WHERE direction = 'in'").fetchone()[0]
        replies = db.execute("SELECT count(*) FROM message WHERE kind = 'auto_reply'").fetchone()[0]
    assert recorded == FLOOD and replies == 3
    assert sum(rcpt == [CLIENT] for rcpt in (e.rcpt_tos for e in smtp_server.envelopes)) == 3
