"""Templates -> outgoing mail with our tag, threading and RFC 3834 headers. Pure but for reading templates.

Client text only ever reaches a template as data, and the environment is sandboxed:
nothing a client writes can run as template code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email.header
import email.message
import email.policy
import email.utils
import functools
import html
import pathlib
import re

import jinja2
import jinja2.sandbox

from mailproc import thread, tokens
from mailproc.actions import ReplyBlock
from mailproc.config import Settings
from mailproc.errors import MailprocError
from mailproc.mail import Attachment, InboundMail, OutboundMail
from mailproc.rules.machines import LOOP_HEADER
from mailproc.vocab import Kind

_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ZONE_TEXT = {("Europe/Moscow", "ru"): "по московскому времени", ("Europe/Moscow", "en"): "Moscow time"}


class TemplateError(MailprocError):
    pass


@functools.lru_cache(maxsize=8)
def _environment(directory: pathlib.Path, language: str) -> jinja2.Environment:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(directory / language)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain-text mail: nothing to escape, and nothing is ever evaluated
    )
    env.filters["when"] = functools.partial(_when, language=language)
    return env


def _when(value: dt.datetime, language: str) -> str:
    if language == "ru":
        return f"{value.day} {_MONTHS_RU[value.month - 1]} в {value:%H:%M}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]}, {value:%H:%M}"


def _local(settings: Settings, value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(settings.hours.timezone) if value else None


def zone_text(settings: Settings, language: str) -> str:
    name = str(settings.hours.timezone)
    return _ZONE_TEXT.get((name, language), f"({name})")


def render_text(settings: Settings, language: str, template: str, variables: dict) -> tuple[str, str]:
    """(subject, body) of a template whose first line is 'Subject: ...'."""
    try:
        env = _environment(settings.templates.directory, language)
        rendered = env.get_template(template).render(**variables).lstrip("\n")
    except jinja2.TemplateError as exc:
        where = f"{settings.templates.directory / language / template}"
        raise TemplateError(f"template {where}: {exc}") from exc
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateError(f"template {settings.templates.directory / language / template}: "
                            "the first line must be 'Subject: ...'")
    body = re.sub(r"\n{3,}", "\n\n", body.strip("\n"))  # blocks may end with blank lines of their own
    return " ".join(first[len("Subject:"):].split()), body + "\n"


@dataclasses.dataclass(frozen=True, slots=True)
class Thread:
    """Where an outgoing mail sits in a conversation (RFC 5322 In-Reply-To / References)."""

    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    @classmethod
    def answering(cls, mail: InboundMail) -> "Thread":
        if not mail.message_id:
            return cls()
        return cls(mail.message_id, tuple(dict.fromkeys((*mail.references, mail.message_id))))


@dataclasses.dataclass(frozen=True, slots=True)
class ReplyRequest:
    """Everything needed for the one automatic reply to a client."""

    tag: str
    subject: str
    language: str
    blocks: tuple[ReplyBlock, ...]
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None = None
    recipient: str = ""
    recipient_name: str = ""
    threading: Thread = Thread()


def render_auto_reply(settings: Settings, secret: bytes, request: ReplyRequest, now: dt.datetime) -> OutboundMail:
    subject, body = render_text(settings, request.language, "reply.txt.j2", {
        "tag": request.tag,
        "subject": thread.bare_subject(request.subject, settings.support.tag_prefix) or "—",
        "client_name": request.recipient_name,
        "blocks": request.blocks,
        "first_response_due": _local(settings, request.first_response_due),
        "resolution_due": _local(settings, request.resolution_due),
        "zone_text": zone_text(settings, request.language),
        "support_name": settings.support.name,
    })
    return compose(settings, secret, kind=Kind.AUTO_REPLY, tag=request.tag, to=(request.recipient,),
                   subject=subject, body=body, now=now, threading=request.threading,
                   extra_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})


def render_relay(settings: Settings, secret: bytes, *, tag: str, subject: str, client: str, cc: tuple[str, ...],
                 text: str, threading: Thread, attachments: tuple[Attachment, ...], now: dt.datetime) -> OutboundMail:
    """An agent's answer as the client sees it: from the support address, in the client's thread,
    with the colleagues the client copied on the ticket in Cc."""
    subject = f"Re: {thread.bare_subject(subject, settings.support.tag_prefix) or '—'} [{tag}]"
    return compose(settings, secret, kind=Kind.AGENT, tag=tag, to=(client,), cc=cc, subject=subject,
                   body=text + "\n", now=now, threading=threading, attachments=attachments)


def render_to_agents(settings: Settings, secret: bytes, *, template: str, tag: str, to: tuple[str, ...],
                     variables: dict, threading: Thread, now: dt.datetime,
                     attachments: tuple[Attachment, ...] = ()) -> OutboundMail:
    """A mail for agents (notification, feedback). Replies to it go to the ticket's tokened address."""
    language = settings.templates.default_language
    subject, body = render_text(settings, language, template, {
        **variables, "tag": tag, "zone_text": zone_text(settings, language), "support_name": settings.support.name})
    reply_to = tokens.reply_address(secret, tag, settings.support.address)
    headers = {"Auto-Submitted": "auto-generated", "Reply-To": reply_to}
    if variables.get("priority") == "critical":
        headers |= {"X-Priority": "1", "Importance": "high"}
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=tag, to=to, subject=subject, body=body, now=now,
                   threading=threading, extra_headers=headers, attachments=attachments)


