"""§4.2, §4.7 — profanity or insults: support on the ticket is suspended and the client gets a calm notice.

§4.2: a request must not contain obscene language or insults to the staff; §4.7: support
on a ticket may be suspended when it does. A client's mail whose new text (or, for a new
ticket, subject) contains such a word sets the ticket `suspended`, label `suspended`, and
the reply is the suspension notice alone (see mailproc/reply_blocks.py). Agents are never checked.
The notice quotes nothing back: the words found are for logs and the agents. When it is not
sure (a word for a person with no clear target, obscene words quoted from someone else, or a
critical problem that must keep its term) the ticket only gets `review_abuse`, and the agents'
notification names the words and why (`Reason`).

Where the words come from. The built-in list is a curated subset of LDNOOBW, "List of
Dirty, Naughty, Obscene, and Otherwise Bad Words" (github.com/LDNOOBW/List-of-Dirty-
Naughty-Obscene-and-Otherwise-Bad-Words, files `ru` and `en`; CC BY 4.0), rewritten as
roots so that inflections and prefixed forms match ("пизд" -> "спиздили", "еб" ->
"заебали", "fuck" -> "motherfucking"), plus common insults to people ("дебил", "идиот",
"кретин", "moron") and Latin transliterations ("blyat", "pizdec", "nahuy"). Left out on
purpose: the list's many words that are not abuse in a support mail ("секс", "голый",
"мент", "бардак", "какая разница", "sexual", "nude", "cheating"), mild or ambiguous words
("хрен", "блин", "жопа", "говно", "damn", "crap", "wtf", bare "ass": "kicking ass", bare
"dick": "Dick Smith"), and self-deprecation ("извините за тупой вопрос"). Admins add words
in `[abuse].extra_words` (each matched at the start of a word, after the same
de-obfuscation; several words as a phrase). Nothing is fetched at run time.

Matching, per word of the text (so "Scunthorpe", "class", "assess", "потребляю",
"употреблять", "оскорблять", "застрахуй", "скипидар" stay clean: roots match at the
start of a word, after an optional Russian verbal prefix for the four mat roots only):

* case, "ё" -> "е", runs of 3+ repeated letters -> one ("бляяяя", "fuuuck");
* look-alikes: in a word with Cyrillic letters, Latin look-alikes and digits become
  Cyrillic ("xуй", "6ля", "пи3да"); an all-Latin word is read as English leetspeak
  ("sh1t", "a$$hole", "b!tch") and, when every letter has a Cyrillic twin, as Cyrillic
  ("cyka", "xyu");
* masks: "*", "#", "%", "@" inside a word stand for one letter each ("х*й", "f*ck",
  "бл@", "п**да"), compared with the full words of `MASKED_FORMS`, and the word with
  the masks dropped is tried too ("х*у*й");
* spaced letters: three or more one-letter words in a row are read as one word ("б л я",
  "f u c k", "х.у.й");
* exceptions (`EXCEPTIONS`): words that start like a root but are not abuse ("Ебург",
  "бляха", "shiitake", "Fukushima").
"""
from __future__ import annotations

import dataclasses
import functools
import re

from mailproc.actions import Action, AddLabel, Reason, ReplyBlock, SetStatus
from mailproc.parse.wordforms import normalize
from mailproc.rules import critical
from mailproc.rules.context import Context
from mailproc.vocab import Ground, Label, Status

MAX_CHARS = 50_000

