"""The new part of a reply: quoted conversation and signature removed. Pure.

A reply usually carries the earlier conversation below (or, in an "inline"
reply, between) the lines its writer actually typed. new_text() keeps only what
is new, so a ticket shows each message once. The full original is stored
elsewhere and never changed by this module.

The rules, in the order they apply:

1. The text is read top down for the first *marker* (table _MARKERS below): a
   reply header ("-----Original Message-----", an Outlook "From:/Sent:" block,
   an attribution such as "On ... wrote:") or a forward marker
   ("---------- Forwarded message ---------"). Lines quoted with ">" are never
   markers. A client that wraps a long attribution over two lines is handled by
   joining the two lines.
2. A forward marker and everything below it are kept as they are: a forwarded
   mail is content the writer wants us to read. An Outlook header block or an
   "Original Message" separator whose Subject line starts with FW:, Fwd: or
   Пересл: is a forward too.
3. A reply header cuts: what is below it is the earlier conversation. One
   exception: an attribution ("On ... wrote:") followed by ">"-quoted lines
   with the writer's own unquoted lines between or after them is an inline
   reply. The header and the quoted lines go, the writer's lines stay (and are
   read again by these rules).
4. Lines starting with ">" are dropped wherever they are.
5. "wrote:" in ordinary prose does not cut. An attribution must END its line
   with the verb and a colon ("wrote:", "написал(а):", "пишет:" ...) and also
   either carry a date/time ("On 3 Nov 2026 at 10:00, Ivan wrote:"), or have an
   e-mail address right before the verb ("Ivan <ivan@x> wrote:"), or be a short
   line directly followed by ">"-quoted text ("Иван Петров написал:" above a
   quote). So "I wrote: the cashier fails" and "Yesterday I wrote:" followed by
   plain text are kept.
6. Signature (unless strip_signature=False): the RFC 3676 delimiter line "-- "
   (also "--": many clients drop the trailing space) and everything below it,
   and a trailing phone-client line ("Sent from my iPhone", "Отправлено с
   iPhone", ...). Closing words such as "С уважением, Иван" stay: agents need
   the name. Nothing below a forward marker is treated as our writer's signature.
7. Nothing new: if the mail holds nothing but ">" quotes, reply headers and a
   signature, the new text is "" (the writer really typed nothing). If it holds
   other text that the rules would cut away (a reply header on top of unmarked
   text: an Outlook reply typed below the quote, or an HTML quote that lost its
   ">" marks), we cannot tell old from new and return the whole text with the
   surrounding whitespace stripped: an agent is better served by too much than
   by nothing.

The result has "\\n" line ends and no leading or trailing whitespace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

REPLY = "reply"  # cut here: below is the earlier conversation
FORWARD = "forward"  # keep from here on: the forwarded mail is content

# A header is a short line; longer lines are never tested. The patterns are written so
# that none backtracks more than linearly within a line (no ".*" that can be tried at
# every place another ".*" gave back), and the whole text is read a bounded number of
# times, so a body of 2 MB of look-alike headers costs what any 2 MB body costs.
_MAX_HEADER_CHARS = 300

_VERB_EN = r"wrote"
_VERB_RU = r"(?:написал\(а\)|написала?|писал\(а\)|писала?|пишет)"
_VERB = rf"(?:{_VERB_EN}|{_VERB_RU})"
_TIME_OR_YEAR = r"(?=.*(?:\d{1,2}:\d{2}|\b\d{4}\b))"
_RU_DATE = r"(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}\s+[а-я]+\.?\s+\d{4})"
_QUOTED = re.compile(r"^\s*>")
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_FORWARD_SUBJECT = re.compile(r"^\s*\*?(?:subject|тема)\s?:\*?\s*(?:fw|fwd|пересл)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class _Marker:
    kind: str  # REPLY or FORWARD
    pattern: re.Pattern[str]
    wraps: bool = False  # the client may wrap it over two lines
    inline: bool = False  # it introduces ">" quoting, so inline answers may follow
    next_line: re.Pattern[str] | None = None  # the next non-blank line must match
    outlook: bool = False  # an Outlook-style block: its Subject line may reveal a forward


def _marker(kind: str, pattern: str, **options) -> _Marker:
    next_line = options.pop("next_line", None)
    return _Marker(kind, re.compile(pattern, re.IGNORECASE),
                   next_line=re.compile(next_line, re.IGNORECASE) if next_line else None, **options)


# Ordered: at one line, the first matching row wins. Each row names the clients
# that write it.
_MARKERS: tuple[_Marker, ...] = (
    # Gmail "---------- Forwarded message ---------", Thunderbird "-------- Forwarded Message --------",
    # Yandex, Mail.ru, Gmail ru "-------- Пересылаемое сообщение --------",
    # Thunderbird ru "-------- Перенаправленное сообщение --------".
    _marker(FORWARD, r"^-{2,}\s*(?:forwarded message|пересылаемое сообщение|перенаправленное сообщение)\s*-{2,}$"),
    # Apple Mail "Begin forwarded message:", Apple Mail ru "Начало переадресованного сообщения:".
    _marker(FORWARD, r"^(?:begin forwarded message|начало переадресованного сообщения):$"),
    # Outlook (classic), Thunderbird, Android mailers: "-----Original Message-----",
    # "----- Исходное сообщение -----", "-------- Original message --------".
    _marker(REPLY, r"^-{2,}\s*(?:original message|исходное сообщение)\s*-{2,}$", outlook=True),
    # Outlook, OWA, Outlook for Mac: "From: ..." then "Sent: ..." or "Date: ..." (To:, Subject: follow);
    # Russian Outlook "От: ..." then "Отправлено: ..." or "Дата: ...". Often under a "_____" line.
    _marker(REPLY, r"^\*?(?:from|от)\s?:\*?\s*\S",
            next_line=r"^\s*\*?(?:sent|date|отправлено|дата)\s?:", outlook=True),
    # Gmail, Apple Mail, Thunderbird: "On Mon, 3 Nov 2026 at 10:00, Ivan <ivan@x> wrote:".
    _marker(REPLY, rf"^on\s{_TIME_OR_YEAR}.*\s{_VERB_EN}:$", wraps=True, inline=True),
    # Gmail ru "пн, 3 нояб. 2026 г. в 10:00, Иван <ivan@x>:",
    # Apple Mail ru "3 нояб. 2026 г., в 10:00, Иван <ivan@x> написал(а):".
    _marker(REPLY, r"^(?:[а-я]{2},\s*)?\d{1,2}\s+[а-я]+\.?\s+\d{4}\s*г\.,?\s*в\s+\d{1,2}:\d{2}[^@]*@.*:$",
            wraps=True, inline=True),
    # Yandex: '03.11.2026, 10:00, "Иван" <ivan@x>:'.
    _marker(REPLY, r"^\d{1,2}\.\d{1,2}\.\d{4},\s*\d{1,2}:\d{2},[^@]*@.*:$", wraps=True, inline=True),
    # Mail.ru: "Понедельник, 3 ноября 2026, 10:00 +03:00 от Иван <ivan@x>:". The first " от " is
    # enough (an atomic group: trying each later one in turn would be quadratic).
    _marker(REPLY, r"^[а-я]+,\s*\d{1,2}\s+[а-я]+\s+\d{4},\s*\d{1,2}:\d{2}(?>.*?\sот\s)[^@]*@.*:$",
            wraps=True, inline=True),
    # Thunderbird ru "03.11.2026 10:00, Иван Петров пишет:", other dated Russian attributions.
    _marker(REPLY, rf"^(?:[а-я]{{2}},\s*)?{_RU_DATE}(?=.*\d{{1,2}}:\d{{2}}).*\s{_VERB_RU}:$", wraps=True, inline=True),
    # Older Thunderbird, Evolution, Mutt: "Ivan Petrov <ivan@x> wrote:", "Иван <ivan@x> написал(а):".
    _marker(REPLY, rf"^.*\S@[\w.-]+[>)\]]?\s+{_VERB}:$", inline=True),
    # The Bat!: "Вы писали 3 ноября 2026 г., 10:00:00:", "You wrote:" - only right above a ">" quote.
    _marker(REPLY, r"^(?:вы писали|you wrote)\b.*:$", inline=True, next_line=_QUOTED.pattern),
    # The Bat!, Mutt, plain clients: "Иван Петров написал:", "Ivan wrote:" - only right above a ">" quote.
    _marker(REPLY, rf"^[^>:]{{1,60}}\s{_VERB}:$", inline=True, next_line=_QUOTED.pattern),
)

# RFC 3676 section 4.3 signature delimiter: "-- " alone on a line.
_SIGNATURE_DELIMITER = re.compile(r"^--[ \t]*$")

# The line a phone or desktop mail app appends, possibly with a link
# ("Get Outlook for iOS<https://aka.ms/o0ukef>", or "(https://...)" after HTML conversion).
_CLIENT_SIGNATURE = re.compile(
    r"^(?:"
    r"sent from my [\w .-]{1,40}"  # iOS Mail, Android mailers: "Sent from my iPhone"
    r"|sent from mail for windows(?: 1[01])?"  # Windows 10/11 Mail
    r"|get outlook for (?:ios|android)"  # Outlook mobile
    r"|sent from yahoo mail (?:for|on) \w+"  # Yahoo Mail apps
    r"|отправлено с (?:моего )?(?:iphone|ipad|android|samsung|huawei|honor|xiaomi"
    r"|мобильного(?: устройства| телефона)?|телефона)\b[\w .-]{0,30}"  # iOS Mail ru, Android ru
    r"|отправлено из мобильной почты mail\.ru"  # Mail.ru app
    r"|отправлено из мобильной яндекс\.?\s?почты"  # Yandex app
    r")\.?\s*(?:<[^>\s]*>|\(https?://\S*\))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Found:
    start: int  # first line of the marker (an Outlook "_____" rule above it included)
    end: int  # first line after it
    kind: str
    inline: bool


def new_text(text: str, strip_signature: bool = True) -> str:
    """The part of a reply its writer typed: quotes removed, and the signature unless told not to."""
    lines = text.splitlines()
    own, forwarded = _split(lines)
    if strip_signature:
        own = _without_signature(own)
    result = _join(own + forwarded)
    if result or _only_quotes_and_signature(lines):
        return result
    return text.strip()  # rule 7: the whole mail looks quoted, but it is not only quotes


def strip_quotes(text: str) -> str:
    """The text without quoted conversation; signatures kept. No rule-7 fallback."""
    own, forwarded = _split(text.splitlines())
    return _join(own + forwarded)


def strip_signature(text: str) -> str:
    """The text without its signature; quotes kept, and so is anything from a forward marker on."""
    lines = text.splitlines()
    found = _find_marker(lines, kind=FORWARD)
    cut = found.start if found else len(lines)
    return _join(_without_signature(lines[:cut]) + lines[cut:])


def _split(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the writer's own lines, the forwarded lines kept as they are)."""
    own: list[str] = []
    while True:
        found = _find_marker(lines)
        if found is None:
            return own + _drop_quoted(lines), []
        own += _drop_quoted(lines[:found.start])
        if found.kind == FORWARD:
            return own, lines[found.start:]
        rest = lines[found.end:]
        if not (found.inline and any(_QUOTED.match(line) for line in rest)):
            return own, []
        answers = _drop_quoted(rest)
        if not _starts_with_own_text(answers):
            return own, []
        lines = answers  # an inline reply: read the writer's answers again


