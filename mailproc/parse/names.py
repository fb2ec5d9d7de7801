"""Whether a display name is a person's, to greet by it. Pure.

"Здравствуйте, Владелец!" or "Здравствуйте, Магазин Уют!" reads as a machine's letter: a name
that is a shop, a role or an address is not used in a greeting, and the greeting stays neutral.
"""
from __future__ import annotations

import re

# Words that make a display name a company, a shop or a role: short ones only as whole words
# ("ип" is not "Ипполит"), longer ones also as the start of a word ("магазин" in "Магазинчик").
NOT_PERSON_WORDS = frozenset((
    "ооо", "оао", "зао", "пао", "ао", "ип", "бар", "кафе", "касса", "офис", "сеть", "отдел", "info", "shop",
    "team", "user", "cafe", "llc", "ltd", "inc", "gmbh", "office",
))
NOT_PERSON_STEMS = (
    "магазин", "компани", "салон", "ресторан", "бухгалтер", "директор", "владел", "админ", "поддержк",
    "клиник", "студи", "аптек", "пекарн", "кофейн", "центр", "склад", "менеджер", "руководител", "служб",
    "store", "owner", "admin", "support", "sales", "manager", "billing", "accounting", "company",
    "restaurant", "noreply", "no-reply",
)
_WORD = re.compile(r"[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?")


def greeting_name(display_name: str) -> str:
    """The display name when it looks like a person's (one to three capitalised words, nothing
    else: no digits, quotes, all-caps brand names, company or role words), else ""."""
    words = display_name.strip().strip("\"'").split()
    if not 1 <= len(words) <= 3 or not all(_WORD.fullmatch(w) for w in words):
        return ""
    if any(w.lower() in NOT_PERSON_WORDS or w.lower().startswith(NOT_PERSON_STEMS) for w in words):
        return ""
    return " ".join(words)
