"""The bytes of outgoing mail as every relay and mail program reads them: header fields folded
at 78 characters (RFC 5322), the Subject and names as RFC 2047 encoded-words with the tag in plain
ASCII, file names as RFC 2231 parameters, format=flowed text (RFC 3676), MIME parts (RFC 2045,
2046) that need no re-encoding on the way. Written here directly: the email package's header
registry parses every value it is given again, which cost more than all the rest of a mail. Pure.
"""
from __future__ import annotations

import binascii
import email.utils
import functools
import io
import re
import secrets
import urllib.parse
from typing import Iterable, Iterator, Sequence

from mailproc.mail import Attachment

LINE = 78  # the length a header line should not pass (RFC 5322 §2.1.1)


def field(name: str, tokens: Iterable[str], joiner: str = " ") -> str:
    """`name: tokens` with its CRLF, folded before a token that would take a line past 78
    characters; `joiner` ends the line before the fold without its space (", " -> ",")."""
    lines = [f"{name}:"]
    bare, mark = len(lines[0]), joiner.rstrip()
    for token in tokens:
        if len(lines[-1]) == bare:
            lines[-1] += " " + token
        elif len(lines[-1]) + len(joiner) + len(token) + len(mark) > LINE:
            lines[-1] += mark
            lines.append(" " + token)
        else:
            lines[-1] += joiner + token
    return "\r\n".join(lines) + "\r\n"


@functools.lru_cache(maxsize=16)
def mailbox(name: str, address: str) -> tuple[str, ...]:
    """`Name <address>` as the words of a header field: a name in ASCII as it is (quoted when it
    holds specials), any other as encoded-words."""
    if name.isascii():
        return tuple(re.split(r" (?=\S)", email.utils.formataddr((name, address))))  # no line of blanks alone
    return (*_phrase_words(name), f"<{address}>")


def _phrase_words(name: str) -> list[str]:
    """A display name as encoded-words that end after a space, the space inside: readers drop the
    white space between two encoded-words (RFC 2047 §6.2); those that keep it (the email package
    for names) then show one space more, never a word cut in two. A word too long for one
    encoded-word is cut between characters."""
    texts = [""]
    for piece in re.findall(r"\S+\s*", name):
        if len(_encoded_words(texts[-1] + piece)) == 1:
            texts[-1] += piece
        else:
            texts.append(piece)
    return [word for text in texts for word in _encoded_words(text)]


