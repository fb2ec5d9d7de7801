"""§1.2, §4.3 — a new request whose subject or text matches a [[faq]] entry gets links to the documentation.

An entry matches when one of its phrases occurs in the subject or the new text (word
forms, case, punctuation and ё/е aside: see mailproc.parse.wordforms). Entries rank by
their longest matched phrase, then by how many of their phrases matched, then by their
order in config; at most `replies.max_faq_links` are linked. The acknowledgement still
promises an agent's answer: the links are a shortcut, not the reply.

A link is sent only when the mail is about the page's topic; when in doubt, none. A phrase
does not count:

* when it only says where or what for something else happens: it follows "по", "в", "при",
  "за", "in", "for"... (a count between aside) and no problem word stands near it ("сколько
  покупателей пришло по программе лояльности" is a report, not the loyalty-programme page;
  "счёт за подключение ещё двух касс" is an invoice);
* when its verb of entering leads elsewhere: "не могу зайти в раздел Акции" is not about
  logging in; the place must be one of the entry's own words (its phrases and titles);
* for an entry whose phrases are all one word: unless that word is asked about (a question
  word before it in its sentence and in its clause, not ruled out by "без"/"without": "как
  добавить менеджера, который будет делать рассылки" asks about the manager) or a problem
  word stands within two words of it. "Сколько" asks a price or a number, not for a page.
"""
from __future__ import annotations

import dataclasses
import functools

from mailproc.actions import Action, AddLabel, ReplyBlock
from mailproc.config import FaqEntry
from mailproc.parse.phrases import Hit, Pattern, Tokens, before, cut, find, tokens_of
from mailproc.parse.wordforms import STOP_WORDS, Phrase, Text, same_word, stem
from mailproc.parse.wordforms import words as words_of
from mailproc.rules import scope
from mailproc.rules.context import Context
from mailproc.vocab import Label

SELF_SERVICE = frozenset({"account_settings"})  # declined, yet the documentation shows how to do it alone
# A one-word phrase is asked about when a question word stands before it in its sentence, or a
# problem word within two words of it.
_QUESTION = Pattern.of("{как=|какой=|какая=|какие=|каким=|где=|почему=|зачем=|когда=|можно=|ли=|"
                       "подскаж*|помог*|how=|where=|why=|when=|what=|help=}").words[0]
_PROBLEM = Pattern.of("{не=|нет=|ни=|ошибк*|проблем*|not=|no=|cannot=|cant=|doesnt=|dont=|isnt=|arent=|error*|"
                      "problem*|issue*}").words[0]
_NEAR = 2
_WITHOUT = Pattern.of("{без=|without=}").words[0]  # "without sharing my password": not asked about
# A clause of its own between the question word and the word: "как добавить менеджера, чтобы он делал рассылки"
# asks about the manager.
_CLAUSE = Pattern.of("{чтобы=|котор*|если=|потому=|поскольку=|хотя=|so=|that=|which=|who=|whom=|because=|if=|"
                     "although=}").words[0]
# Before a phrase, these make it the circumstance of something else ("по программе лояльности", "счёт за
# подключение касс"), with a count or "ещё" between at most.
_CONTEXT = frozenset("по при в во на за к для через из in for within under via through during".split())
_COUNTS = frozenset("еще одно один одну одной два две двух три трех четыре пять one two three four five more another "
                    "a an the our my new".split())
_ENTERING = Pattern.of("{войти=|зайти=|попасть=|заходить=|входить=|вход=|входа=|login=|log=|sign=|signin=|"
                       "access=|enter=}").words[0]
_TO_PLACE = frozenset("в во на к ко to into".split())
_PARTICLES = frozenset("in on the my our your a an мой наш свой этот сам".split())


@dataclasses.dataclass(frozen=True, slots=True)
class FaqMatch:
    entry: FaqEntry
    phrases: tuple[str, ...]  # the entry's phrases found, as written in config

    @property
    def score(self) -> tuple[int, int]:
        return max(len(Phrase.of(p)) for p in self.phrases), len(self.phrases)


@dataclasses.dataclass(frozen=True, slots=True)
class _Entry:
    entry: FaqEntry
    phrases: tuple[Phrase, ...]
    vocabulary: frozenset[str]  # stems of the words of its phrases and titles: the places it is about


