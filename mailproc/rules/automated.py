"""SPEC §6 (RFC 3834): never answer machines, loops, forged senders; a daily cap per sender.

Mail from a machine (see `machines`) is labelled `automated` (no SLA) and never answered;
the rule also vetoes the auto-reply for forged senders (DMARC) and past the daily cap.
"""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, NoAutoReply, RecordAs
from mailproc.rules.context import Context
from mailproc.rules.machines import dmarc_failed
from mailproc.vocab import Kind, Label

def check(ctx: Context) -> list[Action]:
    support = ctx.settings.support
    actions: list[Action] = []
    reasons = ctx.machine_reasons
    if reasons:
        actions += [NoAutoReply("; ".join(reasons)), RecordAs(Kind.AUTOMATED)]
        if ctx.is_new_ticket:
            actions.append(AddLabel(Label.AUTOMATED))
    if dmarc_failed(ctx.mail):
        actions.append(NoAutoReply("DMARC failed: the sender address is probably forged"))
    if ctx.auto_replies_today >= support.max_auto_replies_per_day:
        actions.append(NoAutoReply(f"daily cap of {support.max_auto_replies_per_day} auto-replies reached"))
    return actions
