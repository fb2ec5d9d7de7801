"""§4.2 — a request carries the account ID, a description with steps to reproduce, and screenshots of an error.

For a new ticket from a client, ONE reply block lists everything missing (never one
mail per item):

* `account_id`: no account ID in the mail (label `missing_account_id`);
* `steps`: what the client wrote this time (quotes and signature stripped) is shorter
  than `[requests].min_description_chars`;
* `screenshots`: the subject or text mentions an error (`[requests].error_words`, each
  matched at the start of a word, case-insensitive, "ё" = "е") and no attachment was
  accepted as a screenshot. When an attachment was rejected, the `rejected_files` block
  already asks for JPG, GIF or PNG, so it is not asked twice.
"""
from __future__ import annotations

import functools
import re

from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.parse.wordforms import normalize
from mailproc.rules.context import Context
from mailproc.vocab import Label

ACCOUNT_ID, STEPS, SCREENSHOTS = "account_id", "steps", "screenshots"


def _normal(text: str) -> str:
    return normalize(text).replace("\u2019", "'").replace("\u02bc", "'")  # "doesn’t" typed on phones


@functools.lru_cache(maxsize=8)
def _error_regex(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of the words at the start of a word; a phrase's words may be split by any whitespace."""
    alternatives = [r"\s+".join(map(re.escape, _normal(w).split())) for w in words if w.strip()]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")") if alternatives else None


def mentions_error(text: str, words: tuple[str, ...]) -> bool:
    regex = _error_regex(tuple(words))
    return regex is not None and regex.search(_normal(text)) is not None


def check(ctx: Context) -> list[Action]:
    settings = ctx.settings.requests
    actions: list[Action] = []
    items = []
    if not ctx.account_id:
        items.append(ACCOUNT_ID)
        actions.append(AddLabel(Label.MISSING_ACCOUNT_ID))
    if len(ctx.new_text.strip()) < settings.min_description_chars:
        items.append(STEPS)
    verdicts = [a.verdict for a in ctx.mail.attachments if a.verdict]
    if (mentions_error(f"{ctx.mail.subject}\n{ctx.new_text}", settings.error_words)
            and not any(v.accepted for v in verdicts) and not any(v.accepted is False for v in verdicts)):
        items.append(SCREENSHOTS)
    if items:
        actions.append(ReplyBlock("missing", data={"items": items}))
    return actions
