"""What the config gives when a key is not set, and the value types it builds for the stages, kept
below them all: config.py reads these without importing a parser. Pure.

Account IDs (§4.2, `[accounts].id_patterns`). An account ID is 4 to 10 digits written
together. The default patterns need a word that names the account right before the number,
and refuse a number that goes on after a dot, comma, slash, colon or dash followed by a
digit, so phone numbers ("8 (800) 302-92-40"), dates ("28.11.2026"), tax numbers
("ИНН 7701234567"), order and transaction numbers ("заказ №12345", "ID транзакции 123456")
are not taken for an account ID. A bare "Аккаунт", "ID" or "кабинет" before the number is
read as the account only at the start of a line or after punctuation ("Аккаунт 48213",
"ID: 51234"), so "в аккаунте 5000 бонусов" is not. Each pattern is a regular expression,
matched case-insensitively, with exactly ONE capturing group around the ID.

Screenshots (§4.2, `[attachments]`): the formats that may be accepted, the limits of one
file, and the reason codes of a verdict.
"""

from __future__ import annotations

import dataclasses
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
            raise ValueError(
                f"{pattern!r} needs exactly one capturing group (...) around the account ID, "
                f"found {regex.groups}; write other groups as (?:...)"
            )
        compiled.append(regex)
    return compiled


# The formats the regulation may accept; the config chooses a subset.
ACCEPTABLE_FORMATS = ("jpeg", "png", "gif")

# Pillow's default Image.MAX_IMAGE_PIXELS: above it Pillow warns (an error here)
# and above twice it refuses by itself. A pixel limit above this could not be
# honoured, so AttachmentLimits and the config stay at or below it.
MAX_PIXELS_CEILING = 89_478_485

MiB = 1024 * 1024

# Reason codes: stable strings that templates and `show --json` use.
ACCEPTED = ""
UNSUPPORTED_FORMAT = "unsupported_format"
SPOOFED_EXTENSION = "spoofed_extension"
CORRUPT = "corrupt"
TOO_MANY_PIXELS = "too_many_pixels"
EMPTY = "empty"
TOO_LARGE = "too_large"
REASONS = (UNSUPPORTED_FORMAT, SPOOFED_EXTENSION, CORRUPT, TOO_MANY_PIXELS, EMPTY, TOO_LARGE)


@dataclasses.dataclass(frozen=True, slots=True)
class AttachmentLimits:
    """What an acceptable screenshot may be. ``max_total_bytes`` is for the caller (per mail)."""

    accepted_formats: tuple[str, ...] = ACCEPTABLE_FORMATS
    max_file_bytes: int = 20 * MiB
    max_total_bytes: int = 30 * MiB
    # 64 million pixels: a 48 MP phone photo (8064x6048) and a 6K-display
    # screenshot (6016x3384) fit, so does a long scrolling phone screenshot;
    # one RGB frame of that size costs Pillow 256 MB (4 bytes a pixel), which
    # bounds the memory one attachment can make us spend. It is below Pillow's
    # own warning threshold, so our check, which names the limit, always fires first.
    max_pixels: int = 64_000_000
    # Frames cost time even when tiny (Pillow spends ~40 µs on a 1x1 GIF frame, and
    # 20 MB hold over a million of them); 10,000 is minutes of animation.
    max_frames: int = 10_000

    def __post_init__(self) -> None:
        unknown = [f for f in self.accepted_formats if f not in ACCEPTABLE_FORMATS]
        if unknown or not isinstance(self.accepted_formats, tuple):
            raise ValueError(
                f"accepted_formats: expected a tuple of {ACCEPTABLE_FORMATS}, got {self.accepted_formats!r}"
            )
        if not 0 < self.max_pixels <= MAX_PIXELS_CEILING:
            raise ValueError(f"max_pixels: expected 1-{MAX_PIXELS_CEILING}, got {self.max_pixels}")
        if min(self.max_file_bytes, self.max_total_bytes, self.max_frames) <= 0:
            raise ValueError("max_file_bytes, max_total_bytes and max_frames must be > 0")
