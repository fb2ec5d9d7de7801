"""Templates -> outgoing mail with our tag, threading and RFC 3834 headers. Pure but for reading templates.

Client text only ever reaches a template as data, and the environment is sandboxed:
nothing a client writes can run as template code.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email.message
import email.policy
import email.utils
import functools
import html
import logging
import pathlib
import re
from typing import Iterable, Mapping

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
    def under(cls, parent: str | None, ids: Iterable[str]) -> "Thread":
        """Answering `parent` in the conversation of `ids`: References end with the parent (RFC 5322
        §3.6.4; Thunderbird and mutt hang a mail under the last reference)."""
        return cls(parent, (*(i for i in dict.fromkeys(ids) if i != parent), *((parent,) if parent else ())))

    @classmethod
    def answering(cls, mail: InboundMail) -> "Thread":
        return cls.under(mail.message_id, mail.references) if mail.message_id else cls()


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
                   html=text_to_html(body, settings.support.tag_prefix),
                   extra_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})


def render_relay(settings: Settings, secret: bytes, *, tag: str, subject: str, client: str, cc: tuple[str, ...],
                 text: str, threading: Thread, attachments: tuple[Attachment, ...], now: dt.datetime) -> OutboundMail:
    """An agent's answer as the client sees it: from the support address, in the client's thread,
    with the colleagues the client copied on the ticket in Cc."""
    subject = f"Re: {thread.bare_subject(subject, settings.support.tag_prefix) or '—'} [{tag}]"
    body = text + "\n"
    return compose(settings, secret, kind=Kind.AGENT, tag=tag, to=(client,), cc=cc, subject=subject,
                   body=body, now=now, threading=threading, attachments=attachments,
                   html=text_to_html(body, settings.support.tag_prefix))


# Agents' mail must not start an Outlook out-of-office conversation either (SPEC §6).
_TO_AGENTS = {"X-Auto-Response-Suppress": "All"}


def render_to_agents(settings: Settings, secret: bytes, *, template: str, tag: str, to: tuple[str, ...],
                     variables: dict, threading: Thread, now: dt.datetime,
                     attachments: tuple[Attachment, ...] = ()) -> OutboundMail:
    """A mail for agents (notification, escalation, feedback). Replies to it go to the ticket's tokened
    address. The templates give every one of a ticket the same subject, "[tag] subject": mail programs
    that thread by subject (Gmail, Outlook) keep them in one conversation."""
    language = settings.templates.default_language
    subject, body = render_text(settings, language, template, {
        **variables, "tag": tag, "zone_text": zone_text(settings, language), "support_name": settings.support.name})
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
    subject, body = render_text(settings, language, "queue.txt.j2", {**variables, "lines": lines})
    _, around = render_text(settings, language, "queue.txt.j2", {**variables, "lines": [_TABLES]})
    intro, _, outro = around.partition(_TABLES)
    tables = [_table(title, header, rows) for title, header, rows in sections] or [_paragraphs("\n".join(lines), prefix)]
    page = _page("\n".join((_paragraphs(intro, prefix), *tables, _paragraphs(outro, prefix))), width="none")
    return compose(settings, secret, kind=Kind.NOTIFICATION, tag=f"{settings.support.tag_prefix}-0", to=(to,),
                   subject=subject, body=body, now=now, threading=Thread.answering(answering), html=page,
                   extra_headers={"Auto-Submitted": "auto-replied", **_TO_AGENTS})


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
                   extra_headers={"Auto-Submitted": "auto-generated", **_TO_AGENTS})


# --------------------------------------------------------------------------- HTML

# A link ends at white space, angle brackets and quotes (Outlook writes <https://...>), and
# trailing punctuation belongs to the sentence. Found in the plain text, before escaping.
_URL = re.compile(r"""https?://[^\s<>"'«»]*[^\s<>"'«».,;:!?)\]]""")
_BULLET = re.compile(r"^\s*[•*-]\s+")
# One small style block (mail programs drop remote CSS and most selectors); the same limits are
# repeated inline for the programs that drop <style> too.
_STYLE = ("body{margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
          "color:#1f1f1f}p{margin:0 0 1em}ul{margin:0 0 1em;padding-left:1.4em}"
          "table{border-collapse:collapse;margin:0 0 1.4em;font-size:13px}"
          "th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top}"
          "th{background:#f2f2f2}.tag{white-space:nowrap}")


def text_to_html(text: str, tag_prefix: str) -> str:
    """The plain text as simple HTML for clients: escaped, paragraphs and bulleted lists kept,
    links clickable, the ticket tag never broken across lines, at most about 70 characters wide."""
    return _page(_paragraphs(text, tag_prefix), width="40em")


