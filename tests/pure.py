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
