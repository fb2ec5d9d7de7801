"""Run the rules and merge their actions into one Decision. Pure.

"At most one automatic reply" lives here: rules contribute blocks, any veto wins.
"""
from __future__ import annotations

import dataclasses

from mailproc.actions import AddLabel, NoAutoReply, ReplyBlock, SetPriority, SetStatus
from mailproc.rules import RULES
from mailproc.rules.context import Context
from mailproc.vocab import Priority, Status

# When rules disagree, the stronger word wins.
_PRIORITY_RANK = (Priority.NORMAL, Priority.CRITICAL)
_STATUS_RANK = (Status.NEW, Status.OPEN, Status.WAITING, Status.SUSPENDED, Status.CLOSED)


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    labels: frozenset[str]
    reply_blocks: tuple[ReplyBlock, ...]  # empty: no automatic reply
    vetoes: tuple[str, ...]  # why there is no automatic reply
    priority: str | None = None  # None: leave as it is
    status: str | None = None

    @property
    def summary(self) -> str:
        if self.reply_blocks:
            return "reply:" + "+".join(b.name for b in self.reply_blocks)
        return "no reply" + (f" ({'; '.join(self.vetoes)})" if self.vetoes else "")


def decide(ctx: Context, rules=RULES) -> Decision:
    actions = [action for rule in rules for action in rule(ctx)]
    vetoes = tuple(a.reason for a in actions if isinstance(a, NoAutoReply))
    blocks = [a for a in actions if isinstance(a, ReplyBlock)]
    if any(b.exclusive for b in blocks):
        blocks = [b for b in blocks if b.exclusive]
    return Decision(
        labels=frozenset(a.label for a in actions if isinstance(a, AddLabel)),
        reply_blocks=() if vetoes else tuple(sorted(blocks, key=lambda b: b.order)),
        vetoes=vetoes,
        priority=_strongest([a.priority for a in actions if isinstance(a, SetPriority)], _PRIORITY_RANK),
        status=_strongest([a.status for a in actions if isinstance(a, SetStatus)], _STATUS_RANK),
    )


def _strongest(values: list[str], rank: tuple[str, ...]) -> str | None:
    return max(values, key=rank.index) if values else None
