"""Outgoing mail of every kind, from templates: the one automatic reply, relays of agents'
answers, mails to agents; each with our tag, threading and RFC 3834 headers. Pure but for
reading templates (templating).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import io

from mailproc import html_body, templating, thread, tokens, wire
from mailproc.actions import ReplyBlock
from mailproc.config import Settings
from mailproc.mail import Attachment, InboundMail, OutboundMail
from mailproc.views import Thread
from mailproc.vocab import LOOP_HEADER, Kind


def _local(settings: Settings, value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(settings.hours.timezone) if value else None


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
    client_name: str = ""  # the name to greet by: a person's, else "" (a neutral greeting)
    on_call: bool = False  # §2.4: the on-call agents cover the part of the critical term outside hours
    threading: Thread = Thread()


def render_auto_reply(settings: Settings, secret: bytes, request: ReplyRequest, now: dt.datetime) -> OutboundMail:
    subject, body = templating.render_text(settings, request.language, "reply.txt.j2", {
        "tag": request.tag,
        "subject": thread.bare_subject(request.subject, settings.support.tag_prefix) or "—",
        "client_name": request.client_name,
        "blocks": request.blocks,
        "first_response_due": _local(settings, request.first_response_due),
        "resolution_due": _local(settings, request.resolution_due),
        "opens_at": next((b.data["opens_at"] for b in request.blocks if b.name == "after_hours"), None),
        "on_call": request.on_call,
        "zone_text": templating.zone_text(settings, request.language),
        "support_name": settings.support.name,
        "signature": settings.support.sign_off(request.language),
    })
    return compose(settings, secret, kind=Kind.AUTO_REPLY, tag=request.tag, to=(request.recipient,),
                   subject=subject, body=body, now=now, threading=request.threading,
                   html=html_body.text_to_html(body, settings.support.tag_prefix),
                   extra_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})


def render_relay(settings: Settings, secret: bytes, *, tag: str, subject: str, client: str, cc: tuple[str, ...],
                 text: str, threading: Thread, attachments: tuple[Attachment, ...], now: dt.datetime) -> OutboundMail:
    """An agent's answer as the client sees it: from the support address, in the client's thread,
    with the colleagues the client copied on the ticket in Cc."""
    subject = f"Re: {thread.bare_subject(subject, settings.support.tag_prefix) or '—'} [{tag}]"
    body = text + "\n"
    return compose(settings, secret, kind=Kind.AGENT, tag=tag, to=(client,), cc=cc, subject=subject,
                   body=body, now=now, threading=threading, attachments=attachments,
                   html=html_body.text_to_html(body, settings.support.tag_prefix))


# Agents' mail must not start an Outlook out-of-office conversation either (SPEC §6).
_TO_AGENTS = {"X-Auto-Response-Suppress": "All"}


def render_to_agents(settings: Settings, secret: bytes, *, template: str, tag: str, to: tuple[str, ...],
                     variables: dict, threading: Thread, now: dt.datetime,
                     attachments: tuple[Attachment, ...] = ()) -> OutboundMail:
    """A mail for agents (notification, escalation, feedback). Replies to it go to the ticket's tokened
    address. The templates give every one of a ticket the same subject, "[tag] subject": mail programs
    that thread by subject (Gmail, Outlook) keep them in one conversation."""
    language = settings.templates.default_language
    subject, body = templating.render_text(settings, language, template, {
        **variables, "tag": tag, "zone_text": templating.zone_text(settings, language), "support_name": settings.support.name})
    reply_to = tokens.reply_address(secret, tag, settings.support.address)
    headers = {"Auto-Submitted": "auto-generated", **_TO_AGENTS, "Reply-To": reply_to}
    if variables.get("priority") == "critical":
        headers |= {"X-Priority": "1", "Importance": "high"}
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=tag, to=to, subject=subject, body=body, now=now,
                   threading=threading, extra_headers=headers, attachments=attachments)


QueueSection = tuple[str, tuple[str, ...], list[list[str]]]  # title, column names, rows of cells
_TABLES = "\ufffftables\uffff"  # where the template puts the queue lines, the HTML puts the tables


def render_queue(settings: Settings, secret: bytes, *, to: str, lines: list[str], sections: list[QueueSection],
                 counts: dict, answering: InboundMail, now: dt.datetime) -> OutboundMail:
    """The work queue for an agent who asked for it by mail: the text table, and in HTML a real table."""
    language, prefix = settings.templates.default_language, settings.support.tag_prefix
    variables = {**counts, "support_name": settings.support.name}
    subject, body = templating.render_text(settings, language, "queue.txt.j2", {**variables, "lines": lines})
    _, around = templating.render_text(settings, language, "queue.txt.j2", {**variables, "lines": [_TABLES]})
    intro, _, outro = around.partition(_TABLES)
    tables = [html_body.table(title, header, rows) for title, header, rows in sections] or [html_body.paragraphs("\n".join(lines), prefix)]
    page = html_body.page("\n".join((html_body.paragraphs(intro, prefix), *tables, html_body.paragraphs(outro, prefix))), width="none")
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=f"{settings.support.tag_prefix}-0", to=(to,),
                   subject=subject, body=body, now=now, threading=Thread.answering(answering), html=page,
                   extra_headers={"Auto-Submitted": "auto-replied", **_TO_AGENTS})


def render_template_alert(settings: Settings, secret: bytes, fallback: templating.Fallback, now: dt.datetime) -> OutboundMail:
    """Tells the agents that a template failed on a mail and the shipped one was used instead.
    Its text is fixed here, not a template: templates are what failed."""
    name = f"{fallback.template.parent.name}/{fallback.template.name}"
    if settings.templates.default_language == "ru":
        subject = f"Шаблон {name} не сработал: письма идут по стандартному шаблону"
        body = (f"Шаблон {fallback.template} не удалось применить к письму:\n\n  {fallback.reason}\n\n"
                f"Вместо него использован стандартный шаблон {name} из поставки mailproc: письма обрабатываются, "
                "клиенты получают ответы. Исправьте шаблон; `mailproc check-config` покажет ошибки. "
                "Пока программа работает, об этом шаблоне напоминаний больше не будет.\n")
    else:
        subject = f"Template {name} failed: mail goes out with the shipped template"
        body = (f"The template {fallback.template} failed on a mail:\n\n  {fallback.reason}\n\n"
                f"The shipped template {name} of mailproc was used instead: mail is processed and clients "
                "are answered. Fix the template; `mailproc check-config` shows what is wrong. "
                "While the program runs you will not be reminded about this template again.\n")
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=f"{settings.support.tag_prefix}-0",
                   to=tuple(settings.support.agents), subject=subject, body=body, now=now,
                   extra_headers={"Auto-Submitted": "auto-generated", **_TO_AGENTS})


def compose(settings: Settings, secret: bytes, *, kind: str, tag: str, to: tuple[str, ...], subject: str,
            body: str, now: dt.datetime, cc: tuple[str, ...] = (), threading: Thread = Thread(),
            extra_headers: dict[str, str] | None = None, attachments: tuple[Attachment, ...] = (),
            html: str | None = None) -> OutboundMail:
    """The bytes that leave mailproc, folded and encoded once: nothing re-folds them afterwards, so a
    DKIM signature made by the smarthost stays valid. An address with a non-ASCII local part is
    written in UTF-8 (RFC 6532: send.py sends it with SMTPUTF8); every other value is ASCII."""
    support = settings.support
    to, cc = tuple(map(wire.ascii_domain, to)), tuple(map(wire.ascii_domain, cc))
    message_id = tokens.new_message_id(secret, tag, support.message_id_domain)
    fields = [wire.field("Subject", wire.subject_words(subject)),
              wire.field("From", wire.mailbox(support.name, support.address)),
              wire.field("To", to, ", "), *([wire.field("Cc", cc, ", ")] if cc else []),
              wire.field("Date", [email.utils.format_datetime(now.astimezone(settings.hours.timezone))]),
              wire.field("Message-ID", [f"<{message_id}>"])]
    if threading.in_reply_to:
        fields.append(wire.field("In-Reply-To", [f"<{threading.in_reply_to}>"]))
    if threading.references:
        fields.append(wire.field("References", [f"<{r}>" for r in threading.references]))
    fixed = {LOOP_HEADER: support.address, **(extra_headers or {})}  # single words: nothing to fold
    fields += [wire.field(name, [value]) for name, value in fixed.items()]
    out = io.BytesIO()
    out.write("".join(fields).encode("utf-8"))
    wire.write_body(out, wire.flowed(body), html, attachments)
    data = out.getvalue()  # shares the buffer: no second copy of a big mail
    return OutboundMail(kind=kind, message_id=message_id, mail_from=support.address, rcpt_to=(*to, *cc),
                        subject=subject, text=body, data=data)
