"""§4.2 — screenshots must be JPG, GIF or PNG: list every rejected file with its reason.

Other files (logs, documents) are kept for the agents; `[attachments].mention_other_files`
decides whether the reply confirms they arrived.
"""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.rules.context import Context
from mailproc.vocab import Label


def check(ctx: Context) -> list[Action]:
    actions: list[Action] = []
    rejected = [(a.filename, a.verdict) for a in ctx.mail.attachments if a.verdict and a.verdict.accepted is False]
    if rejected:
        files = [{"name": name, "reason": verdict.reason, "format": verdict.detected_format or "",
                  "detail": verdict.detail} for name, verdict in rejected]
        actions += [AddLabel(Label.BAD_ATTACHMENT), ReplyBlock("rejected_files", data={"files": files})]
    others = [a.filename for a in ctx.mail.attachments if a.verdict and a.verdict.accepted is None]
    if others and ctx.settings.attachments.mention_other_files:
        actions.append(ReplyBlock("other_files", data={"names": others}))
    return actions
