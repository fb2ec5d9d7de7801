"""§3.2 — questions support does not handle get a polite decline; a partner's client is sent to the partner (§5.2).

A new ticket from a client whose subject or text asks for one of the §3.2 topics gets
label `out_of_scope` and a reply block that cites §3.2 and says an agent will confirm:
the ticket stays open, nothing is closed automatically. When the registry says a
partner serves the account, the block names the partner and how to reach them (§5.2).

Topics (`TOPICS`, the codes the template names), matched sentence by sentence (pattern
notation: mailproc.parse.phrases):

* integration: customising integration modules, exchanges, plugins ("доработать модуль
  обмена", "настройте интеграцию с сайтом", "customise the integration");
* implementation, training, pos_setup: "внедрение", "обучение"/"научите",
  "настройте кассу Атол" — except for Evotor and MoySklad (§3.2 names both): when the
  mail mentions "Эвотор"/"Evotor" or "МойСклад"/"MoySklad" these three do not count;
* account_settings: asking us to do what the client can do alone ("настройте нам
  акцию", "создайте рассылку за нас", "please set up a promotion for us");
* reports, analytics: creating or exporting reports, analysing data, modelling the
  loyalty programme;
* programming: SQL, Python, "как написать код", "write a script";
* development: "доработка под нас", "разработать модуль", "custom development";
* `[scope].extra_phrases`: any of these, as topic "other".

Near misses that do not count: a negated topic ("обучение нам не нужно", "не могу
создать рассылку" is an error report, §3.1), and a how-to question for the request
topics ("как настроить кассу?", "как выгрузить отчёт?": consultations are in scope,
§3.1). Only the first 20,000 characters are read.
"""
from __future__ import annotations

import dataclasses
import functools

from mailproc.actions import Action, AddLabel, Reason, ReplyBlock
from mailproc.parse.phrases import Hit, Pattern, Tokens, after, before, find, find_any, negated, tokens_of
from mailproc.rules import critical
from mailproc.rules.context import Context
from mailproc.vocab import Label


_POS = "{касс*|рмк=|pos=|терминал*|terminal*|frontol*|фронтол*|iiko=|айко=|keeper=|кипер*|атол*|штрих*|till=|tills=}"
_SETTINGS_RU = ("{акци*|рассылк*|программ*|уровн*|сегмент*|шаблон*|бонус*|кэшбэк*|кешбэк*|скидк*|купон*|"
                "промокод*|триггер*}")
_SETTINGS_EN = ("{promotion*|promo=|promos=|campaign*|mailing*|newsletter*|loyalty=|bonus*|discount*|coupon*|"
                "segment*|tier*|cashback=}")
_DO_RU = ("{настройте=|создайте=|сделайте=|заведите=|добавьте=|измените=|поменяйте=|запустите=|сформируйте=|"
          "разошлите=|отправьте=|настроить=|создать=|сделать=|завести=|добавить=|изменить=|запустить=|"
          "сформировать=|разослать=}")
_DO_EN = "{set=|setup=|create=|configure=|make=|add=|launch=|change=|send=|build=}"
_REPORT_VERBS_RU = ("{сделайте=|сформируйте=|подготовьте=|выгрузите=|пришлите=|предоставьте=|создайте=|"
                    "составьте=|сделать=|сформировать=|подготовить=|выгрузить=|создать=|составить=|"
                    "предоставить=|прислать=|нужен=|нужна=|нужны=}")

