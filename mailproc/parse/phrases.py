"""Phrases found in order, with their positions, so a rule can look around them. Pure.

`mailproc.parse.wordforms` answers "does this phrase occur?" (any order, stop words
dropped), which is right for FAQ keywords. The critical and scope rules also need to
know *where*: whether "не" or "not" stands just before the phrase ("обучение нам не
нужно"), whether "как" or "how" makes it a question, whether "уже работает" comes after
"не могу войти". This module keeps every word (stop words included) with its sentence
and matches a pattern word by word, reusing the wordforms normalisation and stemmer.

A pattern is a few words; `{a|b|c}` lists alternatives for one word. Each word matches
a token of the text:

* `word=` exactly (after lower case and ё -> е): "могу=" is not "мог" (past tense);
* `stem*` when the token starts with it: "внедр*" -> "внедрение", "внедрить";
* otherwise when both are the same word for the wordforms stemmer ("отчет" -> "отчеты",
  "выгрузить" -> "выгрузите", "выгрузка").

A word of 6 letters or more (for `stem*`, a stem of 5 or more) also matches with two
neighbouring letters swapped, the commonest typo ("рабтоает", "каибнет", "недотсупна"; for a
stem, also the pair across its end: "банковсикй" for "банковск*").

Words must come in the pattern's order, in one sentence, with at most `gap` other
words between two of them ("не могу никак войти" matches "не могу войти" with gap 1).
"""
from __future__ import annotations

import dataclasses
import functools
import re

from mailproc.parse.wordforms import normalize, same_word, stem

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_BREAK = re.compile(r"[.!?…;]+(?=\s|$)|\n[ \t]*\n")

# Words that negate a phrase they stand before or inside: "не нужно обучение", "no need for training".
NEGATORS = frozenset("""
    не нет ни без никак нельзя not no never without dont doesnt didnt isnt arent wasnt werent cant cannot
    wont havent hasnt couldnt shouldnt
""".split())


class Tokens:
    """The words of a text in order, each with the number of its sentence; word look-ups are memoised."""

    def __init__(self, words: tuple[str, ...], sentences: tuple[int, ...]) -> None:
        self.words, self.sentences = words, sentences
        self._index: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            self._index.setdefault(word, []).append(position)
        self._by_start: dict[str, list[str]] = {}  # first 2 letters -> words
        for word in self._index:
            self._by_start.setdefault(word[:2], []).append(word)
        self._by_stem: dict[str, list[str]] = {}  # first 4 letters of a stem (or the whole short stem) -> words
        for word in self._index:
            self._by_stem.setdefault(stem(word)[:4], []).append(word)
        self._memo: dict[str, frozenset[int]] = {}
        self._any_memo: dict[tuple[str, ...], frozenset[int]] = {}

    @classmethod
    def of(cls, *parts: str) -> "Tokens":
        """Several parts (subject, text) never share a sentence."""
        words: list[str] = []
        sentences: list[int] = []
        number = 0
        for part in parts:
            for sentence in _SENTENCE_BREAK.split(normalize(part)):
                found = [t.replace("'", "").replace("’", "") for t in _TOKEN.findall(sentence)]
                words += found
                sentences += [number] * len(found)
                number += 1
        return cls(tuple(words), tuple(sentences))

    def __len__(self) -> int:
        return len(self.words)

    def positions(self, pattern_word: str) -> frozenset[int]:
        """Where a pattern word (notation in the module docstring) matches."""
        found = self._memo.get(pattern_word)
        if found is None:
            kind, keys = _plan(pattern_word)
            if kind == "=":  # the word, or the word with a swapped pair
                candidates = list(keys)
            elif kind == "*":  # words starting as the prefix may, read through a typo; word_matches says which
                candidates = [w for key in keys for w in self._by_start.get(key, ())] if keys else list(self._index)
            else:  # words of the same stem start
                candidates = [*self._by_stem.get(keys[0], ()), pattern_word]
            found = self._memo[pattern_word] = frozenset(
                p for w in candidates if w in self._index and word_matches(pattern_word, w) for p in self._index[w])
        return found

    def any_positions(self, alternatives: tuple[str, ...]) -> frozenset[int]:
        if alternatives not in self._any_memo:
            self._any_memo[alternatives] = frozenset().union(*(self.positions(a) for a in alternatives))
        return self._any_memo[alternatives]


MAX_CHARS = 20_000  # of subject + text a rule reads: a request is stated at the top, not in pasted logs


def cut(texts: tuple[str, ...], max_chars: int = MAX_CHARS) -> tuple[str, ...]:
    """The texts cut to max_chars together, the first ones kept whole first."""
    budget, parts = max_chars, []
    for text in texts:
        parts.append(text[:budget])
        budget = max(0, budget - len(text))
    return tuple(parts)


@functools.lru_cache(maxsize=4)  # the rules read the same mail: one tokenisation, one memo of look-ups
def tokens_of(texts: tuple[str, ...]) -> Tokens:
    """The Tokens of the texts as `cut` leaves them."""
    return Tokens.of(*cut(texts))


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    start: int  # index of the first matched word
    end: int  # index after the last matched word
    positions: tuple[int, ...]  # the matched words (the rest of start..end are gap words)


