"""Raw bytes -> InboundMail. Pure.

Real mail is often broken: a bad header or part becomes a recorded defect, never an
exception. Only a mail with nothing usable at all raises MailError (-> quarantine).
The parser runs with the lenient compat32 policy, which keeps headers and parameters as
written (the modern one cuts an unquoted `boundary=----=_Next` or `filename=a b.txt` at
the first special character); headers.py then decodes them the way mail programs mean.
"""
from __future__ import annotations

import binascii
import email
import email.message
import email.parser
import email.policy
import email.utils
import functools
import re
from typing import Iterator, cast

from mailproc.errors import MailError
from mailproc.mail import Attachment, InboundMail, RawMail
from mailproc.parse.filenames import safe_filename
from mailproc.parse.headers import addresses, decode_bytes, decode_text, python_charset
from mailproc.parse.text import html_to_text, normalize_whitespace, unflow

_MSGID = re.compile(r"<([^<>\s]+)>")


class _AsWritten(email.policy.Compat32):
    """compat32, but a header is fetched unfolded and as written, never re-encoded:
    parameters keep their raw 8-bit bytes for headers.py to decode."""

    def header_fetch_parse(self, name, value):
        return re.sub(r"[\r\n]", "", value) if isinstance(value, str) else value


_POLICY = _AsWritten(max_line_length=0)
_CHUNK = 1 << 16
_HIDDEN_MIN = 16 << 10
_BASE64_RUN = re.compile(rb"^(?:[A-Za-z0-9+/=]++\r?\n)++", re.MULTILINE)  # possessive: no backtracking stack


def parse_mail(raw: RawMail) -> InboundMail:
    msg = _parse_bytes(raw.data)
    defects = [type(d).__name__ for d in msg.defects]
    raw_headers = [(name.lower(), str(value)) for name, value in msg.raw_items()]
    defects += [f"RawBytesInHeader:{name}" for name, value in raw_headers if not value.isascii()]
    charset = _mail_charset(msg)
    headers = _decoded_headers(msg, charset)
    if not headers and not str(_payload(msg)).strip():
        raise MailError(raw.uid, None, "no headers and no body: not a mail")

    def first(name: str) -> str:
        return next((v for n, v in headers if n == name), "")

    def raw_values(name: str) -> list[str]:
        return [v for n, v in raw_headers if n == name]

    from_pairs = addresses(raw_values("from")[:1], charset) or addresses(raw_values("sender")[:1], charset) or \
        addresses(raw_values("return-path")[:1], charset)
    from_name, from_addr = from_pairs[0] if from_pairs else ("", "")
    text, attachments = _body_and_attachments(msg, defects, charset)
    return InboundMail(
        message_id=next(iter(_message_ids(first("message-id"))), None),
        in_reply_to=_message_ids(first("in-reply-to")),
        references=_message_ids(first("references")),
        from_addr=from_addr,
        from_name=from_name,
        to=tuple(a for _, a in addresses(raw_values("to"))),
        cc=tuple(a for _, a in addresses(raw_values("cc"))),
        reply_to=tuple(a for _, a in addresses(raw_values("reply-to")[:1])),
        subject=first("subject"),
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
    """Feed the parser in chunks: fed whole, it splits the entire mail into lines at once.
    Long runs of base64 lines (attachments from a screenshot up) are not fed at all but stand
    in the parsed mail as a placeholder line (_Hidden): the parser would walk them line by
    line in Python, keep each line as a string and then join them, three times the
    attachment's size in memory."""
    hidden = _Hidden(data)
    parser = email.parser.BytesFeedParser(policy=_POLICY.clone(message_factory=functools.partial(_Part, hidden)))
    for piece in hidden.fed():
        for start in range(0, len(piece), _CHUNK):
            parser.feed(bytes(piece[start:start + _CHUNK]))
    return parser.close()


class _Hidden:
    """The runs of base64 lines of at least _HIDDEN_MIN bytes in a raw mail, each fed to the parser
    as the line `[mailproc base64 #N]` and read in place from the raw bytes."""

    _MARK = "[mailproc base64 #"
    _PLACEHOLDER = re.compile(r"\[mailproc base64 #(\d+)\]")

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.runs: list[tuple[int, int]] = []
        if len(data) >= _HIDDEN_MIN and self._MARK.encode() not in data:  # else a placeholder could be the mail's
            for run in _BASE64_RUN.finditer(data):
                if run.end() - run.start() >= _HIDDEN_MIN:  # the last line end stays: it may precede a boundary
                    self.runs.append((run.start(), run.end() - (2 if data[run.end() - 2] == 13 else 1)))

    def fed(self) -> Iterator[memoryview | bytes]:
        """The mail as the parser gets it: each run replaced by its placeholder."""
        done = 0
        for n, (start, end) in enumerate(self.runs):
            yield self.data[done:start]
            yield f"{self._MARK}{n}]".encode()
            done = end
        yield self.data[done:]

    def run_of(self, payload: str) -> memoryview | None:
        """The base64 text in place of `payload` when it is exactly one placeholder."""
        found = self._PLACEHOLDER.fullmatch(payload.rstrip("\r\n")) if payload.startswith(self._MARK) else None
        return self._run(found) if found and self.runs else None

    def restore(self, payload: str) -> str:
        if not self.runs or self._MARK not in payload:
            return payload
        return self._PLACEHOLDER.sub(lambda found: str(self._run(found), "ascii"), payload)

    def _run(self, placeholder: re.Match) -> memoryview:
        start, end = self.runs[int(placeholder[1])]
        return self.data[start:end]


class _Part(email.message.Message):
    """A parsed part whose body may hold placeholders of _Hidden: every ordinary read of the
    payload gets the text as written; `base64_run` reads a hidden base64 body in place."""

    def __init__(self, hidden: _Hidden, policy: email.policy.Compat32) -> None:
        super().__init__(policy)
        self._hidden = hidden

    def get_payload(self, i=None, decode=False):
        if isinstance(self._payload, str):
            self._payload = self._hidden.restore(self._payload)
        return super().get_payload(i, decode)

    def base64_run(self) -> memoryview | None:
        return self._hidden.run_of(self._payload) if isinstance(self._payload, str) else None


def _decoded_headers(msg: email.message.Message, charset: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), decode_text(str(value), charset)) for name, value in msg.raw_items())


