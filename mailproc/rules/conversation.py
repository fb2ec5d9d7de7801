"""SPEC §3, §5, §6 — a client's mail is handed to the agents; a reply on a waiting or closed ticket
reopens it; a bounce of one of our mails is reported to the agents as a delivery failure."""

from __future__ import annotations

from mailproc.actions import Action, AddLabel, NotifyAgents, SetStatus
from mailproc.lifecycle import after_client_mail
from mailproc.rules.context import Context
from mailproc.vocab import Label


def check(ctx: Context) -> list[Action]:
    if ctx.ticket is None:
        return [NotifyAgents("new_ticket")]
    actions: list[Action] = [NotifyAgents("client_message")]
    if status := after_client_mail(ctx.ticket.status):
        actions.append(SetStatus(status))
    return actions


def bounced(ctx: Context) -> list[Action]:
    return [AddLabel(Label.DELIVERY_FAILURE), NotifyAgents("delivery_failure")]
