"""§4.2: the client's account ID, found in a mail's subject or body. Pure.

The regulation asks every request to carry the account ID. Clients write it in
many ways ("ID аккаунта: 12345", "аккаунт №12345", "Account ID 12345"); the
default patterns (mailproc/defaults.DEFAULT_ID_PATTERNS, where what they refuse is
explained) cover the usual ones, and admins may replace them with
`[accounts].id_patterns` in config.toml.
"""
from __future__ import annotations

import functools
import re

from mailproc.defaults import DEFAULT_ID_PATTERNS, compile_patterns


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
