"""Automatic responders that set no RFC 3834 header, agents' vacation notices, the ticket's
circuit breaker and the cap on a relay's recipients: the pure decisions (issue 9, items 3, 9)."""
import dataclasses

import pytest

from mailproc import breaker
from mailproc.rules import machines
from mailproc.decide import decide
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Kind, Label, Status
from tests.pure import default_settings, inbound, moscow

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT, AGENT1 = "client@example.test", "agent1@example.test"
TICKET = TicketView(id=1, tag="KB-000001", client=CLIENT)

RESPONDER_SUBJECTS = [
    "Автоответ: Re: Касса не печатает чеки [KB-000001]",  # Mail.ru
    "Автоматический ответ: Касса не печатает чеки",  # Outlook, Russian
    "Automatic reply: [KB-000001] New ticket: Касса",  # Exchange / Outlook
    "AUTOMATIC REPLY: Help needed",
    "Auto: Re: Help needed",  # Yahoo, Lotus Notes
    "Out of Office: Help needed",
    "Out of Office AutoReply: Help needed",  # Exchange 2003
    "Abwesenheitsnotiz: Hilfe",
    "Automatische Antwort: Hilfe",
    "Réponse automatique : Aide",  # French puts a space before the colon
    "Auto-Reply: Help needed",
    "  автоответ:Касса",
]
PEOPLE_SUBJECTS = [
    "Автоответ не работает",  # asking about the product's own autoresponder
    "Как настроить автоответ: пошагово?",
    "Re: Автоответ: Касса",  # a person answering an automatic answer
    "Auto parts for the till",
    "Autoreply settings: how do I turn them off?",
    "auto-renewal: charged twice",
    "Automatic replies: can I set them up?",
    "Out of office hours support",
    "Автоматическое начисление бонусов: не работает",
    "Help: my auto: setting is wrong",
]


def _decide(subject: str, *, sender: str = CLIENT, ticket: TicketView | None = None, **context) -> object:
    mail = inbound(from_=sender, subject=subject, body="Я в отпуске до понедельника.\n")
    return decide(Context(mail=mail, ticket=ticket, settings=context.pop("settings", SETTINGS), now=NOW,
                          new_text=mail.text, **context))


@pytest.mark.parametrize("subject", RESPONDER_SUBJECTS)
def test_a_responder_known_by_its_subject_is_machine_mail(subject):
    decision = _decide(subject)
    assert decision.reply_blocks == () and decision.notify == () and decision.labels == {Label.AUTOMATED}
    assert any("subject of an automatic answer" in v for v in decision.vetoes)


@pytest.mark.parametrize("subject", PEOPLE_SUBJECTS)
def test_a_person_writing_such_a_word_is_not_a_machine(subject):
    decision = _decide(subject)
    assert decision.vetoes == () and decision.reply_blocks[0].name == "ack"
    assert decision.notify == ("new_ticket",)


AGENT_MACHINE_MAIL = [
    # (case, told before on this ticket, verified by the reply token, events notified)
    ("first vacation notice on the ticket", False, True, ("agent_automated",)),
    ("a later one", True, True, ()),
    ("first one, not even answering by the token", False, False, ("agent_automated",)),
    ("a later one, not answering by the token", True, False, ()),
]


@pytest.mark.parametrize("told,verified,events", [c[1:] for c in AGENT_MACHINE_MAIL],
                         ids=[c[0] for c in AGENT_MACHINE_MAIL])
def test_an_agents_machine_mail_is_never_relayed_and_told_once_per_ticket(told, verified, events):
    decision = _decide("Automatic reply: [KB-000001] Client message: Касса", sender=AGENT1, ticket=TICKET,
                       sender_is_agent=True, agent_verified=verified, agents_told_of_machine_mail=told)
    assert decision.relay is None and decision.kind == Kind.AUTOMATED and decision.status is None
    assert decision.notify == events and decision.reply_blocks == ()


def _with_limits(**limits):
    return dataclasses.replace(SETTINGS, limits=dataclasses.replace(SETTINGS.limits, **limits))


FAN_OUT = [
    # (case, addresses in the ticket's Cc, relay_max_recipients, agent's text, relayed to)
    ("client alone", 0, 20, "Готово.", 1),
    ("client and 19 in Cc: exactly the limit", 19, 20, "Готово.", 20),
    ("client and 20 in Cc: one too many", 20, 20, "Готово.", None),
    ("client and 500 in Cc", 500, 20, "Готово.", None),
    ("500 in Cc, #cc clear: the client alone", 500, 20, "#cc clear\nГотово.", 1),
    ("limit 1: the client alone still gets it", 0, 1, "Готово.", 1),
    ("limit 1, one in Cc", 1, 1, "Готово.", None),
]


