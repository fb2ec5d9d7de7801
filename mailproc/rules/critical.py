"""§2.1, §2.4, definitions — critical problems: no login to the personal account; the system down at the POS.

The regulation's definitions name two critical problems: a user of the account cannot
enter the personal account (lk.kilbil.ru), and the system is unavailable at the
cashier's workstation (РМК). Such a ticket gets priority `critical` and label
`critical` (agents see it first, §2.1), and the reply states the §2.4 resolution term
(2 h in working hours, 4 h outside: the time itself comes from mailproc.sla). Any other
mail stays `normal`. Clients only; new tickets and follow-ups alike, since a ticket can
turn critical later. On a follow-up only the new text counts (not the "Re:" subject).

What counts, sentence by sentence (see mailproc.parse.phrases for the pattern notation):

* login: a present-tense failure ("не могу войти", "не получается зайти", "не пускает",
  "ЛК не открывается", "нет доступа к личному кабинету", "cannot log in", "login
  failed", "locked out"). When the verb is followed by a place ("не могу зайти в
  раздел Акции", "can't log in to the reports page"), the place must be the personal
  account or the system, else it is not a login problem; and the account must be what
  fails, not where something fails ("в ЛК не работает рассылка").
* login by its symptom alone: the page spins, loads forever, stays blank, throws the user
  back to the login page, shows a server error ("крутится колесико", "бесконечная загрузка",
  "белый экран", "выкидывает обратно", "keeps loading", "blank page") in a sentence that
  names the personal account or the act of logging in (the sentence before counts too),
  unless it names something inside the account that is slow ("в кабинете долго грузится
  отчёт", "the report page keeps loading") or the customers' mobile app: then the account
  itself works.
* POS: a word for the workstation (РМК, касса, терминал, POS, till, cashier) within a few
  words of a failure ("не работает", "недоступна", "нет связи", "not working", "down"),
  with no "а"/"но"/"but" between them ("касса работает, а отчёт не открывается"). Points that
  the till does not redeem or accrue ("касса не списывает баллы", "на кассе не начисляются
  бонусы", "the till won't redeem points") are the loyalty system down at the POS, unless the
  sentence narrows it to some customers, some purchases or a condition, or asks whether it is
  meant so ("у одного покупателя", "за подарочные карты", "больше 50% от чека", "это
  нормально?") with no error shown nor a sale blocked: that is a question about a rule of the
  programme. Cashiers who cannot serve ("кассиры не могут списать
  баллы") count like the till itself.
* `[critical].extra_phrases`: any of these phrases, in this order, word forms aside
  (problem "other").

What does not count, to keep false alarms down:

* past tense: only present forms are listed ("не могу", not "не мог"/"не могли");
* resolved: a resolution marker after the failure ("уже работает", "теперь могу",
  "проблема решена", "вход работает", "works again", "is fixed", "I can log in now"),
  itself not negated ("уже не работает" is no resolution);
* hypothetical: "если" / "if" / "in case" earlier in the sentence ("что делать, если
  касса не работает?").
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

from mailproc.actions import Action, AddLabel, ReplyBlock, SetPriority
from mailproc.parse.phrases import Hit, Pattern, Tokens, after, before, find, find_any, negated, tokens_of, word_matches
from mailproc.rules.context import Context
from mailproc.vocab import Label, Priority

LOGIN, POS, OTHER = "login", "pos", "other"  # OTHER: one of [critical].extra_phrases

_MODAL_RU = "{могу=|можем=|может=|могут=|получается=|получилось=|удается=|удалось=|выходит=}"
_ENTER_RU = "{войти=|зайти=|попасть=|авторизоваться=|авторизироваться=|залогиниться=}"
_FAILS_RU = ("{работает=|работают=|открывается=|грузится=|загружается=|запускается=|отвечает=|доступен=|"
             "доступна=|пускает=|пускают=}")
_LK_RU = "{лк=|кабинет*|lk=}"
_LK_EN = "{account=|dashboard=|lk=|cabinet=|panel=|backoffice=}"
_LOGIN_EN = "{log=|login=|logon=|sign=|signin=}"
_NOT_EN = "{not=|doesnt=|isnt=|wont=|cant=|cannot=}"

LOGIN_PATTERNS = tuple(map(Pattern.of, (
    f"не {_MODAL_RU} {_ENTER_RU}",
    f"{_ENTER_RU} не {_MODAL_RU}",  # the verb last: "зайти в кабинет не могу", "в ЛК войти не получается"
    "не {пускает=|пускают=|впускает=|заходит=|входит=|входим=|заходим=}",
    f"{_LK_RU} не {_FAILS_RU}",
    f"не {_FAILS_RU} {_LK_RU}",
    f"{_LK_RU} недоступ*",
    f"недоступ* {_LK_RU}",
    "нет {доступа=|входа=} {лк=|кабинет*|lk=|систем*|аккаунт*|учетн*}",
    "ошибк* {входа=|авторизац*}",
    "{вход=|авторизац*} не {работает=|проходит=|выполняется=}",
    "{вход=|войти=|зайти=|авторизац*} {невозможен=|невозможно=|невозможна=}",
    f"{_LK_RU} {{выкидывает=|выбрасывает=}}",  # "кабинет выкидывает на страницу входа"
    f"{{cannot=|cant=|unable=}} {_LOGIN_EN}",
    f"can= not= {_LOGIN_EN}",
    f"not= able= {_LOGIN_EN}",
    "{cannot=|cant=|unable=} {access=|enter=|get=|open=}",
    "{login=|logins=|signin=|authorization=|authorisation=|authentication=} "
    "{fails=|failed=|failing=|error=|errors=|broken=}",
    f"{{login=|signin=|authorization=|authorisation=|authentication=}} {_NOT_EN} "
    "{work=|working=|works=|possible=|load=|loading=}",
    "locked= out=",
    f"{_LK_EN} {{down=|unavailable=|inaccessible=}}",
    f"{_LK_EN} {_NOT_EN} {{work=|working=|load=|loading=|open=|opening=}}",
)))
_NOBODY = ("никто=", "nobody=", "none=", "noone=")
_CAN_LOGIN = (Pattern.of(f"{{can=|could=}} {_LOGIN_EN}"), Pattern.of(f"{{может=|могут=|смог=}} {_ENTER_RU}"))
# A login verb followed by a place: "в личный кабинет" is a login, "в раздел Акции" is not.
_PLACE_PREPOSITIONS = frozenset("в во на к ко to into".split())
_LOCATIONS = frozenset("в во на из in on at from".split())
_PARTICLES = frozenset("in on the my our your a an мой наш свой этот".split())
_LK_PLACE = Pattern.of(
    "{личн*|кабинет*|лк=|lk=|lkkilbil*|систем*|аккаунт*|учетн*|kilbil*|килбил*|админ*|сайт*|профил*|personal=|"
    "account*|dashboard*|system*|admin*|site=|website=|portal=|cabinet=|backoffice=}")
_ENTERING = frozenset("""войти зайти попасть авторизоваться авторизироваться залогиниться пускает пускают впускает
    заходит входит входим заходим log login logon sign signin access enter get open""".split())
_NEEDS_PLACE = frozenset("попасть access enter get open".split())  # "не могу попасть" alone says nothing

# What a user sees when the login does not go through, whatever the words for the failure (present tense).
_LOGIN_SYMPTOMS = tuple(map(Pattern.of, (
    "{крутится=|крутятся=|вертится=|крутиться=|висит=|виснет=|зависает=|завис=|зависла=}",
    "бесконечн* {загрузк*|грузится=|загружается=|обновляется=|перезагружается=}",
    "{грузится=|загружается=|обновляется=|перезагружается=} {бесконечно=|постоянно=|вечно=}",
    "{висит=|зависает=|завис=|зависла=|застревает=|застрял*} {загрузк*|заставк*}",
    "{бел*|пуст*} {экран*|страниц*|лист=}",
    "{выкидывает=|выбрасывает=|перекидывает=|кидает=|возвращает=} {обратно=|снова=|опять=|назад=}",
    "{снова=|опять=|заново=} {просит=|требует=|спрашивает=}",
    "по= кругу=",
    "{ошибк*|error*} {500=|502=|503=|504=}",
    "сессия= {истекла=|истекает=|завершена=}",
    "{spinner*|spins=|spinning=}",
    "{loading=|loads=|spins=} {forever=|endlessly=|indefinitely=|nonstop=}",
    "keeps= {loading=|spinning=|reloading=|redirecting=|refreshing=|logging=|kicking=|throwing=}",
    "stuck= on=",
    "{blank=|white=|empty=} {page=|screen=}",
    "{kicks=|throws=|logs=|redirects=|sends=|bounces=} {me=|us=|back=|out=}",
)))
_PAST_EN = frozenset("was were kept had been".split())
# The personal account, or the act of logging in, named near a symptom.
_LOGIN_CONTEXT = Pattern.of(
    "{лк=|lk=|lkkilbil*|кабинет*|личн*|вход*|войти=|зайти=|захож*|авториз*|логин*|парол*|аккаунт*|учетн*|kilbil*|"
    "dashboard*|account*|personal=|login*|log=|logon=|sign=|signin=|password*|cabinet=|backoffice=|portal=}")
# Something inside the account, or the customers' own app: when it is what spins, the account itself works.
_NOT_LK = Pattern.of(
    "{отчет*|рассылк*|раздел*|вкладк*|выгрузк*|акци*|аналитик*|статистик*|приложени*|мобильн*|"
    "report*|mailing*|campaign*|section*|tab=|tabs=|export*|analytics=|statistics=|app=|apps=|application=|"
    "mobile=}")

# The till, by name or by its software (not "кассир", the person: "отчёт по кассирам").
_POS_WORDS = tuple(map(Pattern.of, (
    "{рмк=|касса=|кассы=|кассе=|кассу=|кассой=|касс=|кассам=|кассами=|кассах=|кассов*|pos=|till=|tills=|"
    "checkout*|cashier*|register=|registers=|terminal*|терминал*|frontol*|фронтол*|эвотор*|evotor*|iiko=|айко=|"
    "keeper=|кипер*|атол*|atol=}",
    "рабоч* мест* кассир*",
)))
# Not the till: a bank card terminal ("терминал эквайринга", "card payment terminal"). A label printer
# is no till word at all.
_NOT_POS = tuple(map(Pattern.of, (
    "{терминал*|terminal*} {эквайринг*|оплат*|банк*|для=}",
    "{банковск*|платежн*|эквайринг*|card=|payment=|bank=|banks=|банка=} {терминал*|terminal*}",
)))
_POS_FAILURES = tuple(map(Pattern.of, (
    "не {работает=|работают=|запускается=|запускаются=|загружается=|грузится=|открывается=|отвечает=|"
    "подключается=|подключаются=|видит=|видят=|доступна=|доступен=|доступно=|доступны=}",
    "недоступ*",
    "нет {связи=|соединения=|подключения=|доступа=}",
    "ошибк* {подключения=|соединения=|связи=}",
    "{перестал=|перестала=|перестали=|перестало=} работать=",
    "{упал=|упала=|упали=|лежит=|лежат=|отвалилась=|отвалился=|отвалились=|висит=|висят=|виснет=|зависает=|"
    "зависла=|завис=|зависли=|падает=|падают=|вылетает=|вылетают=|крашится=}",
    "{перестал=|перестала=|перестали=|перестало=} {подключаться=|видеть=|отвечать=|загружаться=|открываться=}",
    "не {проходят=|проходит=|появляется=|появляются=|пробивается=|пробиваются=|отображается=|отображаются=}",
    "не {можем=|могут=|может=} {пробить=|провести=|обслужить=|обслуживать=|работать=}",
    "{выдает=|выдает=|пишет=|показывает=|выскакивает=|вылезает=|shows=|gives=|throws=} {ошибк*|error*}",
    "{работать=} {невозможно=|нельзя=}",
    f"{_NOT_EN} {{work=|working=|works=|start=|starting=|load=|loading=|open=|connect=|connecting=|"
    "respond=|responding=|available=}",
    "{down=|unavailable=|offline=|inaccessible=}",
    "stopped= working=",
    "{crash=|crashes=|crashing=|crashed=|freeze=|freezes=|freezing=|frozen=|hangs=|hanging=}",
    "no= {connection=|access=}",
    "connection= {error=|lost=|failed=|fails=}",
)))
# The till neither redeems nor accrues points: the loyalty system is down at the POS (present tense only).
_POINTS_FAILURES = tuple(map(Pattern.of, (
    "не {списывает=|списывают=|начисляет=|начисляют=|списываются=|списывается=|начисляются=|начисляется=|"
    "проводит=|проводятся=}",
    "{перестал=|перестала=|перестали=|перестало=} {списывать=|начислять=|списываться=|начисляться=}",
    "{списание=|начисление=|списания=|начисления=} не {проходит=|проходят=|работает=|идет=|происходит=}",
    "не {можем=|могут=|может=|получается=} {списать=|начислить=}",
    "{wont=|doesnt=|dont=|cant=|cannot=} {redeem*|deduct*|accrue*|add=|apply=|credit=}",
    "{does=|do=|will=|can=} not= {redeem=|deduct=|accrue=|add=|apply=|credit=}",
    "{are=|is=|arent=|isnt=} {not=|being=} {deducted=|redeemed=|accrued=|credited=|added=|applied=}",
    "stopped= {redeeming=|deducting=|accruing=|adding=|applying=|crediting=}",
)))
# Some customers, some purchases, a condition, or whether it is meant so: a question about a rule of the
# programme, not the till down ("у одного клиента", "не всем", "за подарочные карты", "больше 50% от чека",
# "при оплате сертификатом", "это нормально?"). An error shown at the till outweighs them.
_NARROWED = tuple(map(Pattern.of, (
    "{одного=|одному=|одной=|одна=|один=|некотор*|части=|нескольк*|отдельн*|конкретн*} "
    "{клиент*|покупател*|гост*|карт*|человек*|посетител*}",
    "не= {всем=|всех=|каждому=|каждого=}",
    "{one=|some=|certain=|several=|few=|individual=|particular=} {customer*|guest*|client*|card*|people=|buyer*}",
    "not= {all=|every=|everyone=|everybody=}",
    "{за=|на=|for=|on=} {покупк*|товар*|позици*|категори*|сертификат*|подарочн*|purchase*|item*|product*|gift*|"
    "certificate*}",
    "{при=|when=} {оплат*|покупк*|возврат*|paying=|buying=|returning=}",
    "{больше=|меньше=|более=|менее=|свыше=|выше=|ниже=|over=|above=|below=|than=}",
    "{если=|if=|when=|скидк*|акци*|сертификат*|подарочн*|discount*|gift=}",
    "{нормально=|должно=|задумано=|настройк*|intended=|normal=|supposed=|expected=|setting=|settings=}",
)))
# An error, or a sale that cannot be closed: the till is blocked, however the mail narrows it.
_TILL_BLOCKED = tuple(map(Pattern.of, (
    "{ошибк*|error*|errors=}",
    "не {закрывается=|закрываются=|проходит=|проходят=|пробивается=|пробиваются=|закрыть=|пробить=|провести=}",
    "{cannot=|cant=|wont=} {close=|complete=|finish=|process=}",
)))
# The cashiers (the people, not a till word) cannot serve: the till is down for them.
_CASHIERS_CANNOT = Pattern.of(
    "кассир* не {могут=|может=|можем=} {пробить=|провести=|списать=|начислить=|закрыть=|обслужить=|работать=}")
_POS_WINDOW = 6  # words between the workstation and its failure
_CONTRAST = frozenset("а но однако зато but however while whereas".split())  # "касса работает, а ЛК нет"

_RESOLVED = tuple(map(Pattern.of, (
    "{уже=|теперь=|снова=|опять=|сейчас=|сегодня=|наконец=} {могу=|можем=|может=|получается=|получилось=|удалось=|"
    "работает=|работают=|заработал*|зашел=|зашла=|зашли=|вошел=|вошла=|вошли=|пускает=|открывается=|ок=|ok=|"
    "нормально=|норм=|хорошо=|порядке=}",
    "{заработал=|заработала=|заработало=|заработали=|починили=|починил=|исправили=|восстановили=|наладили=|"
    "разобрались=|разобрался=|разобралась=}",
    "{проблема=|вопрос=|ошибка=|все=} {решена=|решен=|решено=|решился=|решилась=|решилось=|устранена=|"
    "устранен=|устранено=|исправлена=|исправлено=|ушла=|пропала=|исчезла=}",
    "{вход=|логин=|авторизация=} работает=",
    "{получилось=|удалось=} {войти=|зайти=}",
    "{неактуальн*}",
    "не= актуальн*",
    "{works=|working=|work=} {again=|now=|fine=}",
    "{now=|today=} {fine=|ok=|okay=|good=|works=|working=|normal=}",
    "{is=|was=|been=|got=|are=|were=|its=} {fixed=|resolved=|solved=|sorted=}",
    "{fixed=|resolved=|solved=|sorted=} now=",
    "{problem=|issue=} {fixed=|resolved=|solved=|gone=}",
    f"{{can=|could=}} {_LOGIN_EN} {{now=|again=}}",
    f"{{managed=|able=}} to= {_LOGIN_EN}",
    "{never=} mind=",
    "nevermind=",
    "back= {online=|normal=}",
    "no= longer= {an=|a=|relevant=|needed=|actual=}",
)))
_HYPOTHETICAL = frozenset("если if whether".split())


def check(ctx: Context) -> list[Action]:
    parts = ((ctx.mail.subject,) if ctx.is_new_ticket else ()) + (ctx.new_text,)
    problem = find_problem(*parts, extra_phrases=ctx.settings.critical.extra_phrases)
    if problem is None or (ctx.ticket is not None and ctx.ticket.priority == Priority.CRITICAL):
        return []  # a ticket already critical is not told so again
    return [SetPriority(Priority.CRITICAL), AddLabel(Label.CRITICAL),
            ReplyBlock("critical", data={"problem": problem})]


@functools.lru_cache(maxsize=4)  # asked by this rule and by the scope rule about the same mail
def find_problem(*texts: str, extra_phrases: tuple[str, ...] = ()) -> str | None:
    """LOGIN, POS, OTHER or None: the critical problem the texts report, if any (see the module docstring)."""
    tokens = tokens_of(texts)
    resolved_at = [h.start for h in find_any(tokens, _RESOLVED, gap=2) if not negated(tokens, h, window=1)]

    def live(hit: Hit) -> bool:
        """Not hypothetical, and not resolved in its own or the next sentence (not in a quoted "вопрос решён?")."""
        sentence = tokens.sentences[hit.start]
        return not _hypothetical(before(tokens, hit, len(tokens))) and not any(
            r >= hit.start and tokens.sentences[r] - sentence <= 1 for r in resolved_at)

    if any(live(h) and _is_login(tokens, h) for h in find_any(tokens, LOGIN_PATTERNS, gap=2)):
        return LOGIN
    if any(live(h) and _login_symptom(tokens, h) for h in find_any(tokens, _LOGIN_SYMPTOMS, gap=2)):
        return LOGIN
    nobody = {tokens.sentences[i] for i in tokens.any_positions(_NOBODY)}
    if any(live(h) and tokens.sentences[h.start] in nobody and _is_login(tokens, h)
           for h in find_any(tokens, _CAN_LOGIN, gap=1)):
        return LOGIN  # "никто не может войти", "nobody in our team can log in"
    if any(live(h) for h in find_any(tokens, _extra(tuple(extra_phrases)), gap=1)):
        return OTHER
    if any(live(h) for h in find(tokens, _CASHIERS_CANNOT, gap=1)):
        return POS
    blocked = {tokens.sentences[h.start] for h in find_any(tokens, _TILL_BLOCKED, gap=1)}
    narrowed = {tokens.sentences[h.start] for h in find_any(tokens, _NARROWED, gap=1)
                if before(tokens, h, 1) != ["ни"]} - blocked  # "ни одному покупателю" is nobody
    failures = [h for h in find_any(tokens, _POS_FAILURES, gap=1) if live(h)] + [
        h for h in find_any(tokens, _POINTS_FAILURES, gap=1)
        if live(h) and tokens.sentences[h.start] not in narrowed]
    not_pos = find_any(tokens, _NOT_POS, gap=1)
    for place in find_any(tokens, _POS_WORDS, gap=1):
        if any(n.start <= place.start < n.end for n in not_pos):
            continue  # "терминал эквайринга не работает"
        for failure in failures:
            same_sentence = tokens.sentences[place.start] == tokens.sentences[failure.start]
            low, high = min(place.end, failure.end), max(place.start, failure.start)
            if same_sentence and high - low <= _POS_WINDOW and not _CONTRAST & set(tokens.words[low:high]):
                return POS
    return None


@functools.lru_cache(maxsize=8)
def _extra(phrases: tuple[str, ...]) -> tuple[Pattern, ...]:
    return tuple(Pattern.of(p) for p in phrases)


def _hypothetical(words: list[str]) -> bool:
    """"если", "if", "в случае", "in case" in these words (but not "если честно", "в любом случае")."""
    for i, word in enumerate(words):
        following, previous = words[i + 1:i + 2], words[i - 1:i]
        if word in _HYPOTHETICAL and following != ["честно"]:
            return True
        if word in ("случае", "case") and previous in (["в"], ["in"]):
            return True
    return False


def _is_login(tokens: Tokens, hit: Hit) -> bool:
    """A login failure, unless the verb goes on to a place that is not the personal account."""
    words = [tokens.words[i] for i in hit.positions]
    if words[0] != "нет" and any(_names_lk([tokens.words[i]]) and _location(tokens, i) for i in hit.positions):
        return False  # "в ЛК не открывается отчёт": the personal account is where, not what fails
    if words[0] in _ENTERING and words[1:2] == ["не"]:  # the verb last: what stands between must be the LK, if anything
        between = tokens.words[hit.positions[0] + 1:hit.positions[1]]
        return not between or _names_lk(between)
    if _names_lk(words) or words[-1] not in _ENTERING:
        return True
    following = after(tokens, hit, 6)
    while following and following[0] in _PARTICLES:
        following = following[1:]
    if following and following[0] in _PLACE_PREPOSITIONS:
        return _names_lk([w for w in following[1:] if w not in _PARTICLES][:2])
    return words[-1] not in _NEEDS_PLACE or _names_lk(following[:4])


def _login_symptom(tokens: Tokens, hit: Hit) -> bool:
    """A symptom of a failed login: the personal account or logging in is named in its sentence or the one
    before, and nothing inside the account (nor the customers' app) is named in its own sentence."""
    if set(before(tokens, hit, 1)) & _PAST_EN:
        return False  # "was stuck on", "kept loading forever": the Russian forms listed are present already
    sentence = tokens.sentences[hit.start]
    context = {tokens.sentences[i] for i in tokens.any_positions(_LOGIN_CONTEXT.words[0])}
    elsewhere = {tokens.sentences[i] for i in tokens.any_positions(_NOT_LK.words[0])}
    return sentence not in elsewhere and bool({sentence, sentence - 1} & context)


def _location(tokens: Tokens, i: int) -> bool:
    """The word at i is where something happens: "в ЛК", "in my account"."""
    j = i - 1
    while j >= 0 and tokens.sentences[j] == tokens.sentences[i] and (
            tokens.words[j] in _PARTICLES - {"in", "on"} or tokens.words[j].startswith(("личн", "personal"))):
        j -= 1
    return j >= 0 and tokens.sentences[j] == tokens.sentences[i] and tokens.words[j] in _LOCATIONS


def _names_lk(words: Sequence[str]) -> bool:
    return any(word_matches(a, w) for w in words for a in _LK_PLACE.words[0])
