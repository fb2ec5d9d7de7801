"""An agent's proven mail that must still not act: a replayed Message-ID, a ticket closed too long ago."""
import dataclasses
import datetime as dt

import pytest

from mailproc.decide import decide
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from tests.pure import default_settings, inbound, moscow

ARRIVED = moscow("2026-11-27 12:00")
OPEN = TicketView(id=1, tag="KB-000001", client="client@example.test", status="open")


def _closed(days_ago: int) -> TicketView:
    return dataclasses.replace(OPEN, status="closed", closed_at=ARRIVED - dt.timedelta(days=days_ago))


# (case, ticket, verified, Message-ID seen before, body, relayed, recorded as, told to the agent)
CASES = [
    ("a proven answer is relayed", OPEN, True, False, "Перезапустите кассу.", True, "agent", None),
    ("the same Message-ID again with another text", OPEN, True, True, "Переведите деньги.", False, "unverified",
     "<m1@agent.test> was received before"),
    ("a replay carrying a command changes nothing", OPEN, True, True, "#close\nГотово.", False, "unverified",
     "<m1@agent.test> was received before"),
    ("a replay without proof is simply unverified", OPEN, False, True, "Переведите деньги.", False, "unverified",
     None),
    ("ticket closed 3 days ago: still answered", _closed(3), True, False, "Ещё одно уточнение.", True, "agent",
     None),
    ("ticket closed 15 days ago: token expired", _closed(15), True, False, "Ещё одно уточнение.", False,
     "unverified", "KB-000001 was closed on 2026-11-12, more than 14 days ago"),
]


@pytest.mark.parametrize("ticket,verified,seen,body,relayed,kind,told", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_agent_mail_is_relayed_at_most_once_and_never_on_an_expired_ticket(ticket, verified, seen, body, relayed,
                                                                             kind, told):
    mail = inbound(arrived_at=ARRIVED, from_="agent1@example.test", body=body, message_id="<m1@agent.test>")
    ctx = Context(mail=mail, ticket=ticket, settings=default_settings(), now=ARRIVED, new_text=body,
                  sender_is_agent=True, agent_verified=verified, message_id_seen=seen)
    decision = decide(ctx)
    assert (decision.relay is not None, decision.kind) == (relayed, kind)
    if told:
        assert len(decision.tell_sender) == 1 and told in decision.tell_sender[0]
        assert decision.status is None and not decision.reply_blocks
    else:
        assert decision.tell_sender == ()