@functools.lru_cache(maxsize=16)
def _compiled(entries: tuple[FaqEntry, ...]) -> tuple[_Entry, ...]:
    return tuple(_Entry(e, tuple(p for p in map(Phrase.of, e.phrases) if p.stems),
                        frozenset(w for text in (*e.phrases, e.title_ru, e.title_en) for w in words_of(text)))
                 for e in entries)


def match_faq(entries: tuple[FaqEntry, ...], *texts: str, limit: int) -> list[FaqMatch]:
    """The best matching entries for these texts (e.g. subject and body), best first, at most `limit`."""
    if limit <= 0 or not entries:
        return []
    index, tokens = Text(*cut(texts)), tokens_of(texts)
    found = []
    for compiled in _compiled(tuple(entries)):
        hits = tuple(p.text for p in compiled.phrases if index.contains(p)
                     and not _in_passing(tokens, p.text) and not _entered_elsewhere(tokens, p.text, compiled))
        if all(len(Phrase.of(h)) == 1 for h in hits):
            hits = tuple(h for h in hits if _asked_about(tokens, h))
        if hits:
            found.append(FaqMatch(compiled.entry, hits))
    found.sort(key=lambda m: m.score, reverse=True)  # stable: config order breaks ties
    best, urls = [], set()
    for match in found:
        if match.entry.url not in urls:  # two entries for one page: link it once
            urls.add(match.entry.url)
            best.append(match)
    return best[:limit]


def _asked_about(tokens: Tokens, word: str) -> bool:
    questions, problems = tokens.any_positions(_QUESTION), tokens.any_positions(_PROBLEM)
    without, clauses = tokens.any_positions(_WITHOUT), tokens.any_positions(_CLAUSE)
    for hit in find(tokens, _pattern(word)):
        sentence = tokens.sentences[hit.start]
        asked = any(q < hit.start and tokens.sentences[q] == sentence and not any(q < c < hit.start for c in clauses)
                    for q in questions) and not any(0 < hit.start - w <= 3 and tokens.sentences[w] == sentence
                                                    for w in without)
        if asked or _problem_near(tokens, hit.start, hit.end, problems):
            return True
    return False


def _problem_near(tokens: Tokens, start: int, end: int, problems: frozenset[int]) -> bool:
    sentence = tokens.sentences[start]
    return any(start - _NEAR <= p < end + _NEAR and tokens.sentences[p] == sentence for p in problems)


def _phrase_hits(tokens: Tokens, phrase: str) -> list[Hit]:
    """Where the phrase's words stand in order (a few words apart at most)."""
    return find(tokens, _pattern(" ".join(w for w in phrase.split() if w not in STOP_WORDS) or phrase), gap=2)


def _in_passing(tokens: Tokens, phrase: str) -> bool:
    """Every occurrence of the phrase follows "по", "в", "for"...: it is where, not what, unless a problem
    word stands near it."""
    hits = _phrase_hits(tokens, phrase)
    problems = tokens.any_positions(_PROBLEM)
    return bool(hits) and all(_after_context(before(tokens, h, 4)) and not _problem_near(tokens, h.start, h.end, problems)
                              for h in hits)


def _after_context(preceding: list[str]) -> bool:
    while preceding and preceding[-1] in _COUNTS:
        preceding = preceding[:-1]
    return bool(preceding) and preceding[-1] in _CONTEXT


def _entered_elsewhere(tokens: Tokens, phrase: str, compiled: _Entry) -> bool:
    """The phrase's verb of entering leads, every time, to a place that is none of the entry's words."""
    own = _pattern(phrase).words
    entering = [i for i in tokens.any_positions(_ENTERING) if any(tokens.words[i] in ws for ws in own)]
    if not entering:
        return False
    for i in entering:
        following = [tokens.words[j] for j in range(i + 1, min(len(tokens), i + 6))
                     if tokens.sentences[j] == tokens.sentences[i] and tokens.words[j] not in _PARTICLES]
        if not following or following[0] not in _TO_PLACE:
            return False
        place = [w for w in following[1:] if w not in _PARTICLES][:1]
        if not place or any(same_word(stem(place[0]), v) for v in compiled.vocabulary):
            return False
    return True



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