_NOUN = r"(?:|а|у|ом|е|ы|ов|ам|ами|ах|ка|ки|ку|кой|ке|ина|ины|ине|ину|иной)$"  # the person, not the adjective
RU_ROOTS = (
    # mat, with verbal prefixes: нахуй, охуели, спиздили, заебали, уебок, выблядок
    r"(?:на|за|по|о|от|до|ни|вы|при|рас|раз|с|об|пере)?ху[йеяюи]",
    r"(?:на|за|по|о|от|до|вы|рас|раз|с|у|ис|из|при|про|пере|под)?п[иеё]зд",
    r"(?:на|за|по|от|отъ|до|вы|у|при|пере|недо|про|подъ|съ|разъ|въ|изъ|объ|долбо|долба)?[её]б(?:[аеиолнуыт]|ь)",
    r"(?:вы|от|за)?бля(?![хшм])",
    r"ублюд", r"муд(?:ак|ач|ил|оз|оеб|ох)", r"пид(?:о|а)р", r"пидр", r"педик$", r"г[ао]ндон", r"залуп",
    r"шлюх", r"шалав", r"мраз(?:ь|и|ей|ям|ями|ота)$", r"сволоч", r"твар(?:ь|и|ей|ям|ями|юга)$",
    r"сук(?:а|и|у|ой|е|ам|ами|ах)$", r"сукин", r"сучар", r"сучк[аиеу]$", r"долб[оа](?:еб|ящер)",
)
RU_INSULTS = (  # words for people: abuse when aimed at the staff, not at oneself or quoted from someone else
    r"дебил" + _NOUN, r"идиот" + _NOUN, r"кретин" + _NOUN, r"имбецил" + _NOUN, r"дегенерат" + _NOUN,
    r"придур(?:ок|ки|ка|ку|ком|ков|кам|ками|ках)$", r"урод(?:|ы|ов|ам|ами|ах|а|у|ом|ина|ины)$",
    r"дур(?:а|ы|ак|аки|акам|аками|ачье|еха)$", r"козл(?:ы|ина|ины)$", r"козел$", r"чмо(?:|шник\w*)$",
    r"скот(?:ина|ины|ы)$", r"тупиц[аыеу]$", r"тупорыл", r"тупоголов", r"лошар",
)
EN_ROOTS = (
    r"fuck", r"fck", r"fuk", r"fvck", r"phuck", r"motherf", r"clusterfuck", r"dumbfuck",
    r"shit", r"shite", r"bullshit", r"horseshit", r"dumbshit", r"batshit", r"apeshit",
    r"cunt", r"bitch", r"bastard", r"asshole", r"arsehole", r"asshat", r"jackass", r"dumbass",
    r"dickhead", r"dickface", r"douche", r"wanker", r"twat", r"scumbag", r"stfu$", r"gtfo$",
    # Russian in Latin letters
    r"blya(?:t|d|$)", r"blyat", r"pizd", r"pezd", r"(?:na|po|o)?huy", r"(?:na|po|ni)?hui$", r"nahui", r"ohuel",
    r"(?:za|u|vy|raz|pro|po|na)?(?:y?e|yo)ba(?:t|l[aoi]?$|n(?:[aiyou]|$))", r"u?ebok", r"suka$", r"suki$", r"mudak",
    r"pidor", r"pidar", r"gandon",
)
EN_INSULTS = (r"idiot(?:|s)$", r"moron", r"imbecile", r"cretin(?:|s)$", r"retard(?:|s|ed)$", r"debil")
EXCEPTIONS = ("ебург", "ебонит", "бляха", "бляш", "блям", "shitake", "shiitake", "fukushima", "fukuoka", "fuku",
              "cretinism", "idiotsav",
              "shitov", "тупицын", "дураков")  # surnames: Shitov(a), Тупицын(а), Дураков(а)
# Full words a masked word ("х*й", "f**k", "бл@") is compared with, letter by letter.
MASKED_FORMS = (
    "хуй", "хуя", "хуе", "хуев", "хуево", "нахуй", "похуй", "пизда", "пиздец", "пизды", "блядь", "блять", "бля",
    "ебать", "ебал", "ебала", "ебаный", "заебал", "заебали", "сука", "суки", "мудак", "мудаки", "fuck", "fucking",
    "fucker", "fucked", "shit", "shitty", "bullshit", "bitch", "bitches", "cunt", "asshole", "bastard", "dickhead",
    "motherfucker",
)

_TOKEN = re.compile(r"(?:[^\W_]|[*@#$%!+])+")
# An address is tried only from the start of a run of non-space characters, up to its first
# "@": "\S+@" tried at every position of a long run (and every "@" in it) is cubic.
_URL_OR_EMAIL = re.compile(r"\b(?:https?://|www\.)\S+|(?<!\S)[^\s@]+@\S+\.\w+")
_MASKS = "*#%@"
_CYRILLIC = re.compile(r"[а-я]")
_TO_CYRILLIC = str.maketrans({"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о",
                              "p": "р", "t": "т", "u": "и", "x": "х", "y": "у", "0": "о", "3": "з", "6": "б",
                              "4": "ч", "@": "а"})
_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "5": "s", "$": "s", "@": "a", "7": "t",
                       "+": "t"})
