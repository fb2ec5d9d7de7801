"""The variables every template is given, each documented once with a sample value. Pure.

`mailproc check-config` and the start-up check render every template (and every block of
templates/<lang>/blocks/) against these samples, so a typo'd variable is found before any
mail is answered. A variable may have more samples after the first: the other values the
code passes that take a template down another branch (an empty one, each event...); each
is tried in turn. `templating.render_text` refuses to pass a template a variable missing here:
a variable added in code without its sample fails the tests.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from mailproc.actions import ReplyBlock

_WHEN = dt.datetime(2026, 11, 27, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))

# name -> (what it is, sample value, other values worth a try...)
_FOR_AGENTS = {
    "tag": ("the ticket's tag, e.g. KB-000123", "KB-000123"),
    "zone_text": ("how to name the time zone, e.g. «по московскому времени»", "по московскому времени"),
    "support_name": ("[support].name", "Support"),
}

VARIABLES: dict[str, dict[str, tuple[Any, ...]]] = {
    "reply.txt.j2": {
        "tag": ("the ticket's tag without brackets, e.g. KB-000123", "KB-000123"),
        "subject": ("the client's subject without our tag", "Касса не работает"),
        "client_name": ("the client's name from From when it is a person's (not a shop or a role), else empty",
                        "Пётр Иванов", ""),
        "blocks": ("the blocks the rules chose, in order; each has .name and .data (see BLOCKS)", None),
        "first_response_due": ("the expected first reaction (date and time)", _WHEN),
        "resolution_due": ("the resolution term of a critical problem (§2.4), else empty", _WHEN, None),
        "opens_at": ("when the desk opens, for a mail that arrived outside hours (the after_hours block), else empty",
                     None, _WHEN),
        "on_call": ("whether the on-call agents were paged: the critical term reaches outside hours (§2.4)",
                    False, True),
        "zone_text": _FOR_AGENTS["zone_text"],
        "support_name": _FOR_AGENTS["support_name"],
        "signature": ("[support].signature for the reply's language: how the reply is signed",
                      "Служба поддержки kilbil"),
    },
    "notification.txt.j2": {
        **_FOR_AGENTS,
        "event": ("new_ticket | client_message | note | unverified | delivery_failure | agent_automated",
                  "new_ticket", "client_message", "note", "unverified", "delivery_failure", "agent_automated"),
        "subject": ("the ticket's subject", "Касса не работает"),
        "client": ("the client's address", "petr@market.example"),
        "sender": ("who wrote this mail", "petr@market.example"),
        "sender_name": ("the sender's name, may be empty", "Пётр Иванов", ""),
        "account_id": ("the account ID, or empty", "12345", None),
        "account": ("the registry row (name, status, partner, partner_contact), or empty",
                    {"name": "Маркет", "status": "active", "partner": "Партнёр",
                     "partner_contact": "p@partner.example"},
                    {"name": "Маркет", "status": "inactive", "partner": "", "partner_contact": ""}, None),
        "labels": ("the ticket's labels", ["critical"], [], ["critical", "review_abuse", "review_out_of_scope", "review_several_problems"]),
        "priority": ("normal | critical", "critical", "normal"),
        "status": ("new | open | waiting | development | suspended | closed", "new"),
        "first_response_due": ("the first-reaction deadline (date and time), or empty", _WHEN, None),
        "resolution_due": ("the resolution deadline (date and time), or empty", _WHEN, None),
        "text": ("the new text of the mail, quotes stripped", "Касса не работает с утра.", ""),
        "follows": ("the closed ticket this one continues, or empty", "KB-000100", None),
        "split_from": ("the ticket an agent's #split took this one from (§2.5), or empty", "KB-000100", None),
        "reviews": ("the review labels this mail raised: label, why (a reason code), words (what raised it), "
                    "against (what kept the rule from being sure)",
                    [{"label": "review_abuse", "why": why, "words": ["идиот"], "against": []}
                     for why in ("quoted", "unclear", "critical")]
                    + [{"label": "review_out_of_scope", "why": "fault", "words": ["проведите обучение"],
                        "against": ["не работает"]},
                       {"label": "review_out_of_scope", "why": "critical", "words": ["внедрение"], "against": []},
                       {"label": "review_several_problems", "why": "several", "words": ["два вопроса"],
                        "against": []},
                       {"label": "review_other", "why": "", "words": ["что-то"], "against": []}], []),
        "attachments": ("a list of: name, size, accepted (true/false/empty: not an image), detail, attached "
                        "(false: rejected, or past [limits].forward_attachment_mb)",
                        [{"name": "screen.png", "size": "310 KB", "accepted": True, "detail": "", "attached": True},
                         {"name": "video.png", "size": "24.8 MB", "accepted": True, "detail": "", "attached": False},
                         {"name": "photo.heic", "size": "2.1 MB", "accepted": False, "detail": "HEIC is not accepted",
                          "attached": False},
                         {"name": "log.txt", "size": "12 KB", "accepted": None, "detail": "not an image",
                          "attached": True}], []),
    },
    "on_call.txt.j2": {
        **_FOR_AGENTS,
        "subject": ("the ticket's subject", "Касса не работает"),
        "client": ("the client's address", "petr@market.example"),
        "account_id": ("the account ID, or empty", "12345", None),
        "labels": ("the ticket's labels", ["critical", "after_hours"]),
        "priority": ("critical", "critical"),
        "status": ("new | open", "new"),
        "follows": ("the closed ticket this one continues, or empty", None, "KB-000100"),
        "split_from": ("the ticket an agent's #split took this one from (§2.5), or empty", None, "KB-000100"),
        "arrived_at": ("when the mail arrived (date and time)", _WHEN),
        "resolution_due": ("the §2.4 term promised to the client (date and time)", _WHEN),
        "text": ("the new text of the mail, quotes stripped", "Касса не работает с утра."),
    },
    "agent_feedback.txt.j2": {
        **_FOR_AGENTS,
        "subject": ("the ticket's subject", "Касса не работает"),
        "lines": ("what to tell the agent, one item each", ["unknown command #clos"]),
    },
    "escalation.txt.j2": {
        **_FOR_AGENTS,
        "deadline": ("first_response (§2.3) | resolution (§2.4)", "first_response", "resolution"),
        "stage": ("warning (soon) | breached (passed)", "warning", "breached"),
        "due": ("the deadline (date and time)", _WHEN),
        "minutes": ("minutes left or past", 10),
        "subject": ("the ticket's subject", "Касса не работает"),
        "client": ("the client's address", "petr@market.example"),
        "priority": ("normal | critical", "critical", "normal"),
        "status": ("new | open", "new"),
    },
    "breaker_alert.txt.j2": {
        **_FOR_AGENTS,
        "subject": ("the ticket's subject", "Касса не работает"),
        "client": ("the client's address", "petr@market.example"),
        "limit": ("[limits].ticket_mails_per_hour", 10),
        "held_to": ("the recipients of the mail just held", ["petr@market.example"]),
        "held_subject": ("the subject of the mail just held", "Re: Касса не работает [KB-000123]"),
    },
    "queue.txt.j2": {
        "lines": ("the queue lines as `mailproc queue` prints them", ["KB-000123  critical  new  ..."]),
        "open": ("tickets waiting for the agents", 3),
        "breached": ("how many of them are past a deadline", 1, 0),
        "waiting": ("tickets waiting for the client", 2),
        "support_name": _FOR_AGENTS["support_name"],
    },
}

# block name -> samples of its block.data (what the rule that chooses it puts there), each tried
BLOCKS: dict[str, tuple[dict[str, Any], ...]] = {
    "ack": ({},),
    "after_hours": ({"opens_at": _WHEN, "open": "07:00", "close": "19:00"},),
    "closed": ({"reopen_days": 14}, {"reopen_days": 1}),
    "development": ({},),
    "closed_unanswered": ({"reopen_days": 14}, {"reopen_days": 21}),
    "waiting_reminder": ({"days": 4}, {"days": 0}),
    "several_problems": ({},),
    "split": ({"summary": "не печатается чек", "new_tag": "KB-000124"},),
    "remote": ({"tool": "AnyDesk", "download_url": "https://anydesk.com/ru/downloads"},),
    "critical": ({"problem": "pos"}, {"problem": "login"}, {"problem": "other"}),
    "faq": ({"links": [{"id": "bonuses", "url": "https://help.example/bonuses", "title": "Бонусы"}]},
            {"links": [{"id": "bonuses", "url": "https://help.example/bonuses", "title": "Бонусы"},
                       {"id": "login", "url": "https://help.example/login", "title": "Вход"}]}),
    "missing": ({"items": ["account_id", "steps", "screenshots"]}, {"items": ["steps"]}),
    "other_files": ({"names": ["log.txt"]}, {"names": ["log.txt", "report.pdf"]}),
    "out_of_scope": ({"topics": ["training", "other"], "partner": "Партнёр", "partner_contact": "p@partner.example"},
                     {"topics": ["other"], "partner": "Партнёр", "partner_contact": ""},
                     {"topics": ["reports"], "partner": "", "partner_contact": ""}),
    "refusal": ({"account_id": "12345"},),
    "rejected_files": (
        {"files": [{"name": f"file{n}.jpg", "reason": reason, "format": fmt, "detail": "why"}
                   for n, (reason, fmt) in enumerate([("unsupported_format", "webp"), ("unsupported_format", ""),
                                                      ("spoofed_extension", "heic"), ("spoofed_extension", ""),
                                                      ("corrupt", "jpeg"), ("too_many_pixels", "png"),
                                                      ("empty", ""), ("too_large", "png")])]},
        {"files": [{"name": "photo.png", "reason": "corrupt", "format": "png", "detail": "truncated"}]}),
    "suspension": ({"ground": "abuse", "partner": "", "partner_contact": ""},
                   *({"ground": g, "partner": "", "partner_contact": ""} for g in ("repro", "outdated", "data", "dev")),
                   {"ground": "scope", "partner": "Партнёр", "partner_contact": "p@partner.example"},
                   {"ground": "scope", "partner": "Партнёр", "partner_contact": ""},
                   {"ground": "scope", "partner": "", "partner_contact": ""}),
    "unknown_account": ({"account_id": "12345"},),
}

CLIENT_TEMPLATES = ("reply.txt.j2",)  # in every language a client may write in
AGENT_TEMPLATES = ("notification.txt.j2", "on_call.txt.j2", "agent_feedback.txt.j2", "escalation.txt.j2", "breaker_alert.txt.j2",
                   "queue.txt.j2")


def sample(template: str) -> dict[str, Any]:
    """The variables `template` gets, with their first sample values; reply.txt.j2 gets every block."""
    values = {name: samples[0] for name, (_doc, *samples) in VARIABLES[template].items()}
    if template == "reply.txt.j2":
        values["blocks"] = tuple(ReplyBlock(name, data=data[0]) for name, data in BLOCKS.items())
    return values


def samples(template: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what differs from the first sample, the variables): the first sample, then each other
    value of each variable in turn."""
    first = sample(template)
    yield "", first
    for name, (_doc, _first, *others) in VARIABLES[template].items():
        for value in others:
            yield f"{name} = {value!r}", {**first, name: value}


def undocumented(template: str, variables: dict[str, Any]) -> list[str]:
    """What code passes `template` that is not documented here (a name, or a block or block key)."""
    known = VARIABLES.get(template)
    if known is None:
        return ["the template itself"]
    problems = [name for name in variables if name not in known]
    for block in variables.get("blocks", ()) if template == "reply.txt.j2" else ():
        if block.name not in BLOCKS:
            problems.append(f"block {block.name}")
        else:
            problems += [f"block {block.name}: {key}" for key in block.data if key not in BLOCKS[block.name][0]]
    return problems