# topic -> (patterns, request: a how-to question before it is a consultation, not a request)
TOPICS: dict[str, tuple[tuple[str, ...], bool]] = {
    "integration": ((
        "{доработ*|кастомиз*|модифиц*|переделать=|переделайте=|изменить=|измените=|настро*|напишите=|"
        "подключите=|подключить=|сделайте=|сделать=} {модул*|интеграц*|обмен*|плагин*|виджет*}",
        "{модул*|интеграц*|плагин*} {доработ*|кастомиз*|переделать=|переделайте=}",
        "{customise=|customize=|customising=|customizing=|customisation=|customization=|modify=|adapt=|"
        "extend=|rewrite=|set=|setup=|configure=} {integration*|module*|plugin*|connector*|widget*}",
    ), True),
    "implementation": ((
        "внедр*",
        "{implementation=|implementing=|onboarding=|rollout=}",
        "roll= out=",
        "implement= {kilbil*|system=|platform=|loyalty=|program=|programme=}",
    ), True),
    "training": ((
        "{обучени*|обучить=|обучите=|обучать=|научит*|научить=|научите=|инструктаж*|тренинг*}",
        "training=",
        "train= {our=|my=|the=|us=|staff=|team=|employees=|cashiers=|personnel=|managers=}",
        "teach= {us=|our=|my=|me=|the=}",
    ), True),
    "pos_setup": ((
        "{настроить=|настройте=|настраивать=|установить=|установите=|подключить=|подключите=|интегрировать=|"
        f"интегрируйте=|поставить=|поставьте=|настройк*|установк*|подключени*}} {_POS}",
        f"{{set=|setup=|configure=|install=|connect=|integrate=}} {_POS}",
        "{set=|setup=|configure=|install=|connect=|integrate=} {cash=|checkout*} register*",
    ), True),
    "account_settings": ((
        f"{_DO_RU} {_SETTINGS_RU} за= нас=",
        f"{_DO_RU} {{нам=|за=}} {_SETTINGS_RU}",
        f"{{настройте=|создайте=|сделайте=|заведите=|добавьте=|измените=|поменяйте=|запустите=|сформируйте=|"
        f"разошлите=|отправьте=}} {_SETTINGS_RU}",
        f"{{прошу=|просим=|можете=|могли=|сможете=}} {_DO_RU} {_SETTINGS_RU}",
        f"please= {_DO_EN} {_SETTINGS_EN}",
        f"{{could=|can=|would=}} you= {_DO_EN} {_SETTINGS_EN}",
        f"{_DO_EN} {_SETTINGS_EN} for= us=",
    ), True),
    "reports": ((
        f"{_REPORT_VERBS_RU} {{отчет*|выгрузк*}}",
        "{create=|prepare=|generate=|build=|export=|send=|make=|pull=|need=|want=} {report=|reports=}",
        "custom= {report=|reports=}",
    ), True),
    "analytics": ((
        "{проанализир*|смоделир*|спрогнозир*}",
        "{сделайте=|проведите=|подготовьте=|нужна=|нужен=|помогите=|сделать=|провести=|подготовить=} "
        "{аналитик*|анализ*|моделирован*|прогноз*}",
        "{оцените=|посчитайте=|рассчитайте=|оценить=|посчитать=|рассчитать=} {эффективност*|окупаемост*|roi=|ltv=}",
        "моделирован* {услови*|программ*}",
        "{analyse=|analyze=|analysing=|analyzing=} {data=|sales=|customers=|results=|program*|campaign*|"
        "performance=|purchases=}",
        "{do=|perform=|prepare=|run=|need=|provide=} {analysis=|analytics=|forecast=|forecasting=}",
        "{data=|sales=|customer=} {analysis=|analytics=}",
        "{model=|modelling=|modeling=} {loyalty=|program*|scheme=}",
    ), True),
    "programming": ((
        "{sql=|python*|javascript=|php=|typescript=|программирован*}",
        "{напис*|написать=} {код=|кода=|скрипт*|функци*|программ*}",
        "ошибк* в= {коде=|скрипте=}",
        "{write=|writing=} {code=|script=|scripts=|query=|queries=|function=}",
        "{programming=|coding=}",
    ), False),
    "development": ((
        "доработ* под= {нас=|наш*|себя=|нужды=}",
        "{разработать=|разработайте=|разработка=|разработку=|написать=|напишите=|сделать=|сделайте=|создать=|"
        "создайте=} {модул*|плагин*|компонент*|функционал*|доработк*}",
        "{индивидуальн*|отдельн*} {доработк*|модул*|разработк*}",
        "по= {нашему=|нашим=|заказ*} {тз=|техзадани*|техническому=|требовани*}",
        "{на=|под=} заказ=",
        "custom= {development=|module=|modules=|feature=|features=|integration=|plugin=|solution=}",
        "{develop=|build=|write=|create=} {module=|plugin=|component=|feature=|connector=|integration=}",
        "bespoke=",
    ), True),
}
EXEMPT_FOR_EVOTOR_MOYSKLAD = frozenset({"implementation", "training", "pos_setup"})
_EVOTOR_MOYSKLAD = tuple(map(Pattern.of, (
    "{эвотор*|evotor*|мойсклад*|moysklad*|moisklad*}",
    "{мой=|moy=|moi=} склад*",
)))
# Overlapping these, a topic word means something else: "training materials" are documentation.
_NOT_TOPICS = tuple(map(Pattern.of, (
    "training= {materials=|material=|video=|videos=|docs=|documentation=|guide=|guides=|articles=|manual=}",
    "{bug=|error=|crash=} {report=|reports=}",
)))
_HOW = frozenset("как каким how где where".split())
# Its price asked, or an invoice for it: a billing question, not a request for the work (§3.1).
_PRICE = frozenset("сколько стоит стоить стоимость цена цену счет счета оплата оплату price cost costs much invoice "
                   "quote".split())
