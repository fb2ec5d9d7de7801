"""What a rule may ask for. Rules return these; decide.py merges them. Pure."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping


@dataclasses.dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule is unsure and leaves it to the agents (a review label): one line of their notification."""

    why: str  # a code the notification template words, e.g. "quoted", "fault"
    words: tuple[str, ...]  # the mail's words that raised the label
    against: tuple[str, ...] = ()  # the mail's words that kept the rule from being sure


@dataclasses.dataclass(frozen=True, slots=True)
class AddLabel:
    label: str
    reason: Reason | None = None  # for a review label: why, for the agents


@dataclasses.dataclass(frozen=True, slots=True)
class ReplyBlock:
    """One block of the single automatic reply; where it goes is mailproc/reply_blocks.ORDER."""

    name: str  # template block file: templates/<lang>/blocks/<name>.txt.j2
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class NoAutoReply:
    """Veto: this mail must not be answered automatically (SPEC §6)."""

    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class SetPriority:
    priority: str


@dataclasses.dataclass(frozen=True, slots=True)
class SetStatus:
    status: str


@dataclasses.dataclass(frozen=True, slots=True)
class RecordAs:
    """How the mail is recorded on the ticket: client, agent, note, unverified, automated."""

    kind: str


@dataclasses.dataclass(frozen=True, slots=True)
class Relay:
    """Send an agent's text to the client, from the support address, in the client's thread."""

    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class NotifyAgents:
    """Tell the agents (the assignee, once there is one) about this mail; `event` names why."""

    event: str  # new_ticket | client_message | note | unverified | delivery_failure | agent_automated


@dataclasses.dataclass(frozen=True, slots=True)
class Assign:
    agent: str


@dataclasses.dataclass(frozen=True, slots=True)
class ClearCc:
    """Drop the addresses the client copied from the ticket: answers go to the client alone."""


@dataclasses.dataclass(frozen=True, slots=True)
class Split:
    """§2.5 one problem per ticket: open a second ticket for the same client about `summary`."""

    summary: str


@dataclasses.dataclass(frozen=True, slots=True)
class TellSender:
    """A short answer to the agent who wrote (e.g. an unknown command); never to a client."""

    text: str


Action = (AddLabel | ReplyBlock | NoAutoReply | SetPriority | SetStatus | RecordAs | Relay | NotifyAgents
          | Assign | ClearCc | Split | TellSender)
