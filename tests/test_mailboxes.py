"""Several mailboxes in one config, through Dovecot and the SMTP sink: each mailbox numbers its
own tickets, answers from its own address and tells only its own agents; a mail read from one
mailbox never joins another's ticket, whatever tag, token or reference it carries; a mailbox
that cannot be read does not stop the others."""
from __future__ import annotations

import email
import email.policy

from tests.conftest import ON_BOTH_DATABASES, to_toml
from tests.mailfactory import make_mail, text_of
from tests.test_daemon import _wait_for_log

SUPPORT, BILLING = "support@example.test", "billing@example.test"
CLIENT, CLIENT2, AGENT1, AGENT2 = ("client@example.test", "client2@example.test", "agent1@example.test",
                                   "agent2@example.test")
pytestmark = ON_BOTH_DATABASES

PROBLEM = "Здравствуйте! Касса не начисляет бонусы покупателям со вчерашнего дня. ID аккаунта: 10452"


def _two_mailboxes(mailproc_config, mailstack, both: dict | None = None, support: dict | None = None,
                   **billing) -> str:
    """support@ (KB, agent1) and billing@ (BL, agent2, English by default), one after the other;
    `both`: keys given to each entry, `support`: shared [support] keys."""
    config = mailproc_config(mailbox=None, support={"address": None, "tag_prefix": None, "agents": None,
                                                    **(support or {})})
    imap = {"host": mailstack.host, "port": mailstack.imap_port, "security": "none", **(both or {})}
    entries = [{**imap, "user": SUPPORT, "address": SUPPORT, "tag_prefix": "KB", "agents": [AGENT1]},
               {**imap, "user": BILLING, "address": BILLING, "tag_prefix": "BL", "agents": [AGENT2],
                "name": "Billing", "default_language": "en", **billing}]
    with config.open("a") as f:
        f.writelines(f"\n[[mailbox]]\n{to_toml(entry)}" for entry in entries)
    return config


def _sent(smtp_server) -> list[tuple[list[str], email.message.EmailMessage]]:
    return [(e.rcpt_tos, email.message_from_bytes(e.content, policy=email.policy.default))
            for e in smtp_server.envelopes]


def test_each_mailbox_numbers_answers_and_notifies_on_its_own(mail, mailstack, smtp_server, mailproc_config,
                                                             mailproc_cli):
    config = _two_mailboxes(mailproc_config, mailstack)
    mail.deliver(make_mail(from_=CLIENT, to=SUPPORT, subject="Бонусы", body=PROBLEM), to=SUPPORT)
    mail.deliver(make_mail(from_=CLIENT2, to=BILLING, subject="Invoice", body=PROBLEM), to=BILLING)
    mailproc_cli(config, "poll")

    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [(t["tag"], t["client"], t["mailbox"]) for t in tickets] == [
        ("KB-000001", CLIENT, SUPPORT), ("BL-000001", CLIENT2, BILLING)]  # each prefix numbers from 1
    sent = _sent(smtp_server)
    to_agents = {(tuple(rcpt), tag) for rcpt, m in sent for tag in ("KB-000001", "BL-000001")
                 if tag in m["Subject"] and not {CLIENT, CLIENT2} & set(rcpt)}
    assert to_agents == {((AGENT1,), "KB-000001"), ((AGENT2,), "BL-000001")}
    replies = {rcpt[0]: m for rcpt, m in sent if rcpt[0] in (CLIENT, CLIENT2)}
    assert replies[CLIENT]["From"].addresses[0].addr_spec == SUPPORT and "[KB-000001]" in replies[CLIENT]["Subject"]
    assert replies[CLIENT2]["From"].addresses[0].addr_spec == BILLING and "[BL-000001]" in replies[CLIENT2]["Subject"]
    notification = next(m for rcpt, m in sent if rcpt == [AGENT2])
    assert notification["Reply-To"].addresses[0].addr_spec.startswith("billing+bl-000001-")

    assert mailproc_cli(config, "show", "BL-000001", "--json", json=True)["mailbox"] == BILLING
    state = mailproc_cli(config, "status", "--json", check=False, json=True)
    assert state["mailboxes"] == [{"address": SUPPORT, "tag_prefix": "KB", "open_tickets": 1},
                                  {"address": BILLING, "tag_prefix": "BL", "open_tickets": 1}]
    assert len(mail.messages(SUPPORT, "Processed")) == len(mail.messages(BILLING, "Processed")) == 1