@pytest.mark.parametrize("cc,limit,text,relayed_to", [c[1:] for c in FAN_OUT], ids=[c[0] for c in FAN_OUT])
def test_a_relay_goes_to_at_most_relay_max_recipients(cc, limit, text, relayed_to):
    ticket = dataclasses.replace(TICKET, cc=tuple(f"colleague{n}@example.test" for n in range(cc)))
    mail = inbound(from_=AGENT1, subject="Re: [KB-000001] Client message", body=text)
    decision = decide(Context(mail=mail, ticket=ticket, settings=_with_limits(relay_max_recipients=limit),
                              now=NOW, new_text=text, sender_is_agent=True, agent_verified=True))
    assert decision.kind == Kind.AGENT
    if relayed_to is None:
        assert decision.relay is None and decision.status is None and not decision.clear_cc
        assert f"it would go to {cc + 1} addresses" in decision.tell_sender[0]
        assert "#cc clear" in decision.tell_sender[0]
    else:
        assert decision.relay == "Готово." and decision.status == Status.WAITING and decision.tell_sender == ()
        assert decision.clear_cc is (relayed_to == 1 and cc > 0)


def test_cc_with_anything_but_clear_is_refused_to_the_agent():
    mail = inbound(from_=AGENT1, subject="Re: [KB-000001]", body="#cc drop\nГотово.")
    decision = decide(Context(mail=mail, ticket=TICKET, settings=SETTINGS, now=NOW, new_text="#cc drop\nГотово.",
                              sender_is_agent=True, agent_verified=True))
    assert not decision.clear_cc and "expected '#cc clear'" in decision.tell_sender[0]


BREAKER = [
    # (case, going out in the last hour, held in it, ticket_mails_per_hour, hold, alert)
    ("nothing sent yet", 0, 0, 10, False, False),
    ("the 10th mail of the hour still goes", 9, 0, 10, False, False),
    ("the 11th is held, and the agents alerted", 10, 0, 10, True, True),
    ("more held in the same episode: no second alert", 10, 1, 10, True, False),
    ("far past the limit", 57, 30, 10, True, False),
    ("limit 1: the first goes", 0, 0, 1, False, False),
    ("limit 1: the second is held", 1, 0, 1, True, True),
    ("0 turns the breaker off", 1000, 0, 0, False, False),
]


@pytest.mark.parametrize("going_out,held,limit,hold,alert", [c[1:] for c in BREAKER], ids=[c[0] for c in BREAKER])
def test_circuit_breaker(going_out, held, limit, hold, alert):
    assert breaker.judge(going_out, held, limit) == breaker.Verdict(hold=hold, alert=alert)


OURS = [
    # (case, make_mail fields, ours)
    ("our address in From", {"from_": "Support <support@example.test>"}, True),
    ("our address in capitals", {"from_": "SUPPORT@EXAMPLE.TEST"}, True),
    ("our loop header", {"headers": {"X-Loop": "support@example.test"}}, True),
    ("a Message-ID shaped like ours", {"message_id": "KB-000001.ab12.cd34@example.test"}, True),
    ("a client", {}, False),
    ("another desk's loop header", {"headers": {"X-Loop": "helpdesk@elsewhere.test"}}, False),
    ("our address inside another domain", {"from_": "support@example.test.evil.test"}, False),
    ("our address as a display name", {"from_": '"support@example.test" <x@evil.test>'}, False),
    ("a colleague in our domain", {"from_": "sales@example.test", "message_id": "abc.123@example.test"}, False),
]


@pytest.mark.parametrize("fields,ours", [c[1:] for c in OURS], ids=[c[0] for c in OURS])
def test_our_own_mail(fields, ours):
    assert machines.is_our_own(inbound(**fields), "support@example.test", "example.test") is ours


@pytest.mark.parametrize("sender", ["\u0455upport@example.test", "support\uff20example.test"],
                         ids=["Cyrillic ѕ", "full-width ＠"])
def test_a_look_alike_of_our_address_is_not_ours(sender):
    raw = (f"From: Support <{sender}>\r\nTo: support@example.test\r\nSubject: Hello\r\n"
           "Message-ID: <x@evil.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi\r\n").encode()
    assert not machines.is_our_own(inbound(raw=raw), "support@example.test", "example.test")