def _starts_with_own_text(lines: list[str]) -> bool:
    """Whether the writer typed something here before the next reply header or signature."""
    found = _find_marker(lines)
    if found is not None and found.kind == FORWARD:
        return True
    head = lines[:found.start] if found else lines
    return _has_text(_without_signature(head))


def _find_marker(lines: list[str], kind: str | None = None) -> _Found | None:
    """The first marker (of the given kind, if any) outside ">" quotes."""
    for i in range(len(lines)):
        if found := _marker_at(lines, i, kind):
            return found
    return None


def _marker_at(lines: list[str], i: int, kind: str | None = None) -> _Found | None:
    """The marker (of the given kind, if any) starting at line i."""
    line = lines[i].strip()
    if not line or _QUOTED.match(line):
        return None
    candidates = [(line, i + 1, False)]
    if i + 1 < len(lines) and lines[i + 1].strip() and not _QUOTED.match(lines[i + 1]):
        candidates.append((f"{line} {lines[i + 1].strip()}", i + 2, True))
    for candidate, end, joined in candidates:
        if len(candidate) > _MAX_HEADER_CHARS:
            continue
        for marker in _MARKERS:
            if joined and not marker.wraps:
                continue
            if marker.pattern.match(candidate) and _next_line_fits(marker, lines, end):
                found = _found(marker, lines, i, end)
                if kind is None or found.kind == kind:
                    return found
    return None


