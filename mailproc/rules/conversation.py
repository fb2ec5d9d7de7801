"""SPEC §3, §5 — a client's mail is handed to the agents; a reply on a waiting or closed ticket reopens it."""
from __future__ import annotations

from mailproc.actions import Action, NotifyAgents, SetStatus
from mailproc.rules.automated import machine_reasons
from mailproc.rules.context import Context
from mailproc.vocab import Status


def check(ctx: Context) -> list[Action]:
    support = ctx.settings.support
    if ctx.sender_is_agent or machine_reasons(ctx.mail, support.address, support.message_id_domain):
        return []
    if ctx.is_new_ticket:
        return [NotifyAgents("new_ticket")]
    actions: list[Action] = [NotifyAgents("client_message")]
    if ctx.ticket.status in (Status.WAITING, Status.CLOSED):
        actions.append(SetStatus(Status.OPEN))
    return actions
