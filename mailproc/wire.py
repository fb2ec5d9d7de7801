"""The bytes of outgoing mail as every relay and mail program reads them: format=flowed text
(RFC 3676), the Subject as RFC 2047 encoded-words with the tag in plain ASCII, parts and
addresses that need no re-encoding on the way. Pure.
"""
from __future__ import annotations

import base64
import email.message
import email.policy
import io
import re
import secrets


def html_part(html: str, policy: email.policy.EmailPolicy) -> email.message.EmailMessage:
    # Quoted-printable lines are at most 76 characters (RFC 2045 §6.7); the email package would
    # use the header limit of the policy, 78.
    part = email.message.EmailMessage(policy=policy.clone(max_line_length=76))
    part.set_content(html, subtype="html", cte="quoted-printable")
    del part["MIME-Version"]  # set_content makes a whole message of it; a part needs none
    return part


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


def encode_subject(subject: str) -> str:
    """The Subject as it goes on the wire, folded with CRLF: ASCII words as they are (so the tag
    [KB-000123] stays greppable), each run of other words as UTF-8 encoded-words (RFC 2047: at
    most 75 characters; lines of at most 78). The spaces inside a run are encoded too: white
    space between two encoded-words is dropped by the reader (the stdlib folder's "Не могу" ->
    "Немогу" bug)."""
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
    tokens += [*_encoded_words(" ".join(run)), *between]
    lines = ["Subject:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > 78 and lines[-1] != "Subject:":
            lines.append("")
        lines[-1] += " " + token
    return "\r\n".join(lines)[len("Subject: "):]


def _plain(word: str) -> bool:
    """A word that may stand in a header as it is: printable ASCII, not mistaken for an encoded-word."""
    return all(33 <= ord(c) <= 126 for c in word) and "=?" not in word and len(word) <= 70


def _encoded_words(text: str) -> list[str]:
    """Text as base64 or Q encoded-words (whichever is shorter), each at most 69 characters and
    holding whole characters only (RFC 2047 §5)."""
    if not text:
        return []
    words, chunk = [], ""
    for char in text:
        if len(_encoded_word(chunk + char)) > _ENCODED_WORD_MAX:
            words.append(_encoded_word(chunk))
            chunk = ""
        chunk += char
    return words + [_encoded_word(chunk)]


def _encoded_word(text: str) -> str:
    data = text.encode("utf-8")
    b = "=?utf-8?b?" + base64.b64encode(data).decode("ascii") + "?="
    q = "=?utf-8?q?" + "".join(chr(c) if chr(c).isalnum() and c < 128 else "_" if c == 32 else f"={c:02X}"
                               for c in data) + "?="
    return min(b, q, key=len)


def attachment_placeholder() -> bytes:
    """Stand-in content of an attachment while the mail is generated: its base64 line is unique,
    so `splice_base64` can put the real content in its place."""
    return secrets.token_bytes(45)  # one base64 line of 60 characters


_PIECE = 57 * 1024  # bytes encoded at a time: whole 76-character base64 lines


def splice_base64(out: io.BytesIO, generated: bytes, contents: list[tuple[bytes, bytes]]) -> None:
    """Write `generated` with the base64 line of each placeholder replaced by its content in
    base64, encoded piece by piece: a 25 MB screenshot forwarded to the agents is not held as
    bytes, as text and as generated mail all at once."""
    rest = generated
    for placeholder, content in contents:
        before, found, rest = rest.partition(base64.b64encode(placeholder) + b"\r\n")
        if not found:
            raise ValueError("an attachment's placeholder is missing from the generated mail")
        out.write(before)
        view = memoryview(content)
        for start in range(0, len(view), _PIECE):
            out.write(base64.encodebytes(view[start:start + _PIECE]).replace(b"\n", b"\r\n"))
    out.write(rest)
