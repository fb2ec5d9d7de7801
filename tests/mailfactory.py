"""Build RFC 5322 test mails."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from mailproc.parse.text import unflow


def make_mail(
    from_: str = "Client <client@example.test>",
    to: str | list[str] = "support@example.test",
    subject: str = "Help needed",
    body: str | None = "Hello,\nI need help.\n",
    *,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | list[str] | None = None,
    headers: dict | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    html: str | None = None,
    date: dt.datetime | None = None,
) -> bytes:
    """Return the mail as CRLF bytes.

    message_id defaults to a unique <...@client.example.test>. headers adds or
    replaces headers; a None value removes one (e.g. {"Message-ID": None}), a
    list value adds it several times. attachments: (filename, data, "type/subtype").
    """
    msg = EmailMessage()
    msg["From"] = from_
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or dt.datetime.now(dt.timezone.utc))
    if message_id and not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    msg["Message-ID"] = message_id or make_msgid(domain="client.example.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references if isinstance(references, str) else " ".join(references)
    for name, value in (headers or {}).items():
        del msg[name]
        for v in [] if value is None else [value] if isinstance(value, str) else value:
            msg[name] = v
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)


def text_of(message) -> str:
    """The plain-text body of a received mail (our client mails also carry an HTML alternative),
    reflowed as a mail program shows format=flowed text."""
    part = message.get_body(("plain",))
    text = part.get_content()
    return unflow(text) if str(part.get_param("format") or "").lower() == "flowed" else text
