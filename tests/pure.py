"""Building blocks for tests of pure logic: default settings and parsed mails, no servers."""
from __future__ import annotations

import datetime as dt
import functools
import pathlib
import tempfile

from mailproc.actions import Action
from mailproc.config import Settings, load_settings
from mailproc.mail import InboundMail, RawMail
from mailproc.parse.message import parse_mail
from mailproc.rules import RULES, Rule
from mailproc.rules.context import Context
from mailproc.templating import render_text, zone_text
from tests.mailfactory import make_mail

MOSCOW = dt.timezone(dt.timedelta(hours=3))


@functools.cache
def default_settings() -> Settings:
    path = pathlib.Path(tempfile.mkdtemp(prefix="mp-settings-")) / "config.toml"
    path.write_text('[support]\nagents = ["agent1@example.test", "agent2@example.test"]\n')
    return load_settings(path)


def moscow(text: str) -> dt.datetime:
    """'2026-11-27 18:50' as a Moscow instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def inbound(arrived_at: dt.datetime | None = None, raw: bytes | None = None, **mail_fields) -> InboundMail:
    """A mail as the pipeline sees it after parsing; fields as for make_mail."""
    data = raw if raw is not None else make_mail(**mail_fields)
    return parse_mail(RawMail("INBOX", 1, 1, arrived_at or moscow("2026-11-27 12:00"), data))


def run_rule(rule: Rule, ctx: Context) -> list[Action]:
    """A rule's actions on a mail, or none when mailproc/rules.RULES says it does not read such a mail."""
    return rule(ctx) if dict(RULES)[rule](ctx) else []


def reply_text(ctx: Context, blocks, *, first_response_due: dt.datetime, tag: str = "KB-000001",
               client_name: str | None = None) -> str:
    """The automatic reply to ctx's mail as the client reads it, made of a decision's blocks
    (no critical term, opening time or on-call page)."""
    settings, language = ctx.settings, ctx.language
    return render_text(settings, language, "reply.txt.j2", {
        "tag": tag, "subject": ctx.mail.subject,
        "client_name": ctx.mail.from_name if client_name is None else client_name,
        "blocks": blocks, "first_response_due": first_response_due, "resolution_due": None,
        "opens_at": None, "on_call": False,
        "zone_text": zone_text(settings, language), "support_name": settings.support.name,
        "signature": settings.support.sign_off(language)})[1]
