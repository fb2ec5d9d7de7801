"""§4.2 — screenshots must be JPG, GIF or PNG: list every rejected file with its reason."""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.rules.context import Context
from mailproc.vocab import Label


def check(ctx: Context) -> list[Action]:
    if ctx.sender_is_agent:
        return []
    rejected = [a for a in ctx.mail.attachments if a.verdict and a.verdict.accepted is False]
    if not rejected:
        return []
    files = [{"name": a.filename, "reason": a.verdict.reason, "format": a.verdict.detected_format or "",
              "detail": a.verdict.detail} for a in rejected]
    return [AddLabel(Label.BAD_ATTACHMENT), ReplyBlock("rejected_files", order=30, data={"files": files})]
