"""Header values and charsets the way the sender's mail program meant them. Pure.

Real mail breaks RFC 2047 and RFC 5322 in well-known ways: raw 8-bit text beside
encoded words, an unquoted "@" or an old-style "(comment)" as the display name,
charset names Python does not know. Each piece of a header is decoded by what it is,
and addresses are read from the raw header before anything is decoded, so a decoded
display name can never add a recipient.
"""
from __future__ import annotations

import binascii
import codecs
import re
from typing import cast

from mailproc.mail import fold_address

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_PLAIN = re.compile(r'[^"(<,;:]*')  # address-header text up to the next special character
_SURROGATES = re.compile("[\udc80-\udcff]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # line breaks of every kind among them
# Charset names mail programs write that Python's codec registry does not know.
_CHARSET_ALIASES = {"ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "unicode-1-1-utf-7": "utf-7",
                    "x-unknown": "utf-8", "unknown-8bit": "utf-8", "gb2312": "gb18030"}


def python_charset(name: str | None) -> str | None:
    """The codec for a MIME charset name, or None: "iso-8859-8-i" (Hebrew in logical
    order), "x-mac-cyrillic", "win-1251" and "cp-1251" name codecs Python has under another
    name; ISO-8859-1 is read as its superset windows-1252, as browsers do (Outlook's "…"
    and curly quotes sit where ISO-8859-1 has control characters)."""
    name = (name or "").strip().strip("\"'").lower().split("*")[0]
    bare = re.sub(r"^x-|-[ie]$", "", name)
    numbered = re.sub(r"^(?:win|windows|cp|ms)[-_]?(\d+)$", r"cp\1", bare)
    for candidate in filter(None, (_CHARSET_ALIASES.get(name, name), bare, numbered)):
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):  # unknown, or not even a name (NUL, raw 8-bit bytes)
            continue
        if info._is_text_encoding:  # not a bytes-to-bytes codec such as "base64" (bytes.decode refuses those)
            return "cp1252" if info.name == "iso8859-1" else candidate
    return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """UTF-8 when the 8-bit data is valid UTF-8 (legacy-charset text practically never
    is, while mail programs often declare their default charset over UTF-8), else the
    declared charset, else the likelier Cyrillic 8-bit charset. 7-bit data the declared
    charset rejects is an ISO-2022 text with characters beyond the standard (Japanese
    mail programs write NEC's): decoding it otherwise would only keep the escapes."""
    declared = python_charset(charset)
    text = None if data.isascii() else _utf8(data)
    if text is not None:
        return text
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            if data.isascii():
                return data.decode(declared, errors="replace")
    return data.decode(_guess_cyrillic_charset(data), errors="replace")


