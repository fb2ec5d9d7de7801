"""Load and validate ``config.toml`` into a frozen ``Settings``; read secrets from the environment.

I/O: reads the one config file and, for secrets, the environment; no network.
Every problem is phrased ``section.key: expected X, got Y`` and all of a
file's problems come in one ``ConfigError``, so an admin fixes the file in one
go. Unknown sections and keys are errors: a typo such as ``prot = 993`` must
not silently leave the default in force. Every key has a default, so an empty
file is valid. Adding a key costs one ``_key`` field in its section's dataclass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailproc import shipped
from mailproc.errors import ConfigError
from mailproc.defaults import (ACCEPTABLE_FORMATS, DEFAULT_ID_PATTERNS, MAX_PIXELS_CEILING, AttachmentLimits, MiB,
                               compile_patterns)
from mailproc.thread import of_prefix

CONFIG_ENV = "MAILPROC_CONFIG"
DEFAULT_CONFIG = "config.toml"
# Used when the config keeps the default relative "templates" and no such
# directory sits beside the config file (e.g. a config in /etc/mailproc/).
SHIPPED_TEMPLATES = shipped.TEMPLATES
ON_CALL, NEXT_OPENING = "on_call", "next_opening"  # [sla].critical_out_of_hours
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("ru", "en")  # the languages clients are answered in
SIGN_OFFS = {"ru": "Служба поддержки kilbil", "en": "kilbil Support"}  # the shipped [support].signature


class _Bad(Exception):
    """A value failed its check; ``expected`` says what would have passed."""

    def __init__(self, expected: str):
        self.expected = expected


# A check takes the raw TOML value and returns the converted one, or raises _Bad.
Check = Callable[[Any], Any]


def _check(expected: str, ok: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Check:
    def check(value: Any) -> Any:
        if not ok(value):
            raise _Bad(expected)
        return convert(value)
    return check


def _int(lo: int, hi: int | None = None) -> Check:
    expected = f"an integer {lo}-{hi}" if hi is not None else f"an integer >= {lo}"
    return _check(expected, lambda v: type(v) is int and lo <= v and (hi is None or v <= hi))


def _text(pattern: str = r".+", expected: str = "a non-empty string") -> Check:
    return _check(expected, lambda v: isinstance(v, str) and re.fullmatch(pattern, v) is not None)


def _choice(*options: str) -> Check:
    return _check("one of " + ", ".join(f'"{o}"' for o in options), lambda v: isinstance(v, str) and v in options)


def _list(item: Check, expected: str, convert: Callable[[list], Any]) -> Check:
    def check(value: Any) -> Any:
        try:
            if isinstance(value, list) and value:
                return convert([item(i) for i in value])
        except _Bad:
            pass
        raise _Bad(expected)
    return check


def _phrases(expected: str = "a list of strings (may be empty)") -> Check:
    """A list of non-empty strings, possibly empty, as a tuple."""
    return _check(expected, lambda v: isinstance(v, list) and all(isinstance(i, str) and i.strip() for i in v),
                  lambda v: tuple(i.strip() for i in v))


def _id_patterns(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
        try:
            compile_patterns(value)
            return tuple(value)
        except ValueError as exc:
            raise _Bad(f"regular expressions with one group around the digits ({exc})") from None
    raise _Bad("a non-empty list of regular expressions")


def _hhmm(value: Any) -> dt.time:
    if isinstance(value, dt.time):  # a TOML local time: open = 07:00:00
        return value
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return dt.time.fromisoformat(value)
    raise _Bad('a time "HH:MM" (00:00-23:59)')


def _dates(value: Any) -> frozenset[dt.date]:
    """A list, possibly empty, of "YYYY-MM-DD" strings or TOML local dates."""
    def date(item: Any) -> dt.date:
        if type(item) is dt.date:  # a TOML local date: 2026-12-31 (a datetime is no date here)
            return item
        if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
            return dt.date.fromisoformat(item)  # ValueError for 2026-02-30
        raise ValueError(item)
    try:
        if isinstance(value, list):
            return frozenset(map(date, value))
    except ValueError:
        pass
    raise _Bad('a list of dates "YYYY-MM-DD" (may be empty)')


def _zone(value: Any) -> ZoneInfo:
    try:
        if isinstance(value, str):
            return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise _Bad('a time zone name such as "Europe/Moscow"')


def _signature(value: Any) -> tuple[tuple[str, str], ...]:
    """Sign-offs by reply language: a table {ru = "...", en = "..."}, one string for every language, or {}."""
    if isinstance(value, str) and value.strip():
        return tuple((language, value.strip()) for language in LANGUAGES)
    if isinstance(value, dict) and all(k in LANGUAGES and isinstance(v, str) and v.strip() for k, v in value.items()):
        return tuple((language, value[language].strip()) for language in LANGUAGES if language in value)
    raise _Bad('sign-offs by reply language, e.g. {ru = "Служба поддержки kilbil", en = "kilbil Support"} '
               "(languages: " + ", ".join(LANGUAGES) + "), or one string for all")


_DOMAIN = r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
_email = _text(r'[^@\s<>"(),;:]+@' + _DOMAIN, "an email address like support@example.test")


def _email_list(value: Any) -> tuple[str, ...]:
    """A list, possibly empty, of email addresses, lower-cased."""
    try:
        if isinstance(value, list):
            return tuple(_email(a).lower() for a in value)
    except _Bad:
        pass
    raise _Bad("a list of email addresses (may be empty)")


_ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_env = _text(_ENV_NAME, "the NAME of an environment variable (never the secret itself)")
_env_list = _check("a list of NAMES of environment variables (may be empty; never the secrets themselves)",
                   lambda v: isinstance(v, list) and all(isinstance(i, str) and re.fullmatch(_ENV_NAME, i) for i in v),
                   tuple)
_number = _check("a number > 0", lambda v: type(v) in (int, float) and 0 < v < float("inf"), float)
_bool = _check("true or false", lambda v: type(v) is bool)
_security = _choice("none", "starttls", "ssl")
_path = _text(r".+", "a non-empty path")


def _key(check: Check, default: Any, doc: str) -> Any:
    """A config key: its field is filled from the TOML value (or ``default``) through ``check``."""
    return field(metadata={"check": check, "default": default, "doc": doc})


def _ca_file_key() -> Any:
    """The same key in [mailbox] and [smtp]: which CA signs the server's certificate."""
    return _key(_text(r".*", "a path or empty"), "", "CA certificates (PEM) that sign the server's TLS "
                "certificate; empty: the system's; relative to the config file; absolute or None")


