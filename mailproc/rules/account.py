"""§4.7 (second list), §5 — accounts registry: an unknown ID is to be checked, an inactive client is refused.

Only when a registry is in use (at least one account imported); without one, IDs are
recorded on the ticket and not checked. Only for a client's mail, and only when the ID
is news: it opens the ticket, or it is an ID the ticket did not have yet (a follow-up
that supplies or corrects it). A follow-up repeating the ticket's ID is not asked or
refused again. Partner data (§5.2) is used by the scope rule, not here.
"""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, ReplyBlock, SetStatus
from mailproc.rules.context import Context
from mailproc.vocab import Label, Status

INACTIVE = "inactive"


def check(ctx: Context) -> list[Action]:
    if not ctx.registry_in_use or not ctx.account_id:
        return []
    if ctx.ticket is not None and ctx.ticket.account_id == ctx.account_id:
        return []  # already checked when the ticket got this ID
    if ctx.account is None:
        return [ReplyBlock("unknown_account", data={"account_id": ctx.account_id})]
    if ctx.account.status == INACTIVE:
        return [ReplyBlock("refusal", data={"account_id": ctx.account.account_id}),
                SetStatus(Status.CLOSED), AddLabel(Label.REFUSED)]
    return []