_REPEATS = re.compile(r"(.)\1{2,}")
_SURNAME = re.compile(r"(?:ов|ова|ев|ева|ин|ина|ын|ына|ov|ova|ev|eva|sky|skaya|enko|енко)$")


# Who an insult is aimed at, from the other words of its sentence.
_SOMEONE_ELSE = re.compile(r"^(?:обозв|назв|обзыва|написал|пишет|сказал|покупател|клиент|гост|посетител|отзыв|"
                           r"customer|guest|visitor|called|calls|wrote|writes|said|says|review)")
_ADDRESSED = frozenset("вы вас вам вами ваш ваша ваше ваши вашей вашу ваших you your youre yours ur u".split())
_ADDRESSED_STEMS = re.compile(r"^(?:поддержк|сотрудник|специалист|менеджер|support|staff)")
_SELF = frozenset("я меня мне сам сама сами мы нас i im me myself we us".split())
_QUOTE = re.compile("[\"«»“”„]|(?<!\\w)'|'(?!\\w)")  # not the apostrophe of "I'm"
_SENTENCE = re.compile(r"[.!?;\n]+")


# Why abuse goes to the agents' review rather than suspending (the codes of the notification's line).
QUOTED, UNCLEAR, CRITICAL = "quoted", "unclear", "critical"


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    words: tuple[str, ...]  # as written: for logs, tests and the agents, never quoted back to the client
    sure: bool  # obscene, or an insult aimed at the staff: suspend; else only the agents review it
    why: str  # when not sure: QUOTED (an obscene word someone else said) or UNCLEAR (an insult's target)


def check(ctx: Context) -> list[Action]:
    parts = ((ctx.mail.subject,) if ctx.is_new_ticket else ()) + (ctx.new_text,)
    verdict = judge(*parts, extra_words=ctx.settings.abuse.extra_words)
    if verdict is None:
        return []
    if not verdict.sure:
        return [AddLabel(Label.REVIEW_ABUSE, Reason(verdict.why, verdict.words))]
    if critical.find_problem(*parts, extra_phrases=ctx.settings.critical.extra_phrases):
        return [AddLabel(Label.REVIEW_ABUSE, Reason(CRITICAL, verdict.words))]  # it keeps its priority and term
    return [SetStatus(Status.SUSPENDED), AddLabel(Label.SUSPENDED),
            ReplyBlock("suspension", data={"ground": Ground.ABUSE})]


def judge(*texts: str, extra_words: tuple[str, ...] = ()) -> Verdict | None:
    """Whether the texts hold abuse and whether it is sure, sentence by sentence; None when clean.

    Obscene words and `[abuse].extra_words` are sure unless quoted from someone else (then for
    review: the mail holds them all the same). A word for a person ("идиот", "moron") is sure
    when aimed at the staff ("вы", "you", "поддержка", or a plural: "идиоты, сколько можно"),
    innocent when the writer says it of themselves ("я идиот", "I'm an idiot") or reports
    someone else's words ("покупатель обозвал кассира дебилом": the client is not the one
    insulting), and for review when its target is unclear ("начальник идиот").
    """
    found: list[tuple[str, str]] = []  # (word, why)
    for text in texts:
        for sentence in _SENTENCE.split(text[:MAX_CHARS]):
            found += [(w, _aim(w, sentence)) for w in find_abuse(sentence, extra_words=extra_words)]
    found = [(w, why) for w, why in found if why != "self" and not (why == QUOTED and _is_insult(w))]
    if not found:
        return None
    said = tuple(dict.fromkeys(w for w, _ in found))
    if any(why == "sure" for _, why in found):
        return Verdict(said, True, "")
    return Verdict(said, False, QUOTED if any(why == QUOTED for _, why in found) else UNCLEAR)


def _aim(word: str, sentence: str) -> str:
    """"sure", QUOTED (someone else said it), "self" (said of oneself) or UNCLEAR.

    In quotation marks it is someone else's; told of someone else ("покупатель обозвал") too, unless the
    sentence also speaks to the staff ("вы идиоты, клиенты ждут"): then it is for the agents to judge."""
    sentence = normalize(sentence)
    others = re.findall(r"[^\W\d_]+", sentence)
    at = sentence.find(normalize(word))
    if at > 0 and _QUOTE.search(sentence[:at]) and _QUOTE.search(sentence[at + len(word):]):
        return QUOTED
    if any(_SOMEONE_ELSE.match(w) for w in others):
        return UNCLEAR if _ADDRESSED & set(others) else QUOTED
    if not _is_insult(word) or _ADDRESSED & set(others):
        return "sure"
    if _SELF & set(others):
        return "self"
    if any(_ADDRESSED_STEMS.match(w) for w in others):
        return "sure"
    return "sure" if re.search(r"(?:ы|и|s)$", normalize(word)) else UNCLEAR


