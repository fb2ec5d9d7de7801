"""SPEC §3: a new ticket is acknowledged at once, with its tag and the expected reaction time."""

from __future__ import annotations

from mailproc.actions import Action, ReplyBlock
from mailproc.rules.context import Context


def check(ctx: Context) -> list[Action]:
    return [ReplyBlock("ack")]