# One dataclass per section; its _key fields are that section's schema, one row per key.
@dataclass(frozen=True, slots=True)
class Mailbox:
    host: str = _key(_text(), "127.0.0.1", "IMAP server host name or address")
    port: int = _key(_int(1, 65535), 143, "IMAP server port")
    security: str = _key(_security, "none", "none | starttls | ssl")
    user: str = _key(_text(), "support@example.test", "IMAP login")
    password_env: str = _key(_env, "MAILPROC_IMAP_PASSWORD", "environment variable holding the IMAP password")
    folder: str = _key(_text(), "INBOX", "folder polled for new mail")
    processed_folder: str = _key(_text(), "Processed", "processed mail is moved here (created if missing)")
    quarantine_folder: str = _key(_text(), "Quarantine", "mail that cannot be processed is moved here")
    poll_seconds: int = _key(_int(1), 30, "seconds between polls")
    idle: bool = _key(_bool, True, "`run` waits for new mail in IMAP IDLE when the server offers it")
    batch_size: int = _key(_int(1), 50, "mails are fetched in batches of this many (bounds memory)")
    timeout_seconds: float = _key(_number, 30, "network timeout in seconds")
    retry_max_seconds: int = _key(_int(1), 600, "cap of the reconnect backoff while the IMAP server is unreachable")
    ca_file: Path | None = _ca_file_key()


@dataclass(frozen=True, slots=True)
class Smtp:
    host: str = _key(_text(), "127.0.0.1", "SMTP server host name or address")
    port: int = _key(_int(1, 65535), 25, "SMTP server port")
    security: str = _key(_security, "none", "none | starttls | ssl")
    user: str = _key(_text(r".*", "a string"), "", "SMTP login; empty: no AUTH")
    password_env: str = _key(_env, "MAILPROC_SMTP_PASSWORD", "environment variable holding the SMTP password")
    timeout_seconds: float = _key(_number, 30, "network timeout in seconds")
    retry_max_seconds: int = _key(_int(1), 900, "cap of the retry backoff for unsent mail")
    connections: int = _key(_int(1, 10), 3, "connections sending at once while a poll runs")
    ca_file: Path | None = _ca_file_key()
    helo_name: str = _key(_text(f"|{_DOMAIN}", "a host name, or empty"), "",
                          "the name mailproc gives in EHLO; empty: this machine's fully qualified name")