def _mail_charset(msg: email.message.Message) -> str | None:
    """The first charset the mail declares: what a mail program that writes raw 8-bit
    headers or file names (no RFC 2047) most likely wrote them in."""
    try:
        return next((c for c in msg.get_charsets() if c), None)
    except Exception:  # a charset parameter the package cannot even read
        return None


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
        ctype = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    return ctype if ctype.isascii() else "application/octet-stream"  # raw 8-bit bytes: no MIME type


def _param(part: email.message.Message, name: str) -> str:
    """A Content-Type parameter, lower-case; "" when absent or unreadable."""
    try:
        return str(part.get_param(name) or "").lower()
    except Exception:
        return ""


def _payload(part: email.message.Message) -> list[email.message.Message] | str:
    """The parts, or the text as parsed. get_payload() first decodes text holding raw 8-bit
    bytes by the charset parameter, and trips over a broken one ("utf\\xff", an RFC 2231
    triple): then the bytes as they are, in the parser's surrogate form."""
    try:
        return cast(list[email.message.Message] | str, part.get_payload())
    except (LookupError, ValueError, TypeError):
        return cast(bytes, part.get_payload(decode=True) or b"").decode("ascii", "surrogateescape")


MAX_DEPTH = 12  # nested multiparts / forwards; deeper is an attack or a loop, not a client


class _Parts:
    """What the walk collects: text of the readable alternative, every attachment."""

    def __init__(self, defects: list[str], charset: str | None):
        self.texts: list[str] = []
        self.attachments: list[Attachment] = []
        self.defects = defects
        self.charset = charset  # the mail's, for raw 8-bit file names


def _body_and_attachments(msg: email.message.Message, defects: list[str],
                          charset: str | None) -> tuple[str, list[Attachment]]:
    parts = _Parts(defects, charset)
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
    elif ctype.startswith("multipart/") and not part.is_multipart() and not str(_payload(part)).strip():
        parts.defects.append(f"MultipartWithoutParts:{ctype}")  # declared, but the body is empty
    elif part.is_multipart() and ctype != "message/rfc822":
        children = _children(part, parts.defects)
        # Alternatives carry the same text: read one, but keep images from all (inline screenshots).
        best = _best_alternative(children) if ctype == "multipart/alternative" else None
        for child in children:
            _walk(child, parts, depth + 1, wants_text and (best is None or child is best))
    elif ctype in ("text/plain", "text/html") and disposition != "attachment" and not _filename(part, parts.charset):
        if wants_text:
            text = _part_text(part, parts.defects)
            if ctype == "text/html":
                text = html_to_text(text)
            elif _param(part, "format") == "flowed":
                text = unflow(text, delsp=_param(part, "delsp") == "yes")
            parts.texts.append(text)
    else:
        data = _attached_mail_bytes(part, parts.defects) if ctype == "message/rfc822" else \
            _payload_bytes(part, parts.defects)
        if data is not None:
            name = safe_filename(_filename(part, parts.charset), _default_name(ctype))
            parts.attachments.append(Attachment(name, ctype, data))