_AFTER = frozenset("после after since".split())  # "после внедрения перестали начисляться": when, not what
# A wish is accepted (§3.1 and the end of §3.2), however it is worded.
_WISH = tuple(map(Pattern.of, (
    "{пожелани*|предлож*|предлага*|хотелось=|было=|feature=|suggest*|suggestion*|wish*}",
    "{would=|could=} be= {great=|nice=|useful=|helpful=}",
)))
_API_DOCS = Pattern.of("{api=|апи=|документаци*|documentation=|docs=|swagger=|rest=|webhook*|вебхук*}")
# A fault reported in the same mail: §3.1 covers it, so a topic beside it is for an agent to judge.
_FAULT = tuple(map(Pattern.of, (
    "{ошибк*|ошибочн*|сбой*|глюч*|error*|fails=|failed=|failing=|broken=|bug=|bugs=}",
    "не {работает=|работают=|начисляются=|начисляет=|списываются=|списывает=|приходит=|приходят=|уходит=|"
    "открывается=|сохраняется=|проходит=|проходят=|отображается=|видит=}",
    "{перестал*|перестаёт=|перестает=}",
    "{not=|doesnt=|dont=|isnt=|arent=} {work=|working=|accrue*|credited=|sent=|sending=|showing=}",
    "stopped= {working=|accruing=|sending=}",
)))
_NEED = frozenset("нужно нужна нужен нужны надо требуется need needed required".split())


# Why a topic goes to the agents' review rather than a decline (the codes of the notification's line).
FAULT, CRITICAL = "fault", "critical"


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    topics: tuple[str, ...]
    sure: bool  # the client may be told; else only the agents review it
    words: tuple[str, ...]  # the request as written, one phrase per topic
    fault: tuple[str, ...] = ()  # when not sure: the fault reported beside it, as written


def check(ctx: Context) -> list[Action]:
    verdict = judge(ctx.mail.subject, ctx.new_text, extra_phrases=ctx.settings.scope.extra_phrases)
    if verdict is None:
        return []
    if not verdict.sure:
        why = FAULT if verdict.fault else CRITICAL
        return [AddLabel(Label.REVIEW_OUT_OF_SCOPE, Reason(why, verdict.words, verdict.fault))]
    account = ctx.account
    data = {"topics": verdict.topics, "partner": account.partner if account else "",
            "partner_contact": account.partner_contact if account and account.partner else ""}
    return [AddLabel(Label.OUT_OF_SCOPE), ReplyBlock("out_of_scope", data=data)]


