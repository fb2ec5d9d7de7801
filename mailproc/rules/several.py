"""§2.5 — one problem per ticket: a new mail that says it brings several problems gets a gentle note.

The acknowledgement of a new client mail whose subject or text plainly announces more
than one problem ("ещё один вопрос", "вторая проблема", "два вопроса", "заодно хотел
спросить", "another question", "a separate issue", "two problems") gets the block
`several_problems` (the client need do nothing; an agent may move a problem to a ticket
of its own) and the ticket the label `review_several_problems`. Nothing is split
automatically: an agent who agrees answers with `#split <the second problem>`.

Precision first: the mail must say so in words. A problem told in several sentences,
a numbered list of steps, a question and its screenshot say nothing of the kind. A
marker does not count when negated ("это не другая проблема"), hedged in its sentence
("если это другой вопрос", "возможно, отдельная проблема", "maybe a different issue"),
tied to the same subject ("ещё один вопрос по той же кассе", "two questions about
bonuses"). Only the first 20,000 characters are read.
"""
from __future__ import annotations

from mailproc.actions import Action, AddLabel, Reason, ReplyBlock
from mailproc.parse.phrases import NEGATORS, Hit, Pattern, Tokens, after, find_any, negated, tokens_of
from mailproc.rules.context import Context
from mailproc.vocab import Label


_SMALL_RU = "{один=|одна=|одно=|такой=|такая=|есть=|вот=|маленький=|небольшой=|небольшая=|короткий=}"
_SMALL_EN = "{quick=|small=|little=|minor=|short=|unrelated=|separate=|different=}"
_PROBLEM_RU, _PROBLEM_EN = "{вопрос|вопросик*|проблем*}", "{question*|issue*|problem*}"
# Words in this order, next to each other: "ещё перезагрузили, проблема осталась" says nothing.
_MARKERS = tuple(Pattern.of(p) for p in (
    f"еще= {_PROBLEM_RU}", f"еще= {_SMALL_RU} {_PROBLEM_RU}", f"еще= у= {{меня=|нас=}} {_PROBLEM_RU}",
    f"{{другой=|другая=|другую=|отдельный=|отдельная=|отдельную=|второй=|вторая=|вторую=}} {_PROBLEM_RU}",
    "{два=|три=|2=|3=|пара=|пару=|несколько=} вопрос*",
    "{две=|три=|2=|3=} проблем*",
    f"несколько= {{разных=|несвязанных=}} {_PROBLEM_RU}",
    "заодно= {спрошу=|спросить=|вопрос|узнать=|уточнить=}", "заодно= {хочу=|хотел=|хотела=} {спросить=|узнать=}",
    f"{{another=|second=|separate=|different=|unrelated=}} {_PROBLEM_EN}", f"another= {_SMALL_EN} {_PROBLEM_EN}",
    f"one= more= {_PROBLEM_EN}", f"one= more= {_SMALL_EN} {_PROBLEM_EN}",
    "{two=|three=|2=|3=|few=|several=} questions=", "couple= of= questions=",
    "{two=|three=|2=|3=} {issues=|problems=}",
    "{several=|multiple=} {unrelated=|different=|separate=} {questions=|issues=|problems=}",
))
# In the marker's sentence, these make it a guess or a condition, not a statement ("not related" aside).
_HEDGES = frozenset("""
    если возможно может наверное вероятно видимо похоже if maybe perhaps probably possibly might whether same related
""".split())
_RELATED_RU = "связан"  # "связано", "связанная": the same problem ("не связанный": another one)
_SAME = frozenset("тот та то те той том тем ту тех этот эта это эти этой этом этим эту".split())  # "той же кассе"
_ABOUT = frozenset("по about on regarding concerning with".split())  # "два вопроса по бонусам": one subject


def several_problems(subject: str, text: str) -> str | None:
    """The words that say the mail brings several problems, or None."""
    tokens = tokens_of((subject, text))
    hit = next((h for h in find_any(tokens, _MARKERS, gap=0) if _plain(tokens, h)), None)
    return " ".join(tokens.words[hit.start:hit.end]) if hit else None


def _plain(tokens: Tokens, hit: Hit) -> bool:
    sentence = [w for w, s in zip(tokens.words, tokens.sentences) if s == tokens.sentences[hit.start]]
    pairs = list(zip(["", *sentence], sentence))
    same = any(a in _SAME and b == "же" for a, b in pairs)
    hedged = any((w in _HEDGES or w.startswith(_RELATED_RU)) and before not in NEGATORS for before, w in pairs)
    denied = negated(tokens, hit, window=2) or after(tokens, hit, 1) == ["нет"]  # "другой проблемы нет"
    return not (denied or same or hedged or _ABOUT.intersection(after(tokens, hit, 1)))


def check(ctx: Context) -> list[Action]:
    said = several_problems(ctx.mail.subject, ctx.new_text)
    if said is None:
        return []
    return [AddLabel(Label.REVIEW_SEVERAL_PROBLEMS, Reason("several", (said,))), ReplyBlock("several_problems")]
