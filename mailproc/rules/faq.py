"""§1.2, §4.3 — a new request whose subject or text matches a [[faq]] entry gets links to the documentation.

An entry matches when one of its phrases occurs in the subject or the new text (word
forms, case, punctuation and ё/е aside: see mailproc.parse.wordforms). Entries rank by
their longest matched phrase, then by how many of their phrases matched, then by their
order in config; at most `replies.max_faq_links` are linked. The acknowledgement still
promises an agent's answer: the links are a shortcut, not the reply.
"""
from __future__ import annotations

import dataclasses
import functools

from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.config import FaqEntry
from mailproc.parse.wordforms import Phrase, Text
from mailproc.rules.context import Context
from mailproc.vocab import Label

MAX_CHARS = 20_000  # of subject + text looked at: questions are asked at the top, not in pasted logs


@dataclasses.dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    phrases: tuple[str, ...]  # the entry's phrases found, as written in config

    @property
    def score(self) -> tuple[int, int]:
        return max(len(Phrase.of(p)) for p in self.phrases), len(self.phrases)


@functools.lru_cache(maxsize=16)
def _compiled(entries: tuple[FaqEntry, ...]) -> tuple[tuple[FaqEntry, tuple[Phrase, ...]], ...]:
    return tuple((e, tuple(p for p in map(Phrase.of, e.phrases) if p.stems)) for e in entries)


def match_faq(entries: tuple[FaqEntry, ...], *texts: str, limit: int) -> list[FaqMatch]:
    """The best matching entries for these texts (e.g. subject and body), best first, at most `limit`."""
    if limit <= 0 or not entries:
        return []
    budget, parts = MAX_CHARS, []
    for text in texts:
        parts.append(text[:budget])
        budget = max(0, budget - len(text))
    words = Text(*parts)
    found = []
    for entry, phrases in _compiled(tuple(entries)):
        hits = tuple(p.text for p in phrases if words.contains(p))
        if hits:
            found.append(FaqMatch(entry, hits))
    found.sort(key=lambda m: m.score, reverse=True)  # stable: config order breaks ties
    best, urls = [], set()
    for match in found:
        if match.entry.url not in urls:  # two entries for one page: link it once
            urls.add(match.entry.url)
            best.append(match)
    return best[:limit]


def check(ctx: Context) -> list[Action]:
    if not ctx.is_new_ticket or ctx.sender_is_agent:
        return []
    if ctx.machine_reasons:
        return []  # never answered, so nothing to link (and no `faq` label on a bounce)
    matches = match_faq(ctx.settings.faq, ctx.mail.subject, ctx.new_text, limit=ctx.settings.replies.max_faq_links)
    if not matches:
        return []
    links = [{"id": m.entry.id, "url": m.entry.url,
              "title": m.entry.title_en if ctx.language == "en" else m.entry.title_ru} for m in matches]
    return [AddLabel(Label.FAQ), ReplyBlock("faq", data={"links": links})]
