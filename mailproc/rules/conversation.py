"""SPEC §3, §5 — a client's mail is handed to the agents; a reply on a waiting or closed ticket reopens it."""
from __future__ import annotations

from mailproc.actions import Action, NotifyAgents, SetStatus
from mailproc.rules.context import Context
from mailproc.vocab import Status


def check(ctx: Context) -> list[Action]:
    if ctx.sender_is_agent or ctx.machine_reasons:
        return []
    if ctx.is_new_ticket:
        return [NotifyAgents("new_ticket")]
    actions: list[Action] = [NotifyAgents("client_message")]
    if ctx.ticket.status in (Status.WAITING, Status.CLOSED):
        actions.append(SetStatus(Status.OPEN))
    return actions