@dataclass(frozen=True, slots=True)
class Support:
    address: str = _key(_email, "support@example.test", "the address clients write to and replies come from")
    name: str = _key(_text(), "Support", "display name on outgoing mail")
    signature: tuple[tuple[str, str], ...] = _key(
        _signature, {}, "the sign-off of replies by language; a language left out: support.name when it is set, "
        "else the shipped one")
    tag_prefix: str = _key(_text(r"[A-Za-z0-9]{1,10}", "1-10 letters or digits"), "KB", "subject tag [KB-000123]")
    agents: tuple[str, ...] = _key(_list(_email, "a non-empty list of email addresses",
                                         lambda v: tuple(a.lower() for a in v)),
                                   ["agent1@example.test"], "agent addresses (lower-cased): notified, reply to clients")
    token_secret_env: str = _key(_env, "MAILPROC_TOKEN_SECRET", "environment variable holding the HMAC token secret")
    previous_token_secrets_env: tuple[str, ...] = _key(
        _env_list, [], "environment variables holding earlier token secrets: their tokens still verify (rotation)")
    max_auto_replies_per_day: int = _key(_int(0), 3, "automatic replies per sender per day at most")
    keep_agent_signature: bool = _key(_bool, True, "agents' signatures go to the client with their answer")
    reopen_days: int = _key(_int(0), 14, "a client mail on a ticket closed fewer days ago reopens it; later: new ticket")
    message_id_domain: str = _key(_text(f"|{_DOMAIN}", "a domain name, or empty"), "",
                                  "domain of our Message-IDs; empty: the domain of address")

    def sign_off(self, language: str) -> str:
        """How a reply in `language` is signed."""
        return dict(self.signature)[language]

    def sign_off_warnings(self) -> list[str]:
        """A warning when every language is signed alike (e.g. support.name set alone, as before the
        sign-off had a key): an English reply signed in Russian reads oddly."""
        signs = set(dict(self.signature).values())
        return [f'support.signature: replies in every language are signed "{signs.pop()}": to sign each in its '
                'language, set signature = { ru = "...", en = "..." } in [support]'] if len(signs) == 1 else []


# No password in the url: it comes from password_env, like every other secret.
_DATABASE_URL = r"sqlite:///.+|postgresql://([^:@/\s]+@)?[^@/\s]*/[^/?\s]+(\?\S*)?"


@dataclass(frozen=True, slots=True)
class Database:
    url: str = _key(_text(_DATABASE_URL, '"sqlite:///PATH" or "postgresql://USER@HOST:PORT/NAME" (no password in '
                                         "it: see database.password_env)"), "sqlite:///mailproc.db",
                    "database; a relative SQLite PATH is relative to the config file")
    password_env: str = _key(_env, "MAILPROC_DATABASE_PASSWORD",
                             "PostgreSQL: environment variable holding the password; unset: none is sent (the "
                             "server trusts the user, or ~/.pgpass has it)")
    data_dir: Path = _key(_path, "mailproc-data", "raw mails and attachments; relative to the config file; absolute")
    path: Path | None = field()  # the SQLite file named by url, absolute; None on PostgreSQL

    @property
    def where(self) -> str:
        """The database as messages name it: the SQLite file, or the PostgreSQL url."""
        return str(self.path) if self.path else self.url