def _walk_forward(part: email.message.Message, parts: _Parts, depth: int, wants_text: bool) -> None:
    """An inline forwarded mail: its text is what the client wants us to read."""
    inner = _attached_mail(part, parts.defects)
    if inner is None:
        return
    if wants_text:
        shown = {"from": "From", "date": "Date", "subject": "Subject"}
        headers = _decoded_headers(inner, _mail_charset(inner))
        parts.texts.append("---------- Forwarded message ----------\n" + "\n".join(
            f"{shown[name]}: {value}" for name, value in headers if name in shown))
    _walk(inner, parts, depth + 1, wants_text)


def _attached_mail(part: email.message.Message, defects: list[str]) -> email.message.Message | None:
    encoded = _encoded_attached_mail(part, defects)
    if encoded is not None:
        return _parse_bytes(encoded)
    inner = _children(part, defects)
    return inner[0] if inner else None


def _attached_mail_bytes(part: email.message.Message, defects: list[str]) -> bytes | None:
    encoded = _encoded_attached_mail(part, defects)
    if encoded is not None:
        return encoded
    inner = _children(part, defects)
    try:
        return inner[0].as_bytes() if inner else None
    except Exception as exc:  # the generator trips over what the parser let through
        defects.append(f"UnserialisableAttachedMail:{type(exc).__name__}")
        return None


def _encoded_attached_mail(part: email.message.Message, defects: list[str]) -> bytes | None:
    """The decoded bytes of a mail attached base64- or quoted-printable-encoded (as Yandex's
    web mail forwards; RFC 2046 forbids it), which the parser has read as a mail made of
    encoded text; None for a mail attached as it is."""
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    inner = _children(part, defects) if encoding in ("base64", "quoted-printable") else []
    if not inner:
        return None
    defects.append(f"EncodedAttachedMail:{encoding}")
    try:
        text = inner[0].as_bytes()
        return binascii.a2b_base64(text) if encoding == "base64" else binascii.a2b_qp(text)
    except Exception as exc:  # the generator trips over what the parser let through, or broken base64
        defects.append(f"UndecodableAttachedMail:{type(exc).__name__}")
        return None


def _children(part: email.message.Message, defects: list[str]) -> list[email.message.Message]:
    payload = _payload(part)
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, email.message.Message)]
    defects.append(f"MultipartWithoutParts:{_content_type(part)}")
    return []


def _best_alternative(children: list[email.message.Message]) -> email.message.Message | None:
    """text/plain when it says something, else the richest part (last, per RFC 2046)."""
    for child in children:
        if _content_type(child) == "text/plain" and str(_payload(child)).strip():
            return child
    return children[-1] if children else None


def _disposition(part: email.message.Message) -> str:
    return str(part.get("content-disposition") or "").split(";")[0].strip().lower()


_DEFAULT_NAMES = {"message/rfc822": "message.eml", "text/calendar": "invite.ics",
                  "application/ms-tnef": "winmail.dat"}


def _default_name(ctype: str) -> str:
    main, _, sub = ctype.partition("/")
    return _DEFAULT_NAMES.get(ctype) or f"{main}.{sub or 'bin'}"


def _filename(part: email.message.Message, mail_charset: str | None) -> str:
    """Quoted or not, RFC 2231 or RFC 2047-encoded (which mail programs use although the
    RFC forbids it in parameters), raw 8-bit: the name the sender's program meant."""
    try:
        return decode_text(part.get_filename() or "", mail_charset)
    except Exception:
        return ""


def _payload_bytes(part: email.message.Message, defects: list[str]) -> bytes | None:
    if part.get("content-transfer-encoding", "").strip().lower() == "base64":
        # Straight from the text (in place in the raw mail when it is long): the email
        # package first copies it line by line (3x the size).
        run = part.base64_run() if isinstance(part, _Part) else None
        text = run if run is not None else _payload(part)
        try:
            if not isinstance(text, list):
                return binascii.a2b_base64(text)
        except (binascii.Error, ValueError):
            pass  # padding trouble or non-ASCII: the package's lenient decoder records a defect
    try:
        return cast(bytes | None, part.get_payload(decode=True))
    except Exception as exc:
        defects.append(f"UndecodablePayload:{type(exc).__name__}")
        return None


def _part_text(part: email.message.Message, defects: list[str]) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:  # a charset parameter the package cannot even read
        charset = None
    if charset and python_charset(charset) is None:
        defects.append(f"UnknownCharset:{charset[:40]}")
    return decode_bytes(_payload_bytes(part, defects) or b"", charset)
