"""Agents' lifecycle commands, table-driven: what the ticket becomes and what the client is told."""

import pytest

from mailproc.decide import decide
from mailproc.rules.agent import COMMANDS
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import AccountRecord
from tests.pure import default_settings, inbound, moscow

ARRIVED = moscow("2026-11-27 12:00")
PARTNERED = AccountRecord("40500", name="Уют", partner="ООО «Интегратор»", partner_contact="help@integrator.test")


def _decide(body, status="open", account=None):
    ticket = TicketView(id=1, tag="KB-000001", client="client@example.test", status=status, account_id="40500")
    mail = inbound(arrived_at=ARRIVED, from_="agent1@example.test", body=body)
    ctx = Context(mail=mail, ticket=ticket, settings=default_settings(), now=ARRIVED, new_text=body,
                  sender_is_agent=True, agent_verified=True, account=account, account_id="40500")
    return decide(ctx)


# (case, body, ticket status, account, new status, blocks as (name, ground, partner), relayed, told the agent)
CASES = [
    ("#suspend repro: suspended, the client told why (cannot reproduce)", "#suspend repro", "open", None,
     "suspended", [("suspension", "repro", "")], False, None),
    ("each ground is its own notice: outdated", "#suspend outdated", "open", None, "suspended",
     [("suspension", "outdated", "")], False, None),
    ("the ground is read case-blind", "#suspend DATA", "open", None, "suspended", [("suspension", "data", "")],
     False, None),
    ("#suspend dev with an answer: the answer is relayed and the notice sent", "#suspend dev\nПередали в разработку.",
     "open", None, "suspended", [("suspension", "dev", "")], True, None),
    ("#suspend scope names the partner of the registry (§5.2)", "#suspend scope", "open", PARTNERED, "suspended",
     [("suspension", "scope", "ООО «Интегратор»")], False, None),
    ("#suspend abuse", "#suspend abuse", "open", None, "suspended", [("suspension", "abuse", "")], False, None),
    ("a bare #suspend: nothing to the client, the agent is asked for the ground", "#suspend\nИзвините, но...",
     "open", None, None, [], False, "#suspend: which ground of §4.7?"),
    ("an unknown ground likewise", "#suspend lazy", "open", None, None, [], False, "#suspend lazy: which ground"),
    ("#resume reopens a suspended ticket", "#resume", "suspended", None, "open", [], False, None),
    ("#resume with an answer: relayed, the ticket then waits on the client", "#resume\nПродолжаем.", "suspended",
     None, "waiting", [], True, None),
    ("#dev: handed to development (§2.2), the client told", "#dev", "open", None, "development",
     [("development", None, None)], False, None),
    ("#dev with an answer: still development, the answer relayed too", "#dev\nПередали разработчикам.", "open",
     None, "development", [("development", None, None)], True, None),
    ("#dev done: back to work", "#dev done", "development", None, "open", [], False, None),
    ("the agent's next answer takes it out of development: waiting on the client", "Вот обновление.",
     "development", None, "waiting", [], True, None),
    ("#remote (§4.4): the client is asked for a connection, the ticket waits on them", "#remote", "open", None,
     "waiting", [("remote", None, None)], False, None),
    ("#split names the second problem (§2.5): the client is told", "#split не печатается чек", "open", None, None,
     [("split", None, None)], False, None),
    ("a bare #split: nothing to the client, the agent asked what to split", "#split\nОтвет.", "open", None, None,
     [], False, "#split: name the second problem"),
    ("#dev with another word: the agent is told", "#dev later", "open", None, None, [], False, "#dev later"),
]


@pytest.mark.parametrize("body,status,account,new_status,blocks,relayed,told", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_command(body, status, account, new_status, blocks, relayed, told):
    decision = _decide(body, status, account)
    assert decision.status == new_status
    assert [(b.name, b.data.get("ground"), b.data.get("partner")) for b in decision.reply_blocks] == blocks
    assert bool(decision.relay) == relayed
    if told:
        assert told in decision.tell_sender[0]
    else:
        assert decision.tell_sender == ()


def test_remote_names_the_configured_tool_and_link():
    [block] = _decide("#remote").reply_blocks
    assert block.data == {"tool": "AnyDesk", "download_url": "https://anydesk.com/ru/downloads"}


def test_split_carries_the_agent_s_words_for_the_second_ticket():
    decision = _decide("#split Не печатается чек\nПо входу: очистите кэш.")
    assert decision.split == "Не печатается чек" and decision.relay == "По входу: очистите кэш."
    [block] = decision.naming_split("KB-000002").reply_blocks
    assert block.data == {"summary": "Не печатается чек", "new_tag": "KB-000002"}


@pytest.mark.parametrize("word", COMMANDS)
def test_every_command_listed_to_agents_is_one_the_desk_applies(word):
    assert not [line for line in _decide(f"#{word}").tell_sender if "unknown command" in line]
    assert [line for line in _decide(f"#{word}x").tell_sender if "unknown command" in line]