def ascii_domain(address: str) -> str:
    """An address with an international domain name written with its ASCII (IDNA) form, so it
    needs no SMTPUTF8; the local part is kept as it is."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # not a valid IDN: left for the SMTP server to refuse, with a reason
        return address


def transfer_encoding(text: str) -> str:
    if any(len(line.encode()) > 998 for line in text.split("\n")):
        return "quoted-printable"  # a word too long to break: 8bit lines may not exceed 998 octets
    return "7bit" if text.isascii() else "8bit"


FLOW_WIDTH = 72


def flowed(text: str, width: int = FLOW_WIDTH) -> str:
    """Text as format=flowed: lines over 78 characters broken at spaces, each piece but the last
    ending with a space (a soft break the reader's program joins again); no other line ends with a
    space; a line that starts with a space or "From " is space-stuffed."""
    out = []
    for line in text.split("\n"):
        pieces = _soft_broken(line if line == "-- " else line.rstrip(" "), width)
        out += [(" " + p if p.startswith((" ", "From ")) or (i and p.startswith(">")) else p)
                for i, p in enumerate(pieces)]
    return "\n".join(out)


def _soft_broken(line: str, width: int) -> list[str]:
    if line.startswith(">"):
        return [line]  # a quoted line keeps its quote marks only as a whole
    pieces = []
    while len(line) > 78:
        cut = line.rfind(" ", 0, width)
        cut = cut if cut > 0 else line.find(" ", width)
        if cut < 0:
            break
        pieces.append(line[:cut + 1])
        line = line[cut + 1:]
    return pieces + [line]


_ENCODED_WORD_MAX = 69  # RFC 2047 allows 75; 69 fits beside "Subject: " within 78
_TAG_WORD = re.compile(r"\[[A-Za-z0-9]+-\d+\]")


def subject_words(subject: str) -> list[str]:
    """The words of the Subject as it goes on the wire: ASCII words as they are (so the tag
    [KB-000123] stays greppable), each run of other words as UTF-8 encoded-words (RFC 2047: at
    most 75 characters, so that folded lines stay within 78). The spaces inside a run are encoded
    too: white space between two encoded-words is dropped by the reader (the stdlib folder's
    "Не могу" -> "Немогу" bug)."""
    tokens: list[str] = []
    run: list[str] = []
    between: list[str] = []  # ASCII words after a run: they join it when another non-ASCII word follows
    for word in subject.split():
        if not _plain(word):
            run += [*between, word]
            between = []
        elif run and not _TAG_WORD.fullmatch(word):
            between.append(word)
        else:
            tokens += [*_encoded_words(" ".join(run)), *between, word]
            run, between = [], []
    return tokens + [*_encoded_words(" ".join(run)), *between]


def _plain(word: str) -> bool:
    """A word that may stand in a header as it is: printable ASCII, not mistaken for an encoded-word."""
    return all(33 <= ord(c) <= 126 for c in word) and "=?" not in word and len(word) <= 70


def _encoded_words(text: str) -> list[str]:
    """Text as base64 or Q encoded-words (whichever is shorter), each at most 69 characters and
    holding whole characters only (RFC 2047 §5)."""
    words, start, octets, q_length = [], 0, 0, 0
    for at, char in enumerate(text):
        char_octets, char_q = _sizes(char)
        b_length = 12 + 4 * -(-(octets + char_octets) // 3)  # "=?utf-8?b?" ... "?="
        if min(b_length, 12 + q_length + char_q) > _ENCODED_WORD_MAX and at > start:
            words.append(_encoded_word(text[start:at], q_length))
            start, octets, q_length = at, 0, 0
        octets, q_length = octets + char_octets, q_length + char_q
    return words + [_encoded_word(text[start:], q_length)] if text else []


@functools.lru_cache(maxsize=1024)
def _sizes(char: str) -> tuple[int, int]:
    """A character's octets in UTF-8 and its length in Q encoding."""
    data = char.encode("utf-8")
    return len(data), sum(1 if c == 32 or (c < 128 and chr(c).isalnum()) else 3 for c in data)


def _encoded_word(text: str, q_length: int) -> str:
    """`text` in base64, or in Q when that is shorter (`q_length`: its length in Q)."""
    data = text.encode("utf-8")
    if 4 * -(-len(data) // 3) <= q_length:
        return "=?utf-8?b?" + binascii.b2a_base64(data, newline=False).decode("ascii") + "?="
    return "=?utf-8?q?" + "".join(chr(c) if chr(c).isalnum() and c < 128 else "_" if c == 32 else f"={c:02X}"
                                  for c in data) + "?="


def filename(name: str) -> list[str]:
    """The filename parameter of Content-Disposition as the words of the field: quoted when it is
    short printable ASCII, else percent-encoded UTF-8 (RFC 2231), in numbered pieces when long."""
    quoted = f'filename="{name}"'
    if name.isascii() and name.isprintable() and not any(c in name for c in '"\\') and len(quoted) < LINE - 1:
        return [quoted]
    pieces = ["utf-8''"]
    for char in name:  # whole characters in each piece: some programs decode the pieces one by one
        encoded = urllib.parse.quote(char, safe="")
        if len(pieces[-1]) + len(encoded) > 60:
            pieces.append("")
        pieces[-1] += encoded
    if len(pieces) == 1:
        return [f"filename*={pieces[0]}"]
    return [f"filename*{n}*={piece}" for n, piece in enumerate(pieces)]


_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
Part = Iterable[bytes]  # a MIME part's header fields, blank line and content, in pieces


def write_body(out: io.BytesIO, text: str, html: str | None, attachments: Sequence[Attachment]) -> None:
    """MIME-Version, the Content-* fields and the body: `text` as format=flowed plain text, in
    8bit when it is not ASCII (send.py makes it quoted-printable for a server without 8BITMIME);
    `html`, when given, its alternative; then the attachments in base64."""
    body = _text_part("plain", text, transfer_encoding(text), '; format="flowed"')
    if html is not None:  # quoted-printable: HTML lines may be of any length
        body = _multipart("alternative", text, [body, _text_part("html", html, "quoted-printable")])
    if attachments:
        body = _multipart("mixed", text, [body, *map(_attachment, attachments)])
    out.write(b"MIME-Version: 1.0\r\n")
    out.writelines(body)


def _text_part(subtype: str, text: str, encoding: str, params: str = "") -> Part:
    content = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    if encoding == "quoted-printable":  # lines of at most 76 characters (RFC 2045 §6.7)
        content = binascii.b2a_qp(content, istext=True)
    return (f'Content-Type: text/{subtype}; charset="utf-8"{params}\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode("ascii") + content,


def _multipart(subtype: str, text: str, parts: list[Part]) -> Iterator[bytes]:
    boundary = _boundary(text)
    yield field("Content-Type", (f"multipart/{subtype}", f'boundary="{boundary}"'), "; ").encode("ascii") + b"\r\n"
    for part in parts:
        yield f"--{boundary}\r\n".encode("ascii")
        yield from part
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode("ascii")


def _boundary(text: str) -> str:
    """A boundary the plain text does not hold; "=_" can stand neither in quoted-printable nor in
    base64, the encodings of the other parts."""
    while (boundary := f"=_{secrets.token_hex(16)}") in text:
        pass
    return boundary


_PIECE = 57 * 1024  # bytes encoded at a time: whole 76-character base64 lines


def _attachment(part: Attachment) -> Iterator[bytes]:
    """The file in base64 lines of 76 characters, encoded piece by piece: a 25 MB screenshot
    forwarded to the agents is not held as bytes and as base64 text all at once."""
    content_type = part.content_type if _MIME_TYPE.fullmatch(part.content_type) else "application/octet-stream"
    yield (f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
           + field("Content-Disposition", ("attachment", *filename(part.filename)), "; ") + "\r\n").encode("ascii")
    view = memoryview(part.data)
    for start in range(0, len(view), _PIECE):
        encoded = binascii.b2a_base64(view[start:start + _PIECE], newline=False)
        yield b"\r\n".join([encoded[at:at + 76] for at in range(0, len(encoded), 76)]) + b"\r\n"
