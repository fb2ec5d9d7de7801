"""Raw bytes -> InboundMail, with the modern `email` policy. Pure.

Real mail is often broken: a bad header or part becomes a recorded defect, never an
exception. Only a mail with nothing usable at all raises MailError (-> quarantine).
"""
from __future__ import annotations

import binascii
import email
import email.header
import email.message
import email.parser
import email.policy
import email.utils
import re

from mailproc.errors import MailError
from mailproc.mail import Attachment, InboundMail, RawMail
from mailproc.parse.filenames import safe_filename
from mailproc.parse.text import html_to_text, normalize_whitespace, unflow

_SURROGATES = re.compile("[\udc80-\udcff]")
_MSGID = re.compile(r"<([^<>\s]+)>")
_POLICY = email.policy.default.clone(max_line_length=0)
_CHUNK = 1 << 16


def parse_mail(raw: RawMail) -> InboundMail:
    msg = _parse_bytes(raw.data)
    defects = [type(d).__name__ for d in msg.defects]
    headers = _decoded_headers(msg, defects)
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


def _parse_bytes(data: bytes) -> email.message.Message:
    """Feed the parser in chunks: fed whole, it splits the entire mail into lines at once
    (for a 25 MB attachment the peak grows by a third, see `make bench`)."""
    parser = email.parser.BytesFeedParser(policy=_POLICY)
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        parser.feed(bytes(view[start:start + _CHUNK]))
    return parser.close()


def _decoded_headers(msg: email.message.Message, defects: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), _safe_header(msg, name, value, defects)) for name, value in msg.raw_items())


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


MAX_DEPTH = 12  # nested multiparts / forwards; deeper is an attack or a loop, not a client


class _Parts:
    """What the walk collects: text of the readable alternative, every attachment."""

    def __init__(self, defects: list[str]):
        self.texts: list[str] = []
        self.attachments: list[Attachment] = []
        self.defects = defects


def _body_and_attachments(msg: email.message.Message, defects: list[str]) -> tuple[str, list[Attachment]]:
    parts = _Parts(defects)
    _walk(msg, parts, depth=0, wants_text=True)
    return normalize_whitespace("\n\n".join(t for t in parts.texts if t.strip())), parts.attachments


def _walk(part: email.message.Message, parts: _Parts, depth: int, wants_text: bool) -> None:
    if depth > MAX_DEPTH:
        parts.defects.append("NestedTooDeep")
        return
    ctype = _content_type(part)
    disposition = _disposition(part)
    if ctype == "message/rfc822" and disposition != "attachment":
        _walk_forward(part, parts, depth, wants_text)
    elif part.is_multipart() and ctype != "message/rfc822":
        children = _children(part, parts.defects)
        # Alternatives carry the same text: read one, but keep images from all (inline screenshots).
        best = _best_alternative(children) if ctype == "multipart/alternative" else None
        for child in children:
            _walk(child, parts, depth + 1, wants_text and (best is None or child is best))
    elif ctype in ("text/plain", "text/html") and disposition != "attachment" and not _filename(part):
        if wants_text:
            text = _part_text(part, parts.defects)
            if ctype == "text/html":
                text = html_to_text(text)
            elif str(part.get_param("format") or "").lower() == "flowed":
                text = unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
            parts.texts.append(text)
    else:
        data = _attached_mail_bytes(part, parts.defects) if ctype == "message/rfc822" else \
            _payload_bytes(part, parts.defects)
        if data is not None:
            parts.attachments.append(Attachment(safe_filename(_filename(part), _default_name(ctype)), ctype, data))


def _walk_forward(part: email.message.Message, parts: _Parts, depth: int, wants_text: bool) -> None:
    """An inline forwarded mail: its text is what the client wants us to read."""
    inner = _children(part, parts.defects)
    if not inner:
        return
    if wants_text:
        shown = {"from": "From", "date": "Date", "subject": "Subject"}
        parts.texts.append("---------- Forwarded message ----------\n" + "\n".join(
            f"{shown[name]}: {value}" for name, value in _decoded_headers(inner[0], parts.defects) if name in shown))
    _walk(inner[0], parts, depth + 1, wants_text)


def _attached_mail_bytes(part: email.message.Message, defects: list[str]) -> bytes | None:
    inner = _children(part, defects)
    try:
        return inner[0].as_bytes() if inner else None
    except Exception as exc:  # the generator trips over what the parser let through
        defects.append(f"UnserialisableAttachedMail:{type(exc).__name__}")
        return None


def _children(part: email.message.Message, defects: list[str]) -> list[email.message.Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, email.message.Message)]
    defects.append(f"MultipartWithoutParts:{_content_type(part)}")
    return []


def _best_alternative(children: list[email.message.Message]) -> email.message.Message | None:
    """text/plain when it says something, else the richest part (last, per RFC 2046)."""
    for child in children:
        if _content_type(child) == "text/plain" and str(child.get_payload()).strip():
            return child
    return children[-1] if children else None


def _disposition(part: email.message.Message) -> str:
    return str(part.get("content-disposition") or "").split(";")[0].strip().lower()


_DEFAULT_NAMES = {"message/rfc822": "message.eml", "text/calendar": "invite.ics",
                  "application/ms-tnef": "winmail.dat"}


def _default_name(ctype: str) -> str:
    main, _, sub = ctype.partition("/")
    return _DEFAULT_NAMES.get(ctype) or f"{main}.{sub or 'bin'}"


def _filename(part: email.message.Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return ""


def _payload_bytes(part: email.message.Message, defects: list[str]) -> bytes | None:
    payload = part.get_payload()
    if isinstance(payload, str) and part.get("content-transfer-encoding", "").strip().lower() == "base64":
        # Straight from the text: the email package first copies it line by line (3x the size).
        try:
            return binascii.a2b_base64(payload)
        except (binascii.Error, ValueError):
            pass  # padding trouble or non-ASCII: the package's lenient decoder records a defect
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