@functools.lru_cache(maxsize=4)  # asked by this rule and by the FAQ rule about the same mail
def judge(*texts: str, extra_phrases: tuple[str, ...] = ()) -> Verdict | None:
    """The §3.2 topics asked for, and whether that is sure: not when the mail also reports a fault."""
    tokens = tokens_of(texts)
    hits = _topic_hits(tokens, extra_phrases)
    if not hits:
        return None
    topics, words = tuple(t for t, _ in hits), tuple(_written(tokens, h) for _, h in hits)
    faults = tuple(dict.fromkeys(_written(tokens, h) for h in find_any(tokens, _FAULT, gap=1)))
    if faults or critical.find_problem(*texts):
        return Verdict(topics, False, words, faults)
    return Verdict(topics, True, words)


def find_topics(*texts: str, extra_phrases: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The §3.2 topics the texts ask for, in `TOPICS` order ("other" last for an extra phrase)."""
    return tuple(topic for topic, _ in _topic_hits(tokens_of(texts), extra_phrases))


def _written(tokens: Tokens, hit: Hit) -> str:
    return " ".join(tokens.words[hit.start:hit.end])


def _topic_hits(tokens: Tokens, extra_phrases: tuple[str, ...]) -> list[tuple[str, Hit]]:
    """Each topic asked for, with where it is first asked for."""
    exempt = bool(find_any(tokens, _EVOTOR_MOYSKLAD, gap=1))
    not_topics = find_any(tokens, _NOT_TOPICS, gap=1)
    wishes = {tokens.sentences[h.start] for h in find_any(tokens, _WISH, gap=1)}
    api_docs = {tokens.sentences[h.start] for h in find(tokens, _API_DOCS)}
    found: list[tuple[str, Hit]] = []
    for topic, patterns, request in _compiled(tuple(extra_phrases)):
        if exempt and topic in EXEMPT_FOR_EVOTOR_MOYSKLAD:
            continue
        for hit in find_any(tokens, patterns, gap=2):
            sentence = tokens.sentences[hit.start]
            if sentence in wishes or (topic == "programming" and sentence in api_docs):
                continue  # a wish (§3.1, end of §3.2); a question on the API documentation (§3.1)
            if _counts(tokens, hit, request, not_topics):
                found.append((topic, hit))
                break
    return found


@functools.lru_cache(maxsize=8)
def _compiled(extra_phrases: tuple[str, ...]) -> tuple[tuple[str, tuple[Pattern, ...], bool], ...]:
    topics = [(t, tuple(map(Pattern.of, patterns)), request) for t, (patterns, request) in TOPICS.items()]
    if extra_phrases:
        topics.append(("other", tuple(map(Pattern.of, extra_phrases)), False))
    return tuple(topics)


def _counts(tokens: Tokens, hit: Hit, request: bool, not_topics: list[Hit]) -> bool:
    if negated(tokens, hit, window=3):
        return False  # "не нужно обучение", "не могу создать рассылку"
    following = after(tokens, hit, 3)
    if _NEED & set(following) and any(w in ("не", "not", "no") for w in following):
        return False  # "обучение нам не нужно"
    if request and _HOW & set(before(tokens, hit, 4)):
        return False  # "как настроить кассу?" is a consultation (§3.1)
    if request and _PRICE & set(before(tokens, hit, 4)):
        return False  # "сколько стоит подключить кассу?", "счёт за подключение касс"
    if _AFTER & set(before(tokens, hit, 2)):
        return False  # "после внедрения перестали начисляться бонусы": a fault after it, not a request for it
    return not any(n.start < hit.end and hit.start < n.end for n in not_topics)
