"""Run the rules and merge their actions into one Decision. Pure.

"At most one automatic reply" lives here: rules contribute blocks, any veto wins.
"""
from __future__ import annotations

import dataclasses

from mailproc.actions import AddLabel, NoAutoReply, ReplyBlock
from mailproc.rules import RULES
from mailproc.rules.context import Context


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    labels: frozenset[str]
    reply_blocks: tuple[ReplyBlock, ...]  # empty: no automatic reply
    vetoes: tuple[str, ...]  # why there is no automatic reply

    @property
    def summary(self) -> str:
        if self.reply_blocks:
            return "reply:" + "+".join(b.name for b in self.reply_blocks)
        return "no reply" + (f" ({'; '.join(self.vetoes)})" if self.vetoes else "")


def decide(ctx: Context, rules=RULES) -> Decision:
    actions = [action for rule in rules for action in rule(ctx)]
    vetoes = tuple(a.reason for a in actions if isinstance(a, NoAutoReply))
    blocks = () if vetoes else tuple(sorted((a for a in actions if isinstance(a, ReplyBlock)), key=lambda b: b.order))
    return Decision(
        labels=frozenset(a.label for a in actions if isinstance(a, AddLabel)),
        reply_blocks=blocks,
        vetoes=vetoes,
    )