def _page(content: str, width: str) -> str:
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<style>{_STYLE}</style></head>\n<body>\n"
            f'<div style="max-width:{width};font-family:Arial,Helvetica,sans-serif;line-height:1.5">\n'
            f"{content}\n</div>\n</body></html>\n")


def _paragraphs(text: str, tag_prefix: str) -> str:
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        lines, items = [], []
        for line in block.split("\n") + [""]:
            if _BULLET.match(line):
                items.append(_inline(_BULLET.sub("", line), tag_prefix))
                continue
            if items:
                out.append(_joined(lines))
                out.append("<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>")
                lines, items = [], []
            if line:
                lines.append(_inline(line, tag_prefix))
        out.append(_joined(lines))
    return "\n".join(p for p in out if p)


def _joined(lines: list[str]) -> str:
    return "<p>" + "<br>\n".join(lines) + "</p>" if lines else ""


@functools.lru_cache(maxsize=4)
def _tag_pattern(tag_prefix: str) -> re.Pattern:
    return re.compile(rf"\[?\b{re.escape(tag_prefix)}-\d+\b\]?")


def _inline(line: str, tag_prefix: str) -> str:
    """One line of text as HTML: links found first, then everything escaped."""
    tag = _tag_pattern(tag_prefix)
    parts, at = [], 0
    for match in _URL.finditer(line):
        parts.append(_escaped_with_tags(line[at:match.start()], tag))
        url = html.escape(match[0], quote=True)
        parts.append(f'<a href="{url}">{url}</a>')
        at = match.end()
    parts.append(_escaped_with_tags(line[at:], tag))
    return "".join(parts)


def _escaped_with_tags(text: str, tag: re.Pattern) -> str:
    parts, at = [], 0
    for match in tag.finditer(text):
        parts += [html.escape(text[at:match.start()]), f'<span class="tag" style="white-space:nowrap">'
                  f"{html.escape(match[0])}</span>"]
        at = match.end()
    return "".join(parts) + html.escape(text[at:])


def _table(title: str, header: tuple[str, ...], rows: list[list[str]]) -> str:
    cells = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    cells += ["<tr>" + "".join(f'<td{" class=tag" if i == 0 else ""}>{html.escape(c)}</td>'
                               for i, c in enumerate(row)) + "</tr>" for row in rows]
    return f"<p><b>{html.escape(title)}</b></p>\n<table>\n" + "\n".join(cells) + "\n</table>"


# --------------------------------------------------------------------------- the mail itself

def compose(settings: Settings, secret: bytes, *, kind: str, tag: str, to: tuple[str, ...], subject: str,
            body: str, now: dt.datetime, cc: tuple[str, ...] = (), threading: Thread = Thread(),
            extra_headers: dict[str, str] | None = None, attachments: tuple[Attachment, ...] = (),
            html: str | None = None) -> OutboundMail:
    """The bytes that leave mailproc, folded and encoded once: nothing re-folds them afterwards, so a
    DKIM signature made by the smarthost stays valid. The plain text is format=flowed, in 8bit
    when it is not ASCII (send.py uses BODY=8BITMIME, or quoted-printable for a server without
    it); `html`, when given, is its alternative for mail programs that show HTML."""
    support = settings.support
    to, cc = tuple(map(ascii_domain, to)), tuple(map(ascii_domain, cc))
    # RFC 6532: an address with a non-ASCII local part can only be written in UTF-8 (sent with SMTPUTF8).
    policy = email.policy.SMTP if all(a.isascii() for a in (*to, *cc)) else email.policy.SMTPUTF8
    message_id = tokens.new_message_id(secret, tag, support.message_id_domain)
    msg = email.message.EmailMessage(policy=policy)
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
    text = flowed(body)
    msg.set_content(text, cte=_transfer_encoding(text), params={"format": "flowed"})
    if html is not None:
        msg.make_alternative()
        msg.attach(_html_part(html, policy))
    for part in attachments:
        maintype, _, subtype = part.content_type.partition("/")
        msg.add_attachment(part.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=part.filename)
    data = f"Subject: {encode_subject(subject)}\r\n".encode("ascii") + msg.as_bytes()
    return OutboundMail(kind=kind, message_id=message_id, mail_from=support.address, rcpt_to=(*to, *cc),
                        subject=subject, text=body, data=data)


def _html_part(html: str, policy: email.policy.EmailPolicy) -> email.message.EmailMessage:
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


def _transfer_encoding(text: str) -> str:
    if any(len(line.encode()) > 998 for line in text.split("\n")):
        return "quoted-printable"  # a word too long to break: 8bit lines may not exceed 998 octets
    return "7bit" if text.isascii() else "8bit"


# --------------------------------------------------------------------------- format=flowed (RFC 3676)

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


# --------------------------------------------------------------------------- Subject (RFC 2047)

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
