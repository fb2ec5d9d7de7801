"""End to end: mails without a Message-ID are told apart by sender, date and subject, never lost as duplicates."""
from __future__ import annotations

from tests.mailfactory import make_mail

SUPPORT, CLIENT, CLIENT2, AGENT1 = ("support@example.test", "client@example.test", "client2@example.test",
                                    "agent1@example.test")
DATE = {"Date": "Mon, 30 Nov 2026 09:00:00 +0300", "Message-ID": None}


def _without_message_id(sender: str) -> bytes:
    mail = make_mail(from_=sender, subject="Не работает касса", body="Касса не печатает чеки.\n", headers=DATE)
    assert b"message-id" not in mail.lower()
    return mail


def test_two_senders_same_text_without_message_id_get_two_tickets(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    first = _without_message_id(CLIENT)
    mail.append(SUPPORT, first)
    mail.append(SUPPORT, _without_message_id(CLIENT2))
    mail.append(SUPPORT, first)  # the same mail twice (a second delivery): still one ticket
    mailproc_cli(config, "poll")

    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert sorted(t["client"] for t in tickets) == sorted([CLIENT, CLIENT2])
    acks = {sender: mail.wait_for(sender, "KB-00000") for sender in (CLIENT, CLIENT2)}
    assert {a["Subject"][-11:] for a in acks.values()} == {"[KB-000001]", "[KB-000002]"}
    assert [len(mail.messages(sender)) for sender in (CLIENT, CLIENT2)] == [1, 1]
    mail.wait_for(AGENT1, "KB-000002")
    assert len(mail.messages(SUPPORT, "Processed")) == 3  # the duplicate is filed too, not left in INBOX

    mailproc_cli(config, "poll")  # nothing new: nothing changes
    assert len(mailproc_cli(config, "tickets", "--json", json=True)) == 2
