"""SPEC §3, §5, §6 — a client's mail is handed to the agents; a reply on a waiting or closed ticket
reopens it; a bounce of one of our mails is reported to the agents as a delivery failure."""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, NotifyAgents, SetStatus
from mailproc.rules.context import Context
from mailproc.vocab import Label, Status


def check(ctx: Context) -> list[Action]:
    if ctx.bounce:
        return [AddLabel(Label.DELIVERY_FAILURE), NotifyAgents("delivery_failure")]
    if ctx.sender_is_agent or ctx.machine_reasons:
        return []
    if ctx.is_new_ticket:
        return [NotifyAgents("new_ticket")]
    actions: list[Action] = [NotifyAgents("client_message")]
    if ctx.ticket.status in (Status.WAITING, Status.CLOSED):
        actions.append(SetStatus(Status.OPEN))
    return actions