def _is_insult(word: str) -> bool:
    """Only a word for a person ("идиот", "moron"), not an obscene one."""
    readings = _readings(normalize(word))
    return any(_INSULT.match(r) for r in readings) and not any(_OBSCENE.match(r) for r in readings)


def find_abuse(*texts: str, extra_words: tuple[str, ...] = ()) -> list[str]:
    """The words of the texts that are profanity or insults, as written (see the module docstring)."""
    found = []
    extra = _extra(tuple(extra_words))
    single, phrases = tuple(e for e in extra if " " not in e), tuple(e for e in extra if " " in e)
    for text in texts:
        words = _words(_URL_OR_EMAIL.sub(" ", text[:MAX_CHARS]))
        found += [w for w in words if any(_abusive(r, single) for r in _readings(w))]
        joined = " ".join(words)
        found += [p for p in phrases if re.search(r"(?<!\S)" + re.escape(p), joined)]
    return found


def _words(text: str) -> list[str]:
    """The words of a text, with runs of 3+ one-letter words joined ("б л я", "f.u.c.k")."""
    out: list[str] = []
    run: list[str] = []
    for token in _TOKEN.findall(normalize(text)):
        token = token.strip("!+#")
        if len(token) > 1 and token[0] == token[-1] == "*":
            token = token.strip("*")  # **bold** in plain text
        if len(token) == 1:
            run.append(token)
            continue
        out += _flush(run)
        run = []
        if token:
            out.append(token)
    return out + _flush(run)


def _flush(run: list[str]) -> list[str]:
    return ["".join(run)] if len(run) >= 3 else []


def _readings(word: str) -> set[str]:
    """The ways the word can be read: as written, with look-alikes or leetspeak undone, masks dropped."""
    word = _REPEATS.sub(r"\1", word)
    readings = {word}
    if len(_CYRILLIC.findall(word)) >= 2:
        readings.add(word.translate(_TO_CYRILLIC))
    elif word.isascii() and len(re.findall(r"[a-z]", word)) >= max(3, len(word) / 2):  # not "4m0", "e6"
        readings.add(word.translate(_LEET))
        cyrillic = word.translate(_TO_CYRILLIC)
        if not re.search(r"[a-z0-9]", cyrillic):
            readings.add(cyrillic)
    for reading in list(readings):
        if any(m in reading for m in _MASKS):
            readings.add("".join(ch for ch in reading if ch not in _MASKS))
            readings.add(reading)  # kept for the mask comparison below
    return {r for r in readings if r}


def _abusive(reading: str, extra: tuple[str, ...]) -> bool:
    if any(m in reading for m in _MASKS):
        return _masked(reading)
    if reading.startswith(EXCEPTIONS):
        return False
    if _SURNAME.search(reading) and (reading.isascii() or _INSULT.match(reading)):
        return False  # "Дебилов", "Shitikova": a surname, in Latin letters or from a word for a person
    return bool(_OBSCENE.match(reading) or _INSULT.match(reading)) or any(reading.startswith(e) for e in extra)


def _masked(reading: str) -> bool:
    """"f*ck", "х*й", "бл@": masks inside a word, each one letter of a known form."""
    letters = sum(ch not in _MASKS for ch in reading)
    if letters < 2 or reading[0] in _MASKS:
        return False
    pattern = re.compile("".join("." if ch in _MASKS else re.escape(ch) for ch in reading))
    return any(len(form) >= len(reading) and pattern.fullmatch(form[:len(reading)])
               and (len(form) == len(reading) or len(reading) >= 4) for form in MASKED_FORMS)


_OBSCENE = re.compile("|".join(f"(?:{r})" for r in RU_ROOTS + EN_ROOTS))
_INSULT = re.compile("|".join(f"(?:{r})" for r in RU_INSULTS + EN_INSULTS))


@functools.lru_cache(maxsize=8)
def _extra(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(" ".join(normalize(w).split()) for w in words if w.strip())
