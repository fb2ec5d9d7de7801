"""§4.2: the client's account ID, found in a mail's subject or body. Pure.

The regulation asks every request to carry the account ID. Clients write it in
many ways ("ID аккаунта: 12345", "аккаунт №12345", "Account ID 12345"); the
patterns below cover the usual ones, and admins may replace them with
`[accounts].id_patterns` in config.toml. Each pattern is a regular expression,
matched case-insensitively, with exactly ONE capturing group around the ID.

An account ID is 4 to 10 digits written together. The default patterns need a
word that names the account right before the number, and refuse a number that
goes on after a dot, comma, slash, colon or dash followed by a digit, so phone
numbers ("8 (800) 302-92-40"), dates ("28.11.2026"), tax numbers
("ИНН 7701234567"), order and transaction numbers ("заказ №12345",
"ID транзакции 123456") are not taken for an account ID. A bare "Аккаунт", "ID" or
"кабинет" before the number is read as the account only at the start of a line or
after punctuation ("Аккаунт 48213", "ID: 51234"), so "в аккаунте 5000 бонусов" is not.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# 4-10 digits, not part of a longer number, a date, a phone or a decimal.
_ID = r"(\d{4,10})(?!\d|[.,/:\u2013-]\d)"
# What may stand between the words and the number: spaces, ":", "=", "#", "№", dashes.
_SEP = r"[\s:=#№\u2013\u2014-]{0,5}"

DEFAULT_ID_PATTERNS: tuple[str, ...] = (
    # "ID аккаунта: 12345", "ID аккаунта 12345", "ИД аккаунта 12345", "id аккаунта - 12345", "ID-аккаунта 12345"
    rf"\b(?:id|ид|айди)[\s-]+аккаунта{_SEP}{_ID}",
    # "аккаунт ID 12345", "аккаунта ID: 12345"
    rf"\bаккаунт[а-я]{{0,2}}\s+(?:id|ид)\b{_SEP}{_ID}",
    # "аккаунт №12345", "аккаунт № 12345", "аккаунта #12345" ("в аккаунте 5000 бонусов" has no № and is not an ID)
    rf"\bаккаунт[а-я]{{0,2}}\s*(?:№|#|n\b|no\.?){_SEP}{_ID}",
    # "номер аккаунта 12345", "номер моего аккаунта: 12345"
    rf"\bномер\s+(?:(?:моего|нашего|вашего)\s+)?аккаунта{_SEP}{_ID}",
    # "Account ID: 12345", "account id 12345", "account #12345", "account no. 12345", "account number 12345",
    # "account ID is 12345", "acct 12345", "acct# 12345"
    rf"\b(?:account|acct)\s*(?:id\b|#|no\b\.?|number\b|nr\b\.?)(?:\s+is\b)?{_SEP}{_ID}",
    rf"\bacct\b\.?{_SEP}{_ID}",
    # "Аккаунт 48213" on its own or at the end of a line, "Аккаунт: 48213", "наш аккаунт 48213",
    # "Account: 48213", "our account 48213" (not "в аккаунте 5000 бонусов", "account balance 12345")
    rf"(?:(?<![^\n])\s*|[^\w\s]\s*|\b(?:наш|мой|our|my)\s+)(?:аккаунт|account)\s+{_ID}",
    rf"\b(?:аккаунт|account)\s*:\s*{_ID}",
    rf"\b(?:аккаунт|account)\s+{_ID}(?=\s*(?:$|\n|[.,;!)]))",
    # "ID: 51234", "ID 51234" starting a line or after punctuation, "наш ID 51234" ("ID транзакции 123456"
    # has a word between, "accounting ID 12345" a word before), "ID базы 51234" (the regulation's own
    # words); "номер кабинета 51234", "кабинет 51234"
    rf"(?:(?<![^\n])\s*|[^\w\s]\s*|\b(?:наш|мой|our|my)\s+)(?:id|ид)(?:\s+базы(?:\s+данных)?)?\s*[:=#№\u2013\u2014-]?\s*{_ID}",
    # "Вопрос id 267743" or "kilbil ID: 674196" ending a subject or a line, unless another kind of ID is named
    # before it ("order ID 12345", "заказ ID 12345", "transaction ID", "accounting ID", "tracking ID")
    rf"(?<!order )(?<!заказ )(?<!заказа )(?<!чека )(?<!transaction )(?<!payment )(?<!invoice )(?<!ing )\b(?:id|ид)(?:\s+базы(?:\s+данных)?)?"
    rf"\s*[:=#№\u2013\u2014-]?\s*{_ID}(?=\s*(?:$|\n))",
    rf"\b(?:номер\s+)?(?:личного\s+)?кабинета?{_SEP}{_ID}",
)


def compile_patterns(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """Compiled, case-insensitive patterns; ValueError names the first bad one and why."""
    if isinstance(patterns, str):
        raise ValueError(f"expected a list of patterns, got the single string {patterns!r}")
    compiled = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise ValueError(f"expected a pattern string, got {pattern!r}")
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {err}") from None
        if regex.groups != 1:
            raise ValueError(f"{pattern!r} needs exactly one capturing group (...) around the account ID, "
                             f"found {regex.groups}; write other groups as (?:...)")
        compiled.append(regex)
    return compiled


@functools.lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return compile_patterns(patterns)


def find_account_id(subject: str, body: str,
                    patterns: tuple[str, ...] = DEFAULT_ID_PATTERNS) -> str | None:
    """The account ID the mail names: subject first, then body; the earliest mention wins.

    "Earliest" is by position in the text, whichever pattern finds it (on a tie,
    the pattern listed first). Returns the captured ID (digits with the default
    patterns) or None.
    """
    regexes = _compiled(tuple(patterns))
    for text in (subject or "", body or ""):
        best: tuple[int, str] | None = None
        for regex in regexes:
            for match in regex.finditer(text):
                value = (match.group(1) or "").strip()
                if value:
                    if best is None or match.start() < best[0]:
                        best = (match.start(), value)
                    break
        if best is not None:
            return best[1]
    return None