@dataclasses.dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    words: tuple[tuple[str, ...], ...]  # per position: its alternatives, in the notation above

    @classmethod
    def of(cls, text: str) -> "Pattern":
        words = []
        for word in re.findall(r"\{[^}]*\}|\S+", normalize(text)):
            words.append(tuple(a.strip() for a in word.strip("{}").split("|") if a.strip()))
        return cls(text, tuple(w for w in words if w))


_TYPO_WORD, _TYPO_STEM = 6, 5  # shortest word, and stem, read through a swapped pair of letters


@functools.lru_cache(maxsize=8192)
def _plan(pattern_word: str) -> tuple[str, tuple[str, ...]]:
    """How Tokens.positions looks a pattern word up: its kind ("=", "*" or "" for a stem) and keys:
    the words to find (=), the first two letters a word may start with (*: those of the prefix,
    and with a swapped pair among the first three letters, those of the typo), or the first 4
    letters of the stem. No keys: every word is looked at (a prefix of one letter)."""
    if pattern_word.endswith("="):
        word = pattern_word[:-1]
        return "=", (word, *(_swaps(word) if len(word) >= _TYPO_WORD else ()))
    if pattern_word.endswith("*"):
        prefix = pattern_word[:-1]
        starts = (prefix, *_swaps(prefix[:3])) if len(prefix) >= _TYPO_STEM else (prefix,)
        return "*", tuple(dict.fromkeys(start[:2] for start in starts)) if len(prefix) >= 2 else ()
    return "", (stem(pattern_word)[:4],)


@functools.lru_cache(maxsize=4096)
def _swaps(word: str) -> tuple[str, ...]:
    """The word with each pair of different neighbouring letters swapped: the typos `_swapped` reads through."""
    return tuple(word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1])


def _swapped(token: str, word: str) -> bool:
    """The token is the word with two neighbouring letters swapped."""
    if len(token) != len(word) or token == word:
        return False
    diff = [i for i, (a, b) in enumerate(zip(token, word)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and token[diff[0]] == word[diff[1]] \
        and token[diff[1]] == word[diff[0]]


def _swapped_start(token: str, prefix: str) -> bool:
    """The token starts with the prefix read through a swapped pair, the pair perhaps straddling its end
    ("банковсикй" for "банковск*")."""
    n = len(prefix)
    return _swapped(token[:n], prefix) or _swapped(token[:n + 1], prefix + token[n - 1:n])


@functools.lru_cache(maxsize=65536)
def word_matches(pattern_word: str, token: str) -> bool:
    if pattern_word.endswith("="):
        word = pattern_word[:-1]
        return token == word or (len(word) >= _TYPO_WORD and _swapped(token, word))
    if pattern_word.endswith("*"):
        prefix = pattern_word[:-1]
        return token.startswith(prefix) or (len(prefix) >= _TYPO_STEM and _swapped_start(token, prefix))
    return token == pattern_word or same_word(stem(pattern_word), stem(token))


def find(tokens: Tokens, pattern: Pattern, gap: int = 1) -> list[Hit]:
    """Every place where the pattern's words occur in order (the nearest next word wins at each start)."""
    if not pattern.words:
        return []
    starts = tokens.any_positions(pattern.words[0])
    if not starts:  # the common case: the rest of the pattern is never looked up
        return []
    hits = []
    later = [tokens.any_positions(alternatives) for alternatives in pattern.words[1:]]
    for start in sorted(starts):
        positions = [start]
        for allowed in later:
            last = positions[-1]
            nxt = next((j for j in range(last + 1, min(len(tokens), last + gap + 2))
                        if j in allowed and tokens.sentences[j] == tokens.sentences[start]), None)
            if nxt is None:
                break
            positions.append(nxt)
        if len(positions) == len(pattern.words):
            hits.append(Hit(start, positions[-1] + 1, tuple(positions)))
    return hits


def find_any(tokens: Tokens, patterns: tuple[Pattern, ...], gap: int = 1) -> list[Hit]:
    return sorted((h for p in patterns for h in find(tokens, p, gap)), key=lambda h: (h.start, h.end))


def before(tokens: Tokens, hit: Hit, window: int) -> list[str]:
    """Up to `window` words just before the hit, in its sentence."""
    sentence = tokens.sentences[hit.start]
    low = max(0, hit.start - window)
    return [tokens.words[i] for i in range(low, hit.start) if tokens.sentences[i] == sentence]


def negated(tokens: Tokens, hit: Hit, window: int = 3, negators: frozenset[str] = NEGATORS) -> bool:
    """A negator stands up to `window` words before the hit, or between its words."""
    gaps = [tokens.words[i] for i in range(hit.start, hit.end) if i not in hit.positions]
    return any(w in negators for w in before(tokens, hit, window) + gaps)


def after(tokens: Tokens, hit: Hit, window: int) -> list[str]:
    """Up to `window` words just after the hit, in its sentence."""
    sentence = tokens.sentences[hit.start]
    high = min(len(tokens), hit.end + window)
    return [tokens.words[i] for i in range(hit.end, high) if tokens.sentences[i] == sentence]
