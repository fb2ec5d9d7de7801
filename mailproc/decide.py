"""Run the rules and merge their actions into one Decision. Pure.

"At most one automatic reply" lives here: rules contribute blocks, any veto wins.
"""

from __future__ import annotations

import dataclasses

from mailproc.actions import (
    AddLabel,
    Assign,
    ClearCc,
    NoAutoReply,
    NotifyAgents,
    Reason,
    RecordAs,
    Relay,
    ReplyBlock,
    SetPriority,
    SetStatus,
    Split,
    TellSender,
)
from mailproc.lifecycle import strongest_priority, strongest_status
from mailproc.reply_blocks import arrange
from mailproc.rules import RULES
from mailproc.rules.context import Context


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    labels: frozenset[str]
    reasons: tuple[tuple[str, Reason], ...]  # (label, why) for the labels a rule explained
    reply_blocks: tuple[ReplyBlock, ...]  # empty: no automatic reply
    vetoes: tuple[str, ...]  # why there is no automatic reply
    priority: str | None = None  # None: leave as it is
    status: str | None = None
    kind: str | None = None  # how the mail is recorded; None: by its sender
    relay: str | None = None  # an agent's text for the client
    notify: tuple[str, ...] = ()  # events to tell the agents about
    assignee: str | None = None
    tell_sender: tuple[str, ...] = ()  # lines for the agent who wrote
    clear_cc: bool = False  # the ticket's Cc list is emptied
    split: str | None = None  # §2.5: a second ticket is opened for the client about this

    def naming_split(self, tag: str) -> Decision:
        """The decision once the second ticket of a split has its tag: the client's notice names it."""
        blocks = tuple(
            dataclasses.replace(b, data={**b.data, "new_tag": tag}) if b.name == "split" else b
            for b in self.reply_blocks
        )
        return dataclasses.replace(self, reply_blocks=blocks)

    @property
    def summary(self) -> str:
        parts = [f"as {self.kind}"] if self.kind else []
        parts += ["relay"] if self.relay else []
        parts += [f"notify:{'+'.join(self.notify)}"] if self.notify else []
        if self.reply_blocks:
            parts.append("reply:" + "+".join(b.name for b in self.reply_blocks))
        else:
            parts.append("no reply" + (f" ({'; '.join(self.vetoes)})" if self.vetoes else ""))
        return " ".join(parts)


def decide(ctx: Context, rules=RULES) -> Decision:
    actions = [action for rule, reads in rules if reads(ctx) for action in rule(ctx)]
    vetoes = tuple(a.reason for a in actions if isinstance(a, NoAutoReply))
    return Decision(
        labels=frozenset(a.label for a in actions if isinstance(a, AddLabel)),
        reasons=tuple((a.label, a.reason) for a in actions if isinstance(a, AddLabel) and a.reason),
        reply_blocks=() if vetoes else arrange([a for a in actions if isinstance(a, ReplyBlock)]),
        vetoes=vetoes,
        priority=strongest_priority([a.priority for a in actions if isinstance(a, SetPriority)]),
        status=strongest_status([a.status for a in actions if isinstance(a, SetStatus)]),
        kind=next((a.kind for a in actions if isinstance(a, RecordAs)), None),
        relay=next((a.text for a in actions if isinstance(a, Relay)), None),
        notify=tuple(dict.fromkeys(a.event for a in actions if isinstance(a, NotifyAgents))),
        assignee=next((a.agent for a in actions if isinstance(a, Assign)), None),
        tell_sender=tuple(a.text for a in actions if isinstance(a, TellSender)),
        clear_cc=any(isinstance(a, ClearCc) for a in actions),
        split=next((a.summary for a in actions if isinstance(a, Split)), None),
    )