@dataclass(frozen=True, slots=True)
class Hours:
    timezone: ZoneInfo = _key(_zone, "Europe/Moscow", "time zone of the working hours")
    open: dt.time = _key(_hhmm, "07:00", "opening time HH:MM")
    close: dt.time = _key(_hhmm, "19:00", "closing time HH:MM, after open")
    days: tuple[str, ...] = _key(_list(_choice(*WEEKDAYS), "a non-empty list of " + ", ".join(WEEKDAYS),
                                       lambda v: tuple(d for d in WEEKDAYS if d in v)),
                                 list(WEEKDAYS), "working days, kept in week order")
    closed_dates: frozenset[dt.date] = _key(_dates, [], "dates closed all day; a date also in open_dates is closed")
    open_dates: frozenset[dt.date] = _key(_dates, [], "extra working dates on days that days leaves closed")

    @property
    def weekdays(self) -> frozenset[int]:
        """The working days as ``datetime.weekday()`` numbers (Monday = 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.days)


@dataclass(frozen=True, slots=True)
class Sla:
    first_response_minutes: int = _key(_int(1), 30, "working minutes to the first reaction")
    critical_in_hours_minutes: int = _key(_int(1), 120, "resolution term of a critical problem in working hours")
    critical_out_of_hours_minutes: int = _key(_int(1), 240, "resolution term of a critical problem outside hours")
    warning_minutes: int = _key(_int(0), 10, "agents are warned this many minutes before a deadline")
    waiting_reminder_days: int = _key(_int(0), 3, "working days a ticket waits on the client before one reminder; "
                                      "0: no reminder")
    waiting_close_days: int = _key(_int(0), 4, "working days after the reminder before the ticket closes (§4.7, "
                                   "data not provided); 0: never closed for it")
    critical_out_of_hours: str = _key(_choice(ON_CALL, NEXT_OPENING), ON_CALL,
                                      "a critical problem outside working hours (§2.4): on_call pages the on-call "
                                      "agents at once and promises the 4-hour term; next_opening counts the term "
                                      "from the next opening and pages nobody")
    on_call: tuple[str, ...] = _key(
        _email_list, [], "agents paged at once for a critical problem outside hours (on_call); empty: every agent")


@dataclass(frozen=True, slots=True)
class Templates:
    directory: Path = _key(_path, "templates", "reply templates; relative to the config file; absolute, exists")
    default_language: str = _key(_choice(*LANGUAGES), "ru", "language when the client's is unknown")


@dataclass(frozen=True, slots=True)
class Attachments:
    accepted_formats: tuple[str, ...] = _key(
        _list(_choice(*ACCEPTABLE_FORMATS), "a non-empty list of " + ", ".join(f'"{f}"' for f in ACCEPTABLE_FORMATS),
              lambda v: tuple(f for f in ACCEPTABLE_FORMATS if f in v)),
        list(ACCEPTABLE_FORMATS), "image formats accepted as screenshots, judged by content (§4.2)")
    max_file_mb: float = _key(_number, 20, "larger files are rejected and not stored (1 MB = 1,048,576 bytes)")
    max_total_mb: float = _key(_number, 30, "attachments of one mail beyond this total are rejected and not stored")
    max_pixels: int = _key(_int(1, MAX_PIXELS_CEILING), AttachmentLimits().max_pixels,
                           "width x height x frames of an image at most (decompression bombs)")
    mention_other_files: bool = _key(_bool, False, "whether the reply lists non-image files too")

    @property
    def limits(self) -> AttachmentLimits:
        """The limits as ``mailproc.parse.attachments.classify`` takes them."""
        return AttachmentLimits(accepted_formats=self.accepted_formats, max_pixels=self.max_pixels,
                                max_file_bytes=max(1, int(self.max_file_mb * MiB)),
                                max_total_bytes=max(1, int(self.max_total_mb * MiB)))


@dataclass(frozen=True, slots=True)
class Requests:
    """§4.2: what a request must contain."""

    min_description_chars: int = _key(_int(0), 40, "a shorter description gets a request for steps to reproduce")
    error_words: tuple[str, ...] = _key(
        _phrases(), ["ошиб", "не работает", "не могу", "не получается", "сбой", "error", "fail", "doesn't work",
                     "does not work", "cannot", "can't", "broken"],
        "words that mean 'something fails': without a screenshot the reply asks for one (prefix match)")


@dataclass(frozen=True, slots=True)
class Replies:
    max_faq_links: int = _key(_int(0, 10), 3, "documentation links in one reply at most (§4.3)")


@dataclass(frozen=True, slots=True)
class Scope:
    """§3.2: what technical support does not do."""

    extra_phrases: tuple[str, ...] = _key(_phrases(), [], "phrases added to the built-in §3.2 list")


@dataclass(frozen=True, slots=True)
class Critical:
    """Definitions: a critical problem (cannot log in; system unavailable at the cashier's workstation)."""

    extra_phrases: tuple[str, ...] = _key(_phrases(), [], "phrases added to the built-in list")


@dataclass(frozen=True, slots=True)
class Abuse:
    """§4.2, §4.7: profanity or insults suspend support on the ticket."""

    extra_words: tuple[str, ...] = _key(_phrases(), [], "words added to the built-in list")


@dataclass(frozen=True, slots=True)
class Accounts:
    id_patterns: tuple[str, ...] = _key(_id_patterns, list(DEFAULT_ID_PATTERNS),
                                        "regular expressions finding the account ID (§4.2), one group each")


@dataclass(frozen=True, slots=True)
class Remote:
    """§4.4: an agent's #remote asks the client for a remote connection with this tool."""

    tool: str = _key(_text(), "AnyDesk", "the remote-access program clients are asked to install")
    download_url: str = _key(_text(r"https?://\S+", "an http(s) URL"), "https://anydesk.com/ru/downloads",
                             "where clients download it")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep one mail, one ticket or one sender from stalling or flooding the desk."""

    mail_seconds: float = _key(_number, 30, "time one mail may take to read and judge; past it, it is quarantined")
    ticket_mails_per_hour: int = _key(_int(0), 10, "mails one ticket may send in an hour; past it, rows are held "
                                      "and the agents alerted; 0: no limit")
    relay_max_recipients: int = _key(_int(1), 20, "recipients of an agent's answer at most; beyond, the agents "
                                     "are asked")
    forward_attachment_mb: float = _key(_number, 10, "a client's attachment larger than this is not attached to "
                                        "the agents' notification, only named with its size")

    @property
    def forward_attachment_bytes(self) -> int:
        return max(1, int(self.forward_attachment_mb * MiB))


@dataclass(frozen=True, slots=True)
class Monitoring:
    warning_minutes: int = _key(_int(0), 10, "`status` exits 1 when polling or sending has failed (or no poll "
                                "succeeded) for longer than this")
    critical_minutes: int = _key(_int(0), 30, "`status` exits 2 past this many minutes")
    metrics_file: Path | None = _key(_text(r".*", "a path or empty"), "",
                                     "Prometheus text-format metrics rewritten after every cycle, for node_exporter's "
                                     "textfile collector; relative to the config file; empty: none; absolute or None")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One [[faq]] entry (§1.2, §4.3): phrases in a client's mail -> a documentation link."""

    id: str = _key(_text(r"[a-z0-9_-]+", "a short id of lower-case letters, digits, - or _"), None, "entry id")
    title_ru: str = _key(_text(), None, "link title in Russian")
    title_en: str = _key(_text(), None, "link title in English")
    url: str = _key(_text(r"https?://\S+", "an http(s) URL"), None, "documentation page")
    phrases: tuple[str, ...] = _key(_list(_text(), "a non-empty list of phrases", tuple), None,
                                    "phrases and keywords in Russian and English that point to this page")


_RESERVED_DOMAIN = re.compile(r"(^|[@.])(example(\.(com|net|org))?|test|invalid|localhost)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Settings:
    mailbox: Mailbox
    smtp: Smtp
    support: Support
    database: Database
    hours: Hours
    sla: Sla
    templates: Templates
    attachments: Attachments
    requests: Requests
    replies: Replies
    scope: Scope
    critical: Critical
    abuse: Abuse
    accounts: Accounts
    limits: Limits
    remote: Remote
    monitoring: Monitoring
    faq: tuple[FaqEntry, ...]
    source: Path  # the file loaded, absolute
    sections: frozenset[str] = frozenset()  # the sections the file has (the others are all defaults)
    # One Settings per [[mailbox]] entry (its mailbox, address, prefix, agents, language; the rest
    # shared); empty in the single-mailbox form. mailbox, support and templates are the first one's.
    mailboxes: tuple[Settings, ...] = ()
    other_addresses: tuple[str, ...] = ()  # in a mailbox's settings, the others' addresses: never a client's Cc

    def each_mailbox(self) -> tuple[Settings, ...]:
        """The settings each mailbox is processed with: one per [[mailbox]] entry, else these."""
        return self.mailboxes or (self,)

    def address_of(self, tag: str) -> str | None:
        """The address of the mailbox a ticket belongs to, by its tag's prefix; None: no mailbox has it now."""
        return next((one.support.address for one in self.each_mailbox() if of_prefix(tag, one.support.tag_prefix)),
                    None)

    def missing_sections(self) -> list[str]:
        """One line for each section a real desk must set but the file lacks: its defaults are an
        example (support@example.test at 127.0.0.1), so a desk would start, then fail or answer as nobody."""
        return [f"{name}: missing section [{name}]; its defaults are only an example ({what}): add it "
                "(`mailproc init DIR` writes a commented config to start from)"
                for name, what in (("mailbox", f"IMAP {self.mailbox.user} at {self.mailbox.host}:{self.mailbox.port}"),
                                   ("smtp", f"SMTP at {self.smtp.host}:{self.smtp.port}"),
                                   ("support", f"address {self.support.address}"))
                if name not in self.sections and not (self.mailboxes and name == "support")]

    def example_values(self) -> list[str]:
        """Addresses still in a domain reserved for examples (RFC 2606, e.g. example.test, as the
        starter config has them): fine for a trial, never a real desk."""
        values = {}
        for n, one in enumerate(self.each_mailbox(), 1):
            entry = f"mailbox[{n}]." if self.mailboxes else ""
            values |= {f"{entry or 'support.'}address": one.support.address,
                       f"{entry or 'mailbox.'}user": one.mailbox.user,
                       **{f"{entry or 'support.'}agents[{i}]": a for i, a in enumerate(one.support.agents, 1)}}
        return [f"{key}: {value} is an example address (a reserved domain): put the desk's real one"
                for key, value in values.items() if _RESERVED_DOMAIN.search(value)]


SECTIONS = {"mailbox": Mailbox, "smtp": Smtp, "support": Support, "database": Database,
            "hours": Hours, "sla": Sla, "templates": Templates, "attachments": Attachments,
            "requests": Requests, "replies": Replies, "scope": Scope, "critical": Critical, "abuse": Abuse,
            "accounts": Accounts, "limits": Limits, "remote": Remote,
            "monitoring": Monitoring}
FAQ_SCHEMA = {f.name: (f.metadata["check"], f.metadata["doc"]) for f in fields(FaqEntry)}
# section -> key -> (check, default, what the key does)
SCHEMA: dict[str, dict[str, tuple[Check, Any, str]]] = {
    section: {f.name: (f.metadata["check"], f.metadata["default"], f.metadata["doc"])
              for f in fields(cls) if f.metadata}
    for section, cls in SECTIONS.items()
}


@dataclass(frozen=True, slots=True)
class Secrets:
    imap_password: str
    smtp_password: str | None  # None when SMTP AUTH is not used
    token_secret: bytes  # signs the tokens we issue
    previous_token_secrets: tuple[bytes, ...] = ()  # still verify tokens issued before a rotation


def config_path(cli_value: str | None, environ: Mapping[str, str]) -> Path:
    """SPEC §7: ``--config PATH``, else ``$MAILPROC_CONFIG``, else ``./config.toml``."""
    return Path(cli_value or environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return "a table" if isinstance(value, dict) else str(value)


def _converted(check: Check, raw: Any, name: str, problems: list[str]) -> Any:
    """The checked value of one key; None, and the problem said, when it does not pass."""
    try:
        return check(raw)
    except _Bad as bad:
        problems.append(f"{name}: expected {bad.expected}, got {_shown(raw)}")
        return None


def _unknown(kind: str, name: str, known: list[str]) -> str:
    near = difflib.get_close_matches(name.rpartition(".")[2], known, n=1)
    hint = f'did you mean "{near[0]}"? ' if near else ""
    return f"{name}: unknown {kind} ({hint}known: {', '.join(known)})"


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {path} (pass --config PATH or set {CONFIG_ENV})"]) from None
    except OSError as e:
        raise ConfigError([f"cannot read config file {path}: {e.strerror}"]) from None
    except UnicodeDecodeError as e:
        raise ConfigError([f"{path}: not UTF-8 text (byte {e.start})"]) from None
    except tomllib.TOMLDecodeError as e:  # its text ends "(at line L, column C)"
        raise ConfigError([f"{path}: TOML syntax error: {e}"]) from None


def _relative(base: Path, value: str) -> Path:
    return (base / Path(value).expanduser()).resolve()


def _templates_dir(base: Path, value: str) -> Path:
    directory = _relative(base, value)
    if value == SCHEMA["templates"]["directory"][1] and not directory.is_dir():
        return SHIPPED_TEMPLATES
    return directory


def load_settings(path: Path) -> Settings:
    """Read and validate the config at ``path``; raise ConfigError listing every problem."""
    data, source = _read(path), path.resolve()
    problems = [_unknown("section", s, [*SCHEMA, "faq"]) for s in data if s not in SCHEMA and s != "faq"]
    entries = data.get("mailbox") if isinstance(data.get("mailbox"), list) else None  # [[mailbox]] form
    if entries is not None:
        data = {**data, "mailbox": {}}
    v: dict[str, dict[str, Any]] = {}  # section -> key -> converted value, None where the check failed
    for section, schema in SCHEMA.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            problems.append(f"{section}: expected a table [{section}], got {_shown(table)}")
            table = {}
        problems += [_unknown("key", f"{section}.{k}", list(schema)) for k in table if k not in schema]
        v[section] = {}
        for key, (check, default, _doc) in schema.items():
            v[section][key] = _converted(check, table.get(key, default), f"{section}.{key}", problems)
    faq = _faq_entries(data.get("faq", []), problems)
    if entries is None:
        problems += _cross_problems(v, source.parent)
        if problems:
            raise ConfigError(problems)
        return _settings(v, faq, source, frozenset(data))
    per_mailbox = _mailbox_entries(entries, data.get("support", {}), v, problems)
    for n, values in enumerate(per_mailbox, 1):
        problems += [_entry_key(problem, n) for problem in _cross_problems(values, source.parent)]
    problems = list(dict.fromkeys(problems))  # a shared key's problem is found once per mailbox
    if problems:
        raise ConfigError(problems)
    mailboxes = tuple(_settings(values, faq, source, frozenset(data)) for values in per_mailbox)
    addresses = [one.support.address for one in mailboxes]
    mailboxes = tuple(dataclasses.replace(one, other_addresses=tuple(a for a in addresses if a != one.support.address))
                      for one in mailboxes)
    return dataclasses.replace(mailboxes[0], mailboxes=mailboxes)


# The keys a [[mailbox]] entry has: all of [mailbox], these of [support] (default: [support]'s),
# and templates.default_language. address and tag_prefix are required: no two mailboxes share them.
ENTRY_SUPPORT_KEYS = ("address", "name", "signature", "tag_prefix", "agents", "message_id_domain")
ENTRY_REQUIRED = ("address", "tag_prefix")


def _entry_key(problem: str, n: int) -> str:
    """A problem found with a mailbox's values names its own keys as the admin wrote them: mailbox[N].key."""
    own = "|".join(ENTRY_SUPPORT_KEYS)
    return re.sub(rf"\b(mailbox\.(?=\w)|support\.(?=({own})\b))", f"mailbox[{n}].", problem)


def _mailbox_entries(tables: list[Any], support_table: Any, v: dict[str, dict[str, Any]],
                     problems: list[str]) -> list[dict[str, dict[str, Any]]]:
    """Each [[mailbox]] entry checked like a section; returns each mailbox's values (its sections
    over the shared ones), or none when an entry is no table or a shared [support] sets a mailbox's key."""
    if not tables or not all(isinstance(t, dict) for t in tables):
        problems.append("mailbox: expected a table [mailbox], or [[mailbox]] entries (an array of tables)")
        return []
    if isinstance(support_table, dict):
        problems += [f"support.{key}: set in each [[mailbox]] entry when the config has several mailboxes"
                     for key in ENTRY_REQUIRED if key in support_table]
    known = [*SCHEMA["mailbox"], *ENTRY_SUPPORT_KEYS, "default_language"]
    per_mailbox = []
    for n, table in enumerate(tables, 1):
        problems += [_unknown("key", f"mailbox[{n}].{k}", known) for k in table if k not in known]
        problems += [f"mailbox[{n}].{key}: missing ({SCHEMA['support'][key][2]})"
                     for key in ENTRY_REQUIRED if key not in table]
        values = {section: dict(keys) for section, keys in v.items()}
        for key in known:
            section = "mailbox" if key in SCHEMA["mailbox"] else "templates" if key == "default_language" else "support"
            check, default, _doc = SCHEMA[section][key]
            if key in table or section == "mailbox":
                values[section][key] = _converted(check, table.get(key, default), f"mailbox[{n}].{key}", problems)
        on_call, agents = values["sla"]["on_call"], values["support"]["agents"]
        if None not in (on_call, agents):  # each mailbox pages its own on-call agents
            values["sla"]["on_call"] = tuple(a for a in on_call if a in agents)
        per_mailbox.append(values)
    problems += _clashes(per_mailbox, v["sla"]["on_call"])
    return per_mailbox


def _clashes(per_mailbox: list[dict[str, dict[str, Any]]], on_call: tuple[str, ...] | None) -> list[str]:
    """Mailboxes that would share a ticket numbering, an address or a polled folder, or mail each other."""
    problems, seen = [], {}
    for n, values in enumerate(per_mailbox, 1):
        mb, sup = values["mailbox"], values["support"]
        owned = {"address": sup["address"] and sup["address"].lower(),
                 "tag_prefix": sup["tag_prefix"] and sup["tag_prefix"].upper(),
                 "folder": None not in (mb["user"], mb["folder"]) and
                 f'{mb["folder"]} of {mb["user"].lower()} at {mb["host"]}:{mb["port"]}'}
        for key, value in owned.items():
            if value and (first := seen.setdefault((key, value), n)) != n:
                problems.append(f"mailbox[{n}].{key}: {value} is mailbox[{first}]'s already: each mailbox needs "
                                f"its own (a shared one would mix the two mailboxes' tickets)")
    addresses = {values["support"]["address"].lower(): n for n, values in enumerate(per_mailbox, 1)
                 if values["support"]["address"]}
    for n, values in enumerate(per_mailbox, 1):
        for agent in values["support"]["agents"] or ():
            if agent in addresses and addresses[agent] != n:  # its notifications would come back as client mail
                problems.append(f"mailbox[{n}].agents: {agent} is the address of mailbox[{addresses[agent]}]: "
                                "an agent must be a person's address")
    agents = {a for values in per_mailbox for a in values["support"]["agents"] or ()}
    if on_call and (strangers := [a for a in on_call if a not in agents]):
        problems.append(f"sla.on_call: expected addresses listed in some mailbox's agents, got {_shown(strangers)}")
    return problems


def _faq_entries(tables: Any, problems: list[str]) -> tuple[FaqEntry, ...]:
    """[[faq]] is an array of tables: each entry checked like a section, named faq[N].key."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append("faq: expected [[faq]] entries (an array of tables)")
        return ()
    entries, ids = [], set()
    for n, table in enumerate(tables, 1):
        where = f"faq[{n}]"
        problems += [_unknown("key", f"{where}.{k}", list(FAQ_SCHEMA)) for k in table if k not in FAQ_SCHEMA]
        values = {}
        for key, (check, _doc) in FAQ_SCHEMA.items():
            if key not in table:
                problems.append(f"{where}.{key}: missing ({_doc})")
                continue
            try:
                values[key] = check(table[key])
            except _Bad as bad:
                problems.append(f"{where}.{key}: expected {bad.expected}, got {_shown(table[key])}")
        if values.get("id") in ids:
            problems.append(f"{where}.id: expected an id not used by another entry, got {_shown(values['id'])}")
        ids.add(values.get("id"))
        if len(values) == len(FAQ_SCHEMA):
            entries.append(FaqEntry(**values))
    return tuple(entries)


def _cross_problems(v: dict[str, dict[str, Any]], base: Path) -> list[str]:
    """Checks that span keys; each runs only when its keys passed their own checks."""
    mb, sup, hours, tpl = v["mailbox"], v["support"], v["hours"], v["templates"]
    problems = []
    for section in ("mailbox", "smtp"):
        ca_file = v[section]["ca_file"]
        if ca_file and not _relative(base, ca_file).is_file():
            problems.append(f"{section}.ca_file: expected an existing PEM file, got {_shown(ca_file)} "
                            f"(looked for {_relative(base, ca_file)})")
    for key in ("processed_folder", "quarantine_folder"):
        if mb[key] is not None and mb[key] == mb["folder"]:  # moved mail would return with a new UID, forever
            problems.append(f"mailbox.{key}: expected a folder other than mailbox.folder, got {_shown(mb[key])}")
    if None not in (sup["address"], sup["agents"]) and sup["address"].lower() in sup["agents"]:  # mail loop
        problems.append("support.agents: expected addresses other than support.address, "
                        f"got {_shown(list(sup['agents']))}")
    on_call = v["sla"]["on_call"]
    if None not in (on_call, sup["agents"]) and (strangers := [a for a in on_call if a not in sup["agents"]]):
        # the on-call answers the client through the desk: a mail from a non-agent would count as the client's
        problems.append(f"sla.on_call: expected addresses listed in support.agents, got {_shown(strangers)} "
                        "(add them to support.agents, or leave sla.on_call empty to page every agent)")
    if None not in (hours["open"], hours["close"]) and hours["close"] <= hours["open"]:
        problems.append(f'hours.close: expected a time after hours.open ({hours["open"]:%H:%M}), '
                        f'got "{hours["close"]:%H:%M}"')
    if tpl["directory"] is not None and not (directory := _templates_dir(base, tpl["directory"])).is_dir():
        problems.append(f"templates.directory: expected an existing directory, got {_shown(tpl['directory'])} "
                        f"(looked for {directory})")
    return problems


def _settings(v: dict[str, dict[str, Any]], faq: tuple[FaqEntry, ...], source: Path,
              sections: frozenset[str]) -> Settings:
    """Fill in what derives from other keys or from the config file's place, then freeze."""
    base, sup, db, tpl = source.parent, v["support"], v["database"], v["templates"]
    sup["message_id_domain"] = sup["message_id_domain"] or sup["address"].rpartition("@")[2]
    # A desk that set only name signs with it, as before the sign-off had a key of its own.
    unset = SIGN_OFFS if sup["name"] == SCHEMA["support"]["name"][1] else dict.fromkeys(LANGUAGES, sup["name"])
    sup["signature"] = tuple({**unset, **dict(sup["signature"])}.items())
    db["path"] = _relative(base, db["url"].removeprefix("sqlite:///")) if db["url"].startswith("sqlite:") else None
    db["data_dir"] = _relative(base, db["data_dir"])
    tpl["directory"] = _templates_dir(base, tpl["directory"])
    mon = v["monitoring"]
    mon["metrics_file"] = _relative(base, mon["metrics_file"]) if mon["metrics_file"] else None
    for section in ("mailbox", "smtp"):
        v[section]["ca_file"] = _relative(base, v[section]["ca_file"]) if v[section]["ca_file"] else None
    return Settings(source=source, faq=faq, sections=sections,
                    **{section: cls(**v[section]) for section, cls in SECTIONS.items()})


def database_at(url: str, settings: Settings) -> Database:
    """Another database for this desk (`db copy --to URL`): its password comes from the same
    database.password_env; a relative SQLite PATH is relative to the current directory."""
    if not re.fullmatch(_DATABASE_URL, url):
        masked = re.sub(r"(://[^:@/]*:)[^@/]*@", r"\1***@", url)  # a password typed into it is not echoed
        raise ConfigError([f'expected "sqlite:///PATH" or "postgresql://USER@HOST:PORT/NAME" (no password in it: '
                           f"it comes from ${settings.database.password_env}), got {_shown(masked)}"])
    path = Path(url.removeprefix("sqlite:///")).expanduser().resolve() if url.startswith("sqlite:") else None
    return replace(settings.database, url=url, path=path)


def read_mailboxes_secrets(settings: Settings, environ: Mapping[str, str]) -> tuple[Secrets, ...]:
    """The secrets of each mailbox (its own IMAP password, the shared ones); every missing one at once,
    named mailbox[N].key where the mailbox's own key names it."""
    found, problems = [], []
    for n, one in enumerate(settings.each_mailbox(), 1):
        try:
            found.append(read_secrets(one, environ))
        except ConfigError as exc:
            named = [_entry_key(p, n) if settings.mailboxes else p for p in exc.problems]
            problems += [p for p in named if p not in problems]
    if problems:
        raise ConfigError(problems)
    return tuple(found)


def read_secrets(settings: Settings, environ: Mapping[str, str], *, need_smtp_password: bool | None = None) -> Secrets:
    """Read the secrets from the environment variables the config names; report every missing one at once.

    The SMTP password is needed when ``smtp.user`` is set (SMTP AUTH), unless the caller says otherwise.
    """
    need_smtp = bool(settings.smtp.user) if need_smtp_password is None else need_smtp_password
    wanted = {"mailbox.password_env": settings.mailbox.password_env,
              "support.token_secret_env": settings.support.token_secret_env}
    if need_smtp:
        wanted["smtp.password_env"] = settings.smtp.password_env
    previous = settings.support.previous_token_secrets_env
    found = {key: environ.get(var, "") for key, var in wanted.items()}
    problems = [f"{key}: environment variable {wanted[key]} is not set" for key, value in found.items() if not value]
    problems += [f"support.previous_token_secrets_env: environment variable {var} is not set "
                 "(set it to the earlier secret, or take it off the list once its tokens may lapse)"
                 for var in previous if not environ.get(var)]
    if problems:
        raise ConfigError(problems)
    return Secrets(imap_password=found["mailbox.password_env"],
                   smtp_password=found.get("smtp.password_env"),
                   token_secret=found["support.token_secret_env"].encode(),
                   previous_token_secrets=tuple(environ[var].encode() for var in previous))
