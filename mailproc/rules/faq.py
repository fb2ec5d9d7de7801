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
from mailproc.parse.phrases import Pattern, Tokens, find
from mailproc.parse.wordforms import Phrase, Text
from mailproc.rules import scope
from mailproc.rules.context import Context
from mailproc.vocab import Label

SELF_SERVICE = frozenset({"account_settings"})  # declined, yet the documentation shows how to do it alone
MAX_CHARS = 20_000  # of subject + text looked at: questions are asked at the top, not in pasted logs
# A one-word phrase is asked about when a question word stands before it in its sentence, or a
# problem word within two words of it.
_QUESTION = Pattern.of("{как=|какой=|какая=|какие=|каким=|где=|почему=|зачем=|когда=|сколько=|можно=|ли=|"
                       "подскаж*|помог*|how=|where=|why=|when=|what=|help=}").words[0]
_PROBLEM = Pattern.of("{не=|нет=|ни=|ошибк*|проблем*|not=|no=|cannot=|cant=|doesnt=|dont=|isnt=|arent=|error*|"
                      "problem*|issue*}").words[0]
_NEAR = 2


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
    words, tokens = Text(*parts), Tokens.of(*parts)
    found = []
    for entry, phrases in _compiled(tuple(entries)):
        hits = tuple(p.text for p in phrases if words.contains(p))
        if all(len(Phrase.of(h)) == 1 for h in hits):
            hits = tuple(h for h in hits if _asked_about(tokens, h))
        if hits:
            found.append(FaqMatch(entry, hits))
    found.sort(key=lambda m: m.score, reverse=True)  # stable: config order breaks ties
    best, urls = [], set()
    for match in found:
        if match.entry.url not in urls:  # two entries for one page: link it once
            urls.add(match.entry.url)
            best.append(match)
    return best[:limit]


def _asked_about(tokens: Tokens, word: str) -> bool:
    questions, problems = tokens.any_positions(_QUESTION), tokens.any_positions(_PROBLEM)
    for hit in find(tokens, _pattern(word)):
        sentence = tokens.sentences[hit.start]
        if any(q < hit.start and tokens.sentences[q] == sentence for q in questions) or any(
                abs(p - hit.start) <= _NEAR and tokens.sentences[p] == sentence for p in problems):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _pattern(word: str) -> Pattern:
    return Pattern.of(word)


def check(ctx: Context) -> list[Action]:
    declined = scope.judge(ctx.mail.subject, ctx.new_text, extra_phrases=ctx.settings.scope.extra_phrases)
    if declined and declined.sure and set(declined.topics) - SELF_SERVICE:
        return []  # the decline is the answer: a report or an integration is not in the documentation
    matches = match_faq(ctx.settings.faq, ctx.mail.subject, ctx.new_text, limit=ctx.settings.replies.max_faq_links)
    if not matches:
        return []
    links = [{"id": m.entry.id, "url": m.entry.url,
              "title": m.entry.title_en if ctx.language == "en" else m.entry.title_ru} for m in matches]
    return [AddLabel(Label.FAQ), ReplyBlock("faq", data={"links": links})]