_URL = re.compile(r"https?://[^\s<>«»\"]+[^\s<>«»\".,;:!?)]")


def render_queue(settings: Settings, secret: bytes, *, to: str, lines: list[str], counts: dict,
                 answering: InboundMail, now: dt.datetime) -> OutboundMail:
    """The work queue for an agent who asked for it by mail."""
    language = settings.templates.default_language
    subject, body = render_text(settings, language, "queue.txt.j2", {
        "lines": lines, **counts, "support_name": settings.support.name})
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=f"{settings.support.tag_prefix}-0", to=(to,),
                   subject=subject, body=body, now=now, threading=Thread.answering(answering),
                   extra_headers={"Auto-Submitted": "auto-replied"})


def text_to_html(text: str) -> str:
    """The plain text as simple HTML: escaped, paragraphs kept, links clickable. Nothing else is added."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
            '<body style="font-family: sans-serif">\n' + "\n".join(paragraphs) + "\n</body></html>\n")


def compose(settings: Settings, secret: bytes, *, kind: str, tag: str, to: tuple[str, ...], subject: str,
            body: str, now: dt.datetime, cc: tuple[str, ...] = (), threading: Thread = Thread(),
            extra_headers: dict[str, str] | None = None, attachments: tuple[Attachment, ...] = ()) -> OutboundMail:
    support = settings.support
    message_id = tokens.new_message_id(secret, tag, support.message_id_domain)
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = email.utils.formataddr((support.name, support.address))
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Date"] = email.utils.format_datetime(now.astimezone(settings.hours.timezone))
    msg["Message-ID"] = f"<{message_id}>"
    if threading.in_reply_to:
        msg["In-Reply-To"] = f"<{threading.in_reply_to}>"
    if threading.references:
        msg["References"] = " ".join(f"<{r}>" for r in threading.references)
    msg[LOOP_HEADER] = support.address
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if kind in (Kind.AUTO_REPLY, Kind.AGENT):  # what clients read: clickable links in HTML mail programs
        msg.add_alternative(text_to_html(body), subtype="html")
    for part in attachments:
        maintype, _, subtype = part.content_type.partition("/")
        msg.add_attachment(part.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=part.filename)
    # The Subject is encoded by the legacy Header class: email.policy's folder drops the space
    # where it splits a Cyrillic subject into encoded words ("Не могу" arrives as "Немогу").
    encoded_subject = email.header.Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    data = f"Subject: {encoded_subject}\r\n".encode("ascii") + msg.as_bytes()
    return OutboundMail(kind=kind, message_id=message_id, mail_from=support.address, rcpt_to=(*to, *cc),
                        subject=subject, text=body, data=data)
