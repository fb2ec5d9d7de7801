"""Raw bytes -> InboundMail, with the modern `email` policy. Pure.

Real mail is often broken: a bad header or part becomes a recorded defect, never an
exception. Only a mail with nothing usable at all raises MailError (-> quarantine).
"""
from __future__ import annotations

import email
import email.header
import email.message
import email.policy
import email.utils
import re

from mailproc.errors import MailError
from mailproc.mail import Attachment, InboundMail, RawMail
from mailproc.parse.text import html_to_text, normalize_whitespace

_SURROGATES = re.compile("[\udc80-\udcff]")
_MSGID = re.compile(r"<([^<>\s]+)>")
_POLICY = email.policy.default.clone(max_line_length=0)


def parse_mail(raw: RawMail) -> InboundMail:
    msg = email.message_from_bytes(raw.data, policy=_POLICY)
    defects = [type(d).__name__ for d in msg.defects]
    headers = tuple((name.lower(), _safe_header(msg, name, value, defects)) for name, value in msg.raw_items())
    if not headers and not str(msg.get_payload()).strip():
        raise MailError(raw.uid, None, "no headers and no body: not a mail")

    def first(name: str) -> str:
        return next((v for n, v in headers if n == name), "")

    from_pairs = _addresses([first("from")]) or _addresses([first("sender")]) or _addresses([first("return-path")])
    from_name, from_addr = from_pairs[0] if from_pairs else ("", "")
    text, attachments = _body_and_attachments(msg, defects)
    return InboundMail(
        message_id=next(iter(_message_ids(first("message-id"))), None),
        in_reply_to=_message_ids(first("in-reply-to")),
        references=_message_ids(first("references")),
        from_addr=from_addr,
        from_name=from_name,
        to=tuple(a for _, a in _addresses([v for n, v in headers if n == "to"])),
        cc=tuple(a for _, a in _addresses([v for n, v in headers if n == "cc"])),
        reply_to=tuple(a for _, a in _addresses([first("reply-to")])),
        subject=" ".join(first("subject").split()),
        date=_parse_date(first("date")),
        arrived_at=raw.arrived_at,
        text=text,
        headers=headers,
        content_type=_content_type(msg),
        attachments=tuple(attachments),
        defects=tuple(dict.fromkeys(defects)),
        size=len(raw.data),
    )


def _safe_header(msg, name: str, value, defects: list[str]) -> str:
    if isinstance(value, str) and _SURROGATES.search(value):
        # Raw 8-bit bytes in a header (no RFC 2047): the parser would turn them into U+FFFD.
        defects.append(f"RawBytesInHeader:{name}")
        return _decode_words(" ".join(_decode_bytes(value.encode("ascii", "surrogateescape"), None).split()))
    try:
        return str(msg.policy.header_fetch_parse(name, value))
    except Exception as exc:  # a header the registry cannot model: decode it the lenient way
        defects.append(f"BadHeader:{name}:{type(exc).__name__}")
        return _decode_words(" ".join(str(value).split()))


def _decode_words(value: str) -> str:
    try:
        parts = email.header.decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(_decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode(_guess_cyrillic_charset(data), errors="replace")


def _guess_cyrillic_charset(data: bytes) -> str:
    """Undeclared 8-bit Russian text is windows-1251 or koi8-r: mostly lower-case letters,
    which sit at 0xE0-0xFF in windows-1251 and at 0xC0-0xDF in koi8-r."""
    upper_half = sum(1 for b in data if b >= 0xE0)
    lower_half = sum(1 for b in data if 0xC0 <= b < 0xE0)
    return "koi8-r" if lower_half > upper_half else "cp1251"


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for name, addr in email.utils.getaddresses([v for v in values if v]):
        addr = addr.strip().strip("<>").lower()
        if "@" in addr:
            pairs.append((name.strip(), addr))
    return pairs


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MSGID.findall(value or "")))


def _parse_date(value: str):
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else None


def _content_type(part: email.message.Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _body_and_attachments(msg: email.message.Message, defects: list[str]) -> tuple[str, list[Attachment]]:
    plain, html, attachments = [], [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = _content_type(part)
        filename = _filename(part)
        disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
        if filename or disposition == "attachment" or not ctype.startswith("text/"):
            data = _payload_bytes(part, defects)
            if data is not None:
                attachments.append(Attachment(filename or "", ctype, data))
        elif ctype == "text/html":
            html.append(_part_text(part, defects))
        else:
            plain.append(_part_text(part, defects))
    if any(p.strip() for p in plain):
        text = "\n\n".join(p for p in plain if p.strip())
    else:
        text = "\n\n".join(html_to_text(h) for h in html)
    return normalize_whitespace(text), attachments


def _filename(part: email.message.Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return ""


def _payload_bytes(part: email.message.Message, defects: list[str]) -> bytes | None:
    try:
        return part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"UndecodablePayload:{type(exc).__name__}")
        return None


def _part_text(part: email.message.Message, defects: list[str]) -> str:
    try:
        text = part.get_content()
        if "\ufffd" not in text:
            return text
        defects.append("UndecodableText:replacement characters")
    except Exception as exc:  # unknown charset, broken transfer encoding
        defects.append(f"UndecodableText:{type(exc).__name__}")
    data = _payload_bytes(part, defects) or b""
    return _decode_bytes(data, part.get_content_charset())