def _next_line_fits(marker: _Marker, lines: list[str], end: int) -> bool:
    if marker.next_line is None:
        return True
    following = next((lines[j] for j in range(end, len(lines)) if lines[j].strip()), "")
    return bool(marker.next_line.match(following))


# How far below a header its Subject line may be (_found). No rule tells a run of this many
# blank lines from a longer one.
_SUBJECT_REACH = 8


def _found(marker: _Marker, lines: list[str], start: int, end: int) -> _Found:
    kind = marker.kind
    if marker.outlook and any(_FORWARD_SUBJECT.match(line) for line in lines[start:start + _SUBJECT_REACH]):
        kind = FORWARD  # Outlook writes the same block for a reply and a forward; the subject tells
    above = _text_line_above(lines, start)
    if above >= 0 and _UNDERSCORE_RULE.match(lines[above]):
        start = above  # Outlook's "________________________________" belongs to the header
    return _Found(start, end, kind, marker.inline)


def _drop_quoted(lines: list[str]) -> list[str]:
    """The lines without ">" quotes; a blank line on each side of a dropped quote becomes one."""
    kept: list[str] = []
    after_quote = False
    for line in lines:
        if _QUOTED.match(line):
            after_quote = True
            continue
        if not line.strip():
            if after_quote and kept and not kept[-1].strip():
                continue
        else:
            after_quote = False
        kept.append(line)
    return kept


