"""§2.1, §2.3 — mail that arrives outside working hours is answered from the next opening.

Arrival is the IMAP INTERNALDATE (`mail.arrived_at`), never the Date header: client
clocks lie, and a backlog read after an outage keeps its true arrival times.
"""
from __future__ import annotations

from mailproc import sla
from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.rules.context import Context
from mailproc.vocab import Label


def check(ctx: Context) -> list[Action]:
    hours, opens_at = ctx.settings.hours, sla.opens_at(ctx.settings, ctx.mail.arrived_at)
    if opens_at is None:
        return []
    data = {"opens_at": opens_at, "open": f"{hours.open:%H:%M}", "close": f"{hours.close:%H:%M}"}
    return [AddLabel(Label.AFTER_HOURS), ReplyBlock("after_hours", data=data)]
