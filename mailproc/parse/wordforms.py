"""Word forms: does a phrase occur in a text, whatever the case, punctuation, ё/е and inflection. Pure.

Why a light stemmer of our own and not a library: the phrases are short, admin-written
keywords ("сбросить пароль", "бонусы не начисляются", "api"), and what matters is that
the obvious forms meet and that unrelated words stay apart. Snowball (the usual choice)
over-conflates exactly where that hurts here: English "customers" -> "custom" (so
"customisation" would hit the customer-export page), "mailing" -> "mail", Russian
"апи" -> "ап"; and it still leaves "начисляются"/"начислены" apart. So:

* Russian: strip the longest inflectional ending (nouns, adjectives, verbs, short
  participles, -ение/-ание/-ость nouns, reflexive -ся/-сь) that leaves a stem of at
  least 4 letters, else a one-letter vowel ending that leaves 3 ("база", "базу" ->
  "баз"). "пароль/пароля/паролем" -> "парол", "начисляются/начислены/начисление" ->
  "начисл", "подключить/подключение" -> "подключ", "акция/акции/акцию" -> "акци".
* English: plural -s/-es/-ies, then -ing/-ed (undoubling "logg" -> "log"); words of up
  to 3 letters stay as they are ("api", "pos", "sms").
* Two stems are the same word when equal, or when both have at least 4 letters, neither
  goes on for more than 2 letters past their common start, and that start is the whole
  shorter stem or at least 5 letters: this absorbs what a light stemmer leaves
  ("выгрузить"/"выгрузка" -> "выгруз"/"выгрузк", "рассылок"/"рассылк") without
  joining "sign" and "signature" or "пароль" and "паром".

Words are whole tokens, never substrings: "api" is not in "rapid", "акция" is not in
"транзакция". What a stemmer cannot do is suppletion and word formation: "войти" and
"вход", "зайти" and "войти" are different words, so such variants are listed as
separate phrases in config.

A phrase occurs when all its words (stop words aside) occur, in any order, within a
window of (number of words + 1) consecutive words of one sentence: "бонусы не
начисляются" matches "не начислены бонусы" and "бонусы клиентам не начисляются".
"""
from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import re

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_SENTENCE_BREAK = re.compile(r"[.!?…]+(?=\s|$)|\n[ \t]*\n")
_CYRILLIC = re.compile(r"[а-я]")
_GAP = 1000  # positions between sentences: no window reaches across

# Little words that carry nothing for matching: dropped from phrases and texts alike.
# "не" and English "in" ("log in", "sign in") are kept on purpose.
STOP_WORDS = frozenset("""
    в во на с со к ко о об обо у по из за для от до при через и а или же ли бы то как мне меня нас
    the a an to of for at on by with from and or is are am be my our your i we me us it this that please
""".split())
_SYNONYMS = {"can't": "cannot", "cant": "cannot", "can’t": "cannot", "unable": "cannot"}

_ADJ = ("ого", "его", "ому", "ему", "ыми", "ими", "ая", "яя", "ое", "ее", "ые", "ие", "ый", "ий", "ой", "ей", "ую",
        "юю", "ых", "их", "ым", "им", "ом", "ем")
_RU_ENDINGS = tuple(sorted({
    *_ADJ, *("енн" + e for e in _ADJ),
    # nouns
    "ами", "ями", "иями", "ией", "иям", "иях", "ия", "ие", "ию", "ии", "ий", "ов", "ев", "ам", "ям", "ах", "ях", "ью",
    "ение", "ения", "ению", "ении", "ением", "ений", "ениям", "ениями", "ениях",
    "ание", "ания", "анию", "ании", "анием", "аний", "аниям", "аниями", "аниях",
    "ость", "ости", "остью", "остей", "остям", "остях",
    # verbs, short participles, imperatives
    "ать", "ять", "ить", "еть", "уть", "ыть", "ти", "ает", "яет", "ует", "ит", "ет", "ют", "ут", "ат", "ят", "ают",
    "яют", "уют", "ешь", "ишь", "ете", "ите", "ал", "ял", "ил", "ел", "ыл", "ала", "яла", "ила", "ела", "ыла",
    "али", "яли", "или", "ели", "ыли", "ало", "яло", "ило", "ело", "ыло", "ен", "ена", "ено", "ены", "ан", "ана",
    "ано", "аны", "ьте", "йте", "ировать", "ировал", "ировала", "ировали", "ирует", "ируют", "ирование",
    "ирования",
}, key=len, reverse=True))
_RU_VOWEL_ENDINGS = ("а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й")