def _without_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line):
            lines = lines[:i]
            break
    end = len(lines)
    while end and (not lines[end - 1].strip() or _CLIENT_SIGNATURE.match(lines[end - 1].strip())):
        end -= 1
    if end and any(not line.strip() for line in lines[end:]):
        return lines[:end] + [""]  # keep one blank line before whatever follows (a forward)
    return lines[:end]


def _only_quotes_and_signature(lines: list[str]) -> bool:
    """Whether nothing is left once quotes, reply headers and the signature are gone (rule 7).

    Reply headers go one at a time, the first first, until a forward marker. Removing one
    can make only the text line just above it a header (an Outlook "From:" now followed by
    "Sent:", the first half of a wrapped attribution), so the search goes on from there, not
    from the top. `rest` holds the lines read so far plus a few ahead; runs of blank lines
    are kept at most _SUBJECT_REACH long, so "just above" is never far up.
    """
    ahead = 2 * _SUBJECT_REACH + 2  # a header, its next line and the blank lines between, its Subject
    rest: list[str] = []
    pending = iter(lines)
    i = 0
    while True:
        _read_ahead(rest, pending, i + ahead)
        if i >= len(rest):
            break
        found = _marker_at(rest, i)
        if found is None:
            i += 1
            continue
        if found.kind == FORWARD:
            break
        del rest[found.start:found.end]
        _shorten_blank_run(rest, found.start)
        i = max(0, _text_line_above(rest, found.start) - 1)
    rest.extend(pending)
    return not _has_text(_without_signature(_drop_quoted(rest)))


def _read_ahead(rest: list[str], pending: Iterator[str], size: int) -> None:
    """Move lines from pending to rest until it holds `size`, dropping blank lines past _SUBJECT_REACH in a row."""
    blanks = len(rest) - 1 - _text_line_above(rest, len(rest))
    while len(rest) < size and (line := next(pending, None)) is not None:
        blanks = 0 if line.strip() else blanks + 1
        if blanks <= _SUBJECT_REACH:
            rest.append(line)


def _shorten_blank_run(rest: list[str], at: int) -> None:
    """Join two runs of blank lines that a removed header separated into one of at most _SUBJECT_REACH."""
    top = _text_line_above(rest, at) + 1
    bottom = at
    while bottom < len(rest) and not rest[bottom].strip():
        bottom += 1
    del rest[top + _SUBJECT_REACH:bottom]


def _text_line_above(lines: list[str], at: int) -> int:
    """The index of the last non-blank line before `at`, -1 if none."""
    i = at - 1
    while i >= 0 and not lines[i].strip():
        i -= 1
    return i


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() for line in lines)


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()