def test_a_reply_of_one_mailbox_sent_to_another_never_joins_its_ticket(mail, mailstack, smtp_server,
                                                                        mailproc_config, mailproc_cli):
    """The security property: tag, tokened reply address and signed references of a support@ ticket,
    all sent to billing@ (by its client and by its agent), open tickets of billing@; the support@
    ticket and its client hear nothing of them."""
    config = _two_mailboxes(mailproc_config, mailstack)
    mail.deliver(make_mail(from_=CLIENT, to=SUPPORT, subject="Бонусы", body=PROBLEM,
                           message_id="<orig@client.test>"), to=SUPPORT)
    mailproc_cli(config, "poll")
    sent = _sent(smtp_server)
    acknowledgement = next(m for rcpt, m in sent if rcpt == [CLIENT])
    notification = next(m for rcpt, m in sent if rcpt == [AGENT1])
    token_address = notification["Reply-To"].addresses[0].addr_spec
    before = mailproc_cli(config, "show", "KB-000001", "--json", json=True)["messages"]
    smtp_server.envelopes.clear()

    ids = f'{acknowledgement["Message-ID"]} {notification["Message-ID"]}'
    forged = [(CLIENT, "Но касса всё ещё не работает"), (AGENT1, "Перезапустите кассу, пожалуйста.")]
    for n, (sender, body) in enumerate(forged, 1):
        mail.deliver(make_mail(from_=sender, to=[BILLING, token_address], subject="Re: [KB-000001] Бонусы",
                               body=body, message_id=f"<forged{n}@client.test>",
                               in_reply_to=str(acknowledgement["Message-ID"]), references=ids), to=BILLING)
    mailproc_cli(config, "poll")

    assert mailproc_cli(config, "show", "KB-000001", "--json", json=True)["messages"] == before
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [(t["tag"], t["client"], t["mailbox"]) for t in tickets] == [
        ("KB-000001", CLIENT, SUPPORT), ("BL-000001", CLIENT, BILLING), ("BL-000002", AGENT1, BILLING)]
    sent = _sent(smtp_server)
    assert all(m["From"].addresses[0].addr_spec == BILLING for _, m in sent)
    assert not any("Перезапустите" in text_of(m) for rcpt, m in sent if CLIENT in rcpt)  # never relayed
    # billing@'s agent hears of both; support@'s agent only as the one who wrote BL-000002, its client
    assert sorted((rcpt, tag) for rcpt, m in sent for tag in ("BL-000001", "BL-000002") if tag in m["Subject"]) == [
        ([AGENT1], "BL-000002"), ([AGENT2], "BL-000001"), ([AGENT2], "BL-000002"), ([CLIENT], "BL-000001")]


def test_a_mailbox_that_cannot_be_read_does_not_stop_the_others(mail, mailstack, smtp_server, mailproc_config,
                                                                 mailproc_cli, monkeypatch):
    monkeypatch.setenv("BILLING_IMAP_PASSWORD", "wrong")
    config = _two_mailboxes(mailproc_config, mailstack, password_env="BILLING_IMAP_PASSWORD")
    mail.deliver(make_mail(from_=CLIENT, to=SUPPORT, subject="Бонусы", body=PROBLEM), to=SUPPORT)
    mail.deliver(make_mail(from_=CLIENT2, to=BILLING, subject="Invoice", body=PROBLEM), to=BILLING)

    polled = mailproc_cli(config, "poll", check=False)
    assert polled.returncode == 1 and f"mailbox BL: IMAP login as {BILLING}" in polled.stderr
    assert [t["tag"] for t in mailproc_cli(config, "tickets", "--json", json=True)] == ["KB-000001"]
    assert mail.wait_for(AGENT1, "KB-000001")
    assert len(mail.messages(BILLING)) == 1  # left where it was, for when the login works again


def test_run_backs_off_only_from_the_mailbox_that_is_away(mail, mailstack, smtp_server, mailproc_config,
                                                          mailproc_cli, monkeypatch):
    monkeypatch.setenv("BILLING_IMAP_PASSWORD", "wrong")
    config = _two_mailboxes(mailproc_config, mailstack, password_env="BILLING_IMAP_PASSWORD", poll_seconds=1,
                            retry_max_seconds=600)  # the cycle runs at the shortest poll_seconds of all
    proc = mailproc_cli.popen(config, "run")
    _wait_for_log(proc, "IMAP of mailbox BL unavailable")
    for n in (1, 2):  # the second one after billing@ has failed, and is left alone for a while
        mail.deliver(make_mail(from_=CLIENT, to=SUPPORT, subject=f"Бонусы {n}", body=PROBLEM), to=SUPPORT)
        assert mail.wait_for(AGENT1, f"KB-00000{n}", timeout=30)
    log = proc.stderr_path.read_text()
    assert log.count("unavailable") == 1 and "mailbox KB" not in log and "Traceback" not in log


def test_a_mail_to_two_mailboxes_is_one_ticket_that_copies_neither(mail, mailstack, smtp_server, mailproc_config,
                                                                    mailproc_cli):
    config = _two_mailboxes(mailproc_config, mailstack)
    both = make_mail(from_=CLIENT, to=SUPPORT, subject="Бонусы", body=PROBLEM, headers={"Cc": BILLING})
    mail.deliver(both, to=[BILLING, SUPPORT])
    mailproc_cli(config, "poll")

    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)  # the second copy is known: moved, not answered
    assert ticket["tag"] == "KB-000001"  # support@ is read first
    assert len(mail.messages(SUPPORT, "Processed")) == len(mail.messages(BILLING, "Processed")) == 1
    notification = next(m for rcpt, m in _sent(smtp_server) if rcpt == [AGENT1])
    smtp_server.envelopes.clear()
    answer = make_mail(from_=AGENT1, to=str(notification["Reply-To"]), subject=f'Re: {notification["Subject"]}',
                       body="Перезапустите кассу, пожалуйста.", in_reply_to=notification["Message-ID"])
    mail.deliver(answer, to=str(notification["Reply-To"]))
    mailproc_cli(config, "poll")
    [(rcpt, relayed)] = [(rcpt, m) for rcpt, m in _sent(smtp_server) if "Перезапустите" in text_of(m)]
    assert rcpt == [CLIENT] and relayed["Cc"] is None  # billing@ is not copied: it would answer its own desk