def normalize(text: str) -> str:
    return text.lower().replace("ё", "е")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one normalized word (see the module docstring)."""
    if _CYRILLIC.search(word):
        return _stem_ru(word)
    if word.isascii() and word.isalpha():
        return _stem_en(word)
    return word


def _stem_ru(word: str) -> str:
    for reflexive in ("ся", "сь"):
        if word.endswith(reflexive) and len(word) - 2 >= 4:
            word = word[:-2]
            break
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    if word.endswith(_RU_VOWEL_ENDINGS) and len(word) - 1 >= 3:
        return word[:-1]
    return word


def _stem_en(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us")) and not (word.endswith("is") and len(word) > 4):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and re.search(r"[aeiouy]", base):
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeioulsz":
                base = base[:-1]
            return base
    return word


def same_word(a: str, b: str) -> bool:
    """Two stems are one word: equal, or a common start with at most 2 letters left on either side."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:
        return False
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    if len(a) - common > 2 or len(b) - common > 2:
        return False
    # one a prefix of the other ("выгруз"/"выгрузк"), or a longer shared start ("рассылк"/"рассылок"):
    # "парол"/"паром" share only 4 and stay apart
    return common == min(len(a), len(b)) or common >= 5


def words(text: str) -> list[str]:
    """Stems of the meaningful words of a short text (a phrase), in order."""
    out = []
    for token in _TOKEN.findall(normalize(text)):
        token = _SYNONYMS.get(token, token)
        if token not in STOP_WORDS:
            out.append(stem(token))
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    stems: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> "Phrase":
        return cls(text, tuple(words(text)))

    def __len__(self) -> int:
        return len(self.stems)


class Text:
    """A text indexed for phrase look-ups: stems with their positions, sentences kept apart."""

    def __init__(self, *parts: str) -> None:
        self._positions: dict[str, list[int]] = collections.defaultdict(list)
        self._by_prefix: dict[str, set[str]] = collections.defaultdict(set)
        position = 0
        for part in parts:
            for sentence in _SENTENCE_BREAK.split(normalize(part)):
                for token in _TOKEN.findall(sentence):
                    token = _SYNONYMS.get(token, token)
                    if token in STOP_WORDS:
                        continue
                    word = stem(token)
                    self._positions[word].append(position)
                    if len(word) >= 4:
                        self._by_prefix[word[:4]].add(word)
                    position += 1
                position += _GAP

    def positions(self, word: str) -> list[int]:
        """Sorted positions of every word of the text that is the same word as `word`."""
        found = list(self._positions.get(word, ()))
        if len(word) >= 4:
            for other in self._by_prefix.get(word[:4], ()):
                if other != word and same_word(word, other):
                    found += self._positions[other]
        return sorted(found)

    def contains(self, phrase: Phrase) -> bool:
        """All the phrase's words, in any order, within a window of len(phrase) + 1 words."""
        if not phrase.stems:
            return False
        needed = collections.Counter(phrase.stems)
        hits = {word: self.positions(word) for word in needed}
        if any(len(hits[word]) < count for word, count in needed.items()):
            return False
        width = len(phrase) + 1
        rarest = min(hits, key=lambda w: len(hits[w]))
        for anchor in hits[rarest]:
            # every window of `width` positions that contains the anchor
            for start in range(anchor - width + 1, anchor + 1):
                if all(_count_in(hits[w], start, start + width) >= c for w, c in needed.items()):
                    return True
        return False


def _count_in(sorted_positions: list[int], low: int, high: int) -> int:
    """How many positions p with low <= p < high."""
    return bisect.bisect_left(sorted_positions, high) - bisect.bisect_left(sorted_positions, low)
