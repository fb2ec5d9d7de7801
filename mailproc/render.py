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
import logging
import pathlib
import re
from typing import Mapping

import jinja2
import jinja2.sandbox

from mailproc import template_vars, thread, tokens
from mailproc.actions import ReplyBlock
from mailproc.config import SHIPPED_TEMPLATES, Settings
from mailproc.errors import DeskError
from mailproc.mail import Attachment, InboundMail, OutboundMail
from mailproc.rules.machines import LOOP_HEADER
from mailproc.vocab import Kind

log = logging.getLogger(__name__)

_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ZONE_TEXT = {("Europe/Moscow", "ru"): "по московскому времени", ("Europe/Moscow", "en"): "Moscow time"}


class TemplateError(DeskError):
    """A template failed: names the file, the line and what is wrong. The desk's failure, never the mail's."""


@dataclasses.dataclass(frozen=True, eq=False)
class TemplateSet:
    """The template files of one directory as read (and, at start-up, checked): the desk renders
    from these until a checked edit replaces them, so a broken edit never reaches a mail."""

    directory: pathlib.Path
    sources: Mapping[str, str]  # "ru/reply.txt.j2" -> its text


def read_templates(directory: pathlib.Path) -> TemplateSet:
    sources = {}
    for path in sorted(directory.glob("*/**/*.j2")):
        try:
            sources[path.relative_to(directory).as_posix()] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{path}: cannot be read ({exc}); make it a readable UTF-8 file") from None
    return TemplateSet(directory, sources)


_in_use: dict[pathlib.Path, TemplateSet] = {}


def use_templates(templates: TemplateSet) -> None:
    """Render from these templates from now on (called with checked ones at start-up and reload)."""
    _in_use[templates.directory] = templates


def templates_in_use(directory: pathlib.Path) -> TemplateSet:
    if directory not in _in_use:  # not installed at start-up (tools, tests): as they are on disk now
        _in_use[directory] = read_templates(directory)
    return _in_use[directory]


class _Loader(jinja2.BaseLoader):
    """One language of a TemplateSet; file names stay real so errors and tracebacks name them."""

    def __init__(self, templates: TemplateSet, language: str):
        self.templates, self.language = templates, language

    def get_source(self, environment, template):
        source = self.templates.sources.get(f"{self.language}/{template}")
        if source is None:
            raise jinja2.TemplateNotFound(template)
        return source, str(self.templates.directory / self.language / template), lambda: True


@functools.lru_cache(maxsize=16)
def environment(templates: TemplateSet, language: str) -> jinja2.Environment:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=_Loader(templates, language),
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


@dataclasses.dataclass(frozen=True)
class Fallback:
    """A template failed while rendering a mail and the shipped one of that name was used."""

    template: pathlib.Path
    reason: str


_fallbacks: list[Fallback] = []


def take_fallbacks() -> list[Fallback]:
    """The fallbacks since the last call (the pipeline alerts the agents about them)."""
    taken = _fallbacks[:]
    _fallbacks.clear()
    return taken


def render_text(settings: Settings, language: str, template: str, variables: dict) -> tuple[str, str]:
    """(subject, body) of a template whose first line is 'Subject: ...'.

    A configured template that fails is replaced by the shipped one of that name (and the failure
    noted for `take_fallbacks`); when that fails too, TemplateError: the mail waits for the next cycle."""
    if undocumented := template_vars.undocumented(template, variables):
        raise TemplateError(f"{template}: mailproc passes it {', '.join(undocumented)}, which has no sample "
                            "in mailproc/template_vars.py: document it there")
    configured = templates_in_use(settings.templates.directory)
    try:
        return render_with(configured, language, template, variables)
    except TemplateError as exc:
        if configured.directory == SHIPPED_TEMPLATES:
            raise
        log.error("%s; the shipped %s/%s is used instead", exc, language, template)
        try:
            result = render_with(templates_in_use(SHIPPED_TEMPLATES), language, template, variables)
        except TemplateError as shipped:
            raise TemplateError(f"{exc}; the shipped one failed too: {shipped}") from shipped
        _fallbacks.append(Fallback(configured.directory / language / template, str(exc)))
        return result


def render_with(templates: TemplateSet, language: str, template: str, variables: dict) -> tuple[str, str]:
    path = templates.directory / language / template
    try:
        rendered = environment(templates, language).get_template(template).render(**variables).lstrip("\n")
    except jinja2.TemplateNotFound as exc:
        missing = templates.directory / language / exc.name
        raise TemplateError(f"{missing}: missing; copy it from {SHIPPED_TEMPLATES / language / exc.name}") from None
    except Exception as exc:  # a template is admin code: any error in it (a filter given None...) is a template error
        raise TemplateError(template_failure(exc, path)) from exc
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateError(f"{path}:1: the first line must be 'Subject: ...'; put the subject there")
    body = re.sub(r"\n{3,}", "\n\n", body.strip("\n"))  # blocks may end with blank lines of their own
    return " ".join(first[len("Subject:"):].split()), body + "\n"


def template_failure(exc: Exception, path: pathlib.Path) -> str:
    """'FILE:LINE: what is wrong; what to do' for an error raised by a template (syntax or rendering)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        what = (exc.message or "").rstrip(".")
        return f"{exc.filename or path}:{exc.lineno}: syntax error: {what}; correct the Jinja syntax there"
    where, line, tb = str(path), None, exc.__traceback__
    while tb is not None:  # jinja rewrites the traceback: frames of a template carry its file and line
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    position = f"{where}:{line}" if line else where
    if isinstance(exc, jinja2.UndefinedError):
        return (f"{position}: {exc.message}; use only the variables listed at the top of the file "
                "(mailproc/template_vars.py documents them all)")
    if "NoneType" in str(exc):
        return f"{position}: {type(exc).__name__}: {exc}; a value there may be empty: use it inside {{% if ... %}}"
    return f"{position}: {type(exc).__name__}: {exc}; check the expression on that line against its values"


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


def render_template_alert(settings: Settings, secret: bytes, fallback: Fallback, now: dt.datetime) -> OutboundMail:
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
                   extra_headers={"Auto-Submitted": "auto-generated"})


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
