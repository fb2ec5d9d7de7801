"""Merging the rules' actions into one Decision: one reply at most, vetoes win, strongest state wins."""

import pytest

from mailproc.actions import AddLabel, NoAutoReply, ReplyBlock, SetPriority, SetStatus
from mailproc.decide import decide
from mailproc.rules import every_mail
from mailproc.rules.context import Context
from tests.pure import default_settings, inbound, moscow

CTX = Context(mail=inbound(), ticket=None, settings=default_settings(), now=moscow("2026-11-27 12:00"))


def _rules(*action_lists):
    return tuple(((lambda ctx, acts=acts: list(acts)), every_mail) for acts in action_lists)


CASES = [
    (
        "blocks from several rules form one reply, in order",
        [[ReplyBlock("faq")], [ReplyBlock("ack")], [ReplyBlock("missing")]],
        ["ack", "missing", "faq"],
        (),
    ),
    ("a veto removes every block", [[ReplyBlock("ack")], [NoAutoReply("bulk")]], [], ("bulk",)),
    (
        "a block that stands alone replaces the others",
        [[ReplyBlock("ack")], [ReplyBlock("refusal")], [ReplyBlock("faq")]],
        ["refusal"],
        (),
    ),
    (
        "two blocks that stand alone: the refusal (§4.7 licence) is the whole reply, not the suspension too",
        [[ReplyBlock("suspension")], [ReplyBlock("refusal")]],
        ["refusal"],
        (),
    ),
    ("a veto beats a block that stands alone", [[ReplyBlock("refusal")], [NoAutoReply("loop")]], [], ("loop",)),
    ("no rule speaks: no reply", [[], []], [], ()),
]


@pytest.mark.parametrize("actions,blocks,vetoes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reply_blocks(actions, blocks, vetoes):
    decision = decide(CTX, _rules(*actions))
    assert [b.name for b in decision.reply_blocks] == blocks
    assert decision.vetoes == vetoes


@pytest.mark.parametrize(
    "actions,priority,status",
    [
        ([[SetPriority("normal")], [SetPriority("critical")]], "critical", None),
        ([[SetStatus("suspended")], [SetStatus("closed")], [SetStatus("open")]], None, "closed"),
        ([[AddLabel("faq")]], None, None),
    ],
    ids=["critical beats normal", "closed beats suspended beats open", "nothing said: nothing changes"],
)
def test_strongest_priority_and_status_win(actions, priority, status):
    decision = decide(CTX, _rules(*actions))
    assert (decision.priority, decision.status) == (priority, status)


def test_labels_are_collected_from_all_rules():
    decision = decide(CTX, _rules([AddLabel("faq")], [AddLabel("after_hours"), AddLabel("faq")]))
    assert decision.labels == {"faq", "after_hours"}