def _utf8(data: bytes) -> str | None:
    """UTF-8 text, also when cut in the middle of its last character (a name cut to a
    length limit), or None."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = exc.reason == "unexpected end of data" and not data[:exc.start].isascii()
        return data.decode("utf-8", errors="replace") if cut else None


def _guess_cyrillic_charset(data: bytes) -> str:
    """Undeclared 8-bit Russian text is windows-1251 or koi8-r: mostly lower-case letters,
    which sit at 0xE0-0xFF in windows-1251 and at 0xC0-0xDF in koi8-r."""
    upper_half = sum(1 for b in data if b >= 0xE0)
    lower_half = sum(1 for b in data if 0xC0 <= b < 0xE0)
    return "koi8-r" if lower_half > upper_half else "cp1251"


def _raw_text(value: str, charset: str | None) -> str:
    """A raw header piece (the parser keeps 8-bit bytes as surrogates): UTF-8, else the
    charset the mail declares elsewhere."""
    if not _SURROGATES.search(value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), charset)


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "qQ":
        return binascii.a2b_qp(text.encode("ascii", "surrogateescape"), header=True)
    text = re.sub(r"[^A-Za-z0-9+/]", "", text)
    text = text[:-1] if len(text) % 4 == 1 else text  # a stray character: keep what decodes
    return binascii.a2b_base64((text + "=" * (-len(text) % 4)).encode())


def decode_text(value: str, mail_charset: str | None = None) -> str:
    """A raw header value (or parameter) as one line of text: encoded words decoded by
    their charset, the whitespace between adjacent ones dropped (RFC 2047 §6.2) and their
    bytes joined first (mail programs split a character across words), raw 8-bit text
    beside them read as UTF-8 or the charset of those words or of the mail, control
    characters gone."""
    pieces: list[str] = []
    run_charset, run = None, b""  # adjacent encoded words in one charset, not yet decoded
    words = list(_ENCODED_WORD.finditer(value))
    hint = words[0].group(1) if words else mail_charset
    pos = 0
    for word in words:
        between, charset = value[pos:word.start()], word.group(1).split("*")[0].lower()
        if pos == 0 or between.strip() or charset != run_charset:
            pieces.append(decode_bytes(run, run_charset))
            run = b""
        if pos == 0 or between.strip():
            pieces.append(_raw_text(between, hint))
        run_charset, pos = charset, word.end()
        run += _word_bytes(word.group(2), word.group(3))
    pieces += [decode_bytes(run, run_charset), _raw_text(value[pos:], hint)]
    return " ".join(_CONTROLS.sub(" ", "".join(pieces)).split())


class _Mailbox:
    """One comma-separated item of an address header, split into what RFC 5322 says it is."""

    def __init__(self) -> None:
        self.phrase: list[str] = []  # display-name text, quoted or not, in order
        self.written: list[str] = []  # the same as written, quotes kept: a bare address's local part
        self.comments: list[str] = []
        self.angle: str | None = None
        self.has_at = False  # an "@" in the phrase: a ":" after it is no group name

    def add(self, text: str, written: str) -> None:
        self.phrase.append(text)
        self.written.append(written)
        self.has_at = self.has_at or "@" in text

    def pair(self, mail_charset: str | None) -> tuple[str, str] | None:
        if self.angle is not None:
            addr, name = _without_comments(self.angle).rpartition(":")[2], "".join(self.phrase)  # no source route
        else:  # "Big Bug bb@bug.com": the word with the "@" is the address
            addr, name = "".join(self.written), ""
            words = addr.split()
            if '"' not in addr and len(words) > 1 and "@" in words[-1]:
                addr, name = words[-1], " ".join(words[:-1])
        addr = fold_address(_raw_text(addr.strip() if '"' in addr else "".join(addr.split()), None))
        if "@" not in addr.strip("@") or _CONTROLS.search(addr):
            return None
        return decode_text(name, mail_charset) or decode_text(" ".join(self.comments), mail_charset), addr


def addresses(values: list[str], mail_charset: str | None = None) -> list[tuple[str, str]]:
    """(display name, bare lower-case address) pairs of raw address headers.

    The address is the part in angle brackets whatever the name holds (an unquoted
    "@", an encoded "\\r\\nBcc: ..."), or the bare address, whose "(comment)" is then
    the name. Group names ("undisclosed-recipients:;") and items with no address are dropped.
    """
    pairs = []
    for value in values:
        for box in _mailboxes(value):
            pair = box.pair(mail_charset)
            if pair:
                pairs.append(pair)
    return pairs


def _mailboxes(value: str) -> list[_Mailbox]:
    boxes, box, i = [], _Mailbox(), 0
    while i < len(value):
        char = value[i]
        if box.angle is not None and char in " \t\r\n":
            i += 1
            continue
        if box.angle is not None and char not in "(,;":
            boxes.append(box)  # "A <a@x> B <b@x>": a comma forgotten between two mailboxes
            box = _Mailbox()
        if char == '"':
            end = _quoted_end(value, i)
            box.add(re.sub(r"\\(.)", r"\1", value[i + 1:end]), value[i:end + 1])
            i = end + 1
        elif char == "(":
            end = _comment_end(value, i)
            box.comments.append(value[i + 1:end])
            i = end + 1
        elif char == "<":
            end = value.find(">", i)
            end = len(value) if end < 0 else end
            box.angle = value[i + 1:end]
            i = end + 1
        elif char in ",;":
            boxes.append(box)
            box, i = _Mailbox(), i + 1
        elif char == ":" and box.angle is None and not box.has_at:
            box, i = _Mailbox(), i + 1  # "Group name:" starts a group: the name is no mailbox
        else:
            end = max(cast(re.Match[str], _PLAIN.match(value, i)).end(), i + 1)  # it matches, maybe empty
            box.add(value[i:end], value[i:end])
            i = end
    boxes.append(box)
    return boxes


def _quoted_end(value: str, start: int) -> int:
    i = start + 1
    while i < len(value) and value[i] != '"':
        i += 2 if value[i] == "\\" else 1
    return min(i, len(value))


def _comment_end(value: str, start: int) -> int:
    depth, i = 0, start
    while i < len(value):
        if value[i] == "\\":
            i += 1
        elif value[i] == "(":
            depth += 1
        elif value[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(value)


def _without_comments(text: str) -> str:
    kept, i = [], 0
    while i < len(text):
        if text[i] == "(":
            i = _comment_end(text, i) + 1
        else:
            kept.append(text[i])
            i += 1
    return "".join(kept)
