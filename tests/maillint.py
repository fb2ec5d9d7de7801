"""A lint of the bytes of one outgoing mail against the rules of RFC 5322, 2045, 2047, 3676,
6152 and 6531 that mail programs, filters and relays rely on. Returns what is wrong, one
line each; nothing when the mail is clean.

    errors = lint(data, mail_options=envelope.mail_options)
"""
from __future__ import annotations

import base64
import binascii
import email
import email.errors
import email.policy
import email.utils
import re

_FIELD_NAME = re.compile(rb"[!-9;-~]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_MSG_ID = re.compile(rf"<{_ATOM}(\.{_ATOM})*@{_ATOM}(\.{_ATOM})*>")
_UNSTRUCTURED = {"subject", "comments", "x-loop"}
_ONCE = ("from", "date", "message-id", "subject", "to", "mime-version")
_CTES = {"7bit", "8bit", "quoted-printable", "base64"}


def lint(data: bytes, mail_options: list[str] = ()) -> list[str]:
    options = {o.upper() for o in mail_options}
    errors = _line_endings(data)
    head, _, body = data.partition(b"\r\n\r\n")
    errors += _header_section(head, smtputf8="SMTPUTF8" in options)
    smtputf8 = "SMTPUTF8" in options  # RFC 6532: UTF-8 in headers, e.g. an address's local part
    msg = email.message_from_bytes(data, policy=email.policy.default)
    errors += _addresses_and_ids(email.message_from_string(data.decode("utf-8", "replace"), policy=email.policy.default)
                                 if smtputf8 else msg, smtputf8)
    if not body.isascii() and "BODY=8BITMIME" not in options:
        errors.append("RFC 6152: 8-bit octets in the body but the envelope has no BODY=8BITMIME")
    errors += _mime(msg)
    return errors


def _line_endings(data: bytes) -> list[str]:
    errors = []
    if re.search(rb"(?<!\r)\n", data):
        errors.append("RFC 5322 §2.3: bare LF")
    if re.search(rb"\r(?!\n)", data):
        errors.append("RFC 5322 §2.3: bare CR")
    long = [n for n, line in enumerate(data.split(b"\r\n"), 1) if len(line) > 998]
    if long:
        errors.append(f"RFC 5322 §2.1.1: line(s) {long[:5]} longer than 998 octets")
    return errors


def _header_section(head: bytes, smtputf8: bool) -> list[str]:
    errors, fields = [], []
    for n, line in enumerate(head.split(b"\r\n"), 1):
        if len(line) > 78:
            errors.append(f"RFC 5322 §2.1.1: header line {n} is {len(line)} characters (78 at most)")
        if not line.isascii() and not smtputf8:
            errors.append(f"RFC 5322 §2.2: header line {n} has 8-bit octets without SMTPUTF8 (RFC 6531)")
        if line[:1] in (b" ", b"\t"):
            if not fields:
                errors.append("RFC 5322 §2.2: the header section starts with a continuation line")
            else:
                fields[-1][1].append(line)
            continue
        name, colon, _ = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            errors.append(f"RFC 5322 §2.2: header line {n} is not a field: {line[:40]!r}")
            continue
        fields.append((name.decode().lower(), [line[len(name) + 1:]]))
    for once in _ONCE:
        count = sum(name == once for name, _ in fields)
        if count != 1:
            errors.append(f"RFC 5322 §3.6: {count} {once} field(s), must be exactly one")
    for name, lines in fields:
        value = b"\r\n".join(lines).decode("utf-8", "replace")
        errors += [f"{name}: {e}" for e in _encoded_words(value, unstructured=name in _UNSTRUCTURED)]
        if name == "subject":
            errors += _tag_in_plain_text(value)
    return errors


def _encoded_words(value: str, unstructured: bool) -> list[str]:
    errors = []
    for match in _ENCODED_WORD.finditer(value):
        word, (charset, encoding, text) = match[0], match.groups()
        if len(word) > 75:
            errors.append(f"RFC 2047 §2: encoded-word of {len(word)} characters (75 at most): {word[:30]}…")
        before, after = value[match.start() - 1:match.start()], value[match.end():match.end() + 1]
        if unstructured and (before not in ("", " ", "\t", "\n") or after not in ("", " ", "\t", "\r")):
            errors.append(f"RFC 2047 §5: encoded-word not set off by white space: {word[:30]}…")
        try:
            raw = base64.b64decode(text, validate=True) if encoding in "bB" else \
                re.sub(r"=([0-9A-Fa-f]{2})", lambda m: chr(int(m[1], 16)), text.replace("_", " ")).encode("latin-1")
            raw.decode(charset)
        except (binascii.Error, LookupError, UnicodeError, ValueError) as exc:
            errors.append(f"RFC 2047 §5: encoded-word does not decode ({exc}): {word[:30]}…")
    return errors


def _tag_in_plain_text(value: str) -> list[str]:
    decoded = str(email.policy.default.header_factory("subject", value.replace("\r\n", "")))
    tags = re.findall(r"\[[A-Z0-9]+-\d+\]", decoded)
    missing = [t for t in tags if t not in value]
    return [f"the ticket tag {t} is not in the raw Subject as plain ASCII" for t in missing]


def _addresses_and_ids(msg, smtputf8: bool) -> list[str]:
    errors = []
    for name in ("message-id", "in-reply-to"):
        value = str(msg.get(name) or "").strip()
        if value and not _MSG_ID.fullmatch(value):
            errors.append(f"RFC 5322 §3.6.4: {name} is not one msg-id: {value[:60]}")
    references = str(msg.get("references") or "").split()
    bad = [r for r in references if not _MSG_ID.fullmatch(r)]
    if bad:
        errors.append(f"RFC 5322 §3.6.4: References holds what is not a msg-id: {bad[:2]}")
    try:
        email.utils.parsedate_to_datetime(str(msg.get("date", "")))
    except (TypeError, ValueError):
        errors.append(f"RFC 5322 §3.3: Date is not a date-time: {msg.get('date')}")
    parent = str(msg.get("in-reply-to") or "").strip()
    if parent and references and references[-1] != parent:
        errors.append("RFC 5322 §3.6.4: References does not end with the parent (In-Reply-To)")
    for name in ("from", "to", "cc", "reply-to"):
        header = msg.get(name)
        if header is None:
            continue
        defects = [d for d in header.defects
                   if not (smtputf8 and isinstance(d, email.errors.NonASCIILocalPartDefect))]
        if defects or not header.addresses:
            errors.append(f"RFC 5322 §3.4: {name} is not a valid address list: {defects}")
    return errors


def _mime(msg) -> list[str]:
    errors = []
    if str(msg.get("mime-version", "")).strip() != "1.0":
        errors.append("RFC 2045 §4: MIME-Version: 1.0 missing")
    for part in msg.walk():
        ctype = part.get_content_type()
        errors += [f"{ctype}: parser defect {type(d).__name__}" for d in part.defects]
        if part.is_multipart():
            continue
        cte = str(part.get("content-transfer-encoding", "7bit")).strip().lower()
        if cte not in _CTES:
            errors.append(f"RFC 2045 §6.1: {ctype} has transfer encoding {cte!r}")
        if part.get_content_maintype() == "text" and not part.get_param("charset"):
            errors.append(f"RFC 2045 §5.2: {ctype} declares no charset")
        payload = part.get_payload(decode=False)
        raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        if cte == "7bit" and not raw.isascii():
            errors.append(f"RFC 2045 §2.7: {ctype} says 7bit but holds 8-bit octets")
        if cte in ("quoted-printable", "base64") and any(len(line) > 76 for line in raw.splitlines()):
            errors.append(f"RFC 2045 §6.7/6.8: {ctype} has encoded lines over 76 characters")
        if ctype == "text/plain" and str(part.get_param("format") or "").lower() == "flowed":
            errors += _flowed(part.get_content())
    return errors


def _flowed(text: str) -> list[str]:
    """RFC 3676 §4.2: lines of at most 78 characters (but a single word), space-stuffed where needed."""
    errors = []
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if len(line) > 78 and " " in line.strip():
            errors.append(f"RFC 3676 §4.2: flowed line {n} is {len(line)} characters and could be broken")
        if line.startswith("From "):
            errors.append(f"RFC 3676 §4.4: flowed line {n} starts with 'From ' and is not space-stuffed")
    return errors
