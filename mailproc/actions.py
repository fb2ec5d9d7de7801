"""What a rule may ask for. Rules return these; decide.py merges them. Pure."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping


@dataclasses.dataclass(frozen=True, slots=True)
class AddLabel:
    label: str


@dataclasses.dataclass(frozen=True, slots=True)
class ReplyBlock:
    """One block of the single automatic reply; blocks are rendered in `order`."""

    name: str  # template block file: templates/<lang>/blocks/<name>.txt.j2
    order: int = 50
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    exclusive: bool = False  # the reply is this block alone (refusal, suspension notice)


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


Action = AddLabel | ReplyBlock | NoAutoReply | SetPriority | SetStatus
