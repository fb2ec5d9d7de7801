"""An agent's answer to a client who copied hundreds of addresses (issue 9, item 9), end to end:
nothing goes out beyond [limits].relay_max_recipients; the agent is told and `#cc clear` sends
the answer to the client alone."""
from __future__ import annotations

from tests.mailfactory import make_mail, text_of
from tests.test_agents import AGENT1, CLIENT, _answer

COPIED = [f"colleague{n}@example.test" for n in range(500)]


def test_an_answer_to_a_client_who_copied_500_addresses_goes_nowhere_until_cc_is_cleared(
        mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Выгрузка", body="Не выгружаются покупатели. ID аккаунта: 10452",
                           headers={"Cc": ", ".join(COPIED)}))
    mailproc_cli(config, "poll")
    notification = mail.wait_for(AGENT1, "KB-000001")
    smtp_server.envelopes.clear()

    _answer(mail, notification, AGENT1, "Выгрузка починена.")
    mailproc_cli(config, "poll")
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[AGENT1]]  # only the word back to the agent
    told = mail.wait_for(AGENT1, lambda m: "NOT sent" in text_of(m))
    assert "it would go to 501 addresses" in text_of(told) and "#cc clear" in text_of(told)
    ticket = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert ticket["status"] != "waiting" and not any(m["direction"] == "out" and m["kind"] == "agent"
                                                     for m in ticket["messages"])

    _answer(mail, notification, AGENT1, "#cc clear\nВыгрузка починена.")
    mailproc_cli(config, "poll")
    relayed = [e for e in smtp_server.envelopes if CLIENT in e.rcpt_tos]
    assert [e.rcpt_tos for e in relayed] == [[CLIENT]]
    answer = mail.wait_for(CLIENT, lambda m: "Выгрузка починена" in text_of(m))
    assert answer["Cc"] is None
    assert mailproc_cli(config, "show", "KB-000001", "--json", json=True)["status"] == "waiting"
