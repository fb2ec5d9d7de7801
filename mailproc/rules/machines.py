"""SPEC §6 (RFC 3834): how a mail shows it was sent by a machine, not a person. Pure."""
from __future__ import annotations

import re

from mailproc import tokens
from mailproc.mail import InboundMail
from mailproc.vocab import LOOP_HEADER


_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_MACHINE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+._-].*)?$")
_PRESENCE_HEADERS = ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond", "x-loop")

# Many responders (Exchange, Outlook, Mail.ru, Yandex) set none of the headers above; their
# subject gives them away: one of these words, then a colon, at the very start ("Автоответ: Re: ...").
# A person's subject that merely contains such a word ("Автоответ не работает") is not matched.
AUTO_REPLY_SUBJECT_PREFIXES = (
    "автоответ", "автоматический ответ", "автоматична відповідь",
    "automatic reply", "auto reply", "auto-reply", "autoreply", "auto response", "auto", "out of office",
    "out of office autoreply", "out of the office", "abwesenheitsnotiz", "automatische antwort",
    "réponse automatique", "respuesta automática", "risposta automatica", "automatisch antwoord",
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(" + "|".join(sorted(map(re.escape, AUTO_REPLY_SUBJECT_PREFIXES), key=len, reverse=True)) + r")\s*:",
    re.IGNORECASE)


def machine_reasons(mail: InboundMail, support_address: str, our_domain: str) -> list[str]:
    reasons = []
    auto_submitted = (mail.header("auto-submitted") or "no").strip().lower()
    if not auto_submitted.startswith("no"):
        reasons.append(f"Auto-Submitted: {auto_submitted}")
    precedence = (mail.header("precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        reasons.append(f"Precedence: {precedence}")
    reasons += [f"{name} header" for name in _PRESENCE_HEADERS if mail.header(name) is not None]
    suppress = (mail.header("x-auto-response-suppress") or "").lower()
    if re.search(r"\b(all|autoreply)\b", suppress):
        reasons.append(f"X-Auto-Response-Suppress: {suppress}")
    if mail.content_type == "multipart/report":
        reasons.append("delivery/disposition report (multipart/report)")
    if (mail.header("return-path") or "").strip() == "<>":
        reasons.append("null Return-Path (bounce)")
    local_part = mail.from_addr.split("@")[0]
    if _MACHINE_SENDERS.match(local_part) or not mail.from_addr:
        reasons.append(f"machine sender {mail.from_addr or '(none)'}")
    if match := _AUTO_REPLY_SUBJECT.match(mail.subject):
        reasons.append(f"subject of an automatic answer ({match[1]}:)")
    if is_our_own(mail, support_address, our_domain):
        reasons.append("our own mail came back, or claims our address")
    return reasons


def is_our_own(mail: InboundMail, support_address: str, our_domain: str) -> bool:
    """Mail we sent that came back (a forwarding loop), or mail that claims to be ours: our
    address in From, our loop header, a Message-ID shaped like ours. Exact comparisons: a
    look-alike (Cyrillic "ѕ", full-width "＠", our address inside another domain) is a stranger."""
    support = support_address.lower()
    return (mail.from_addr == support
            or any(value.strip().lower() == support for value in mail.header_values(LOOP_HEADER))
            or bool(mail.message_id and tokens.looks_like_ours(mail.message_id, our_domain)))


def dmarc_failed(mail: InboundMail) -> bool:
    """The receiving server's verdict: the topmost Authentication-Results is the one it stamped."""
    results = mail.header_values("authentication-results")
    return bool(results) and re.search(r"\bdmarc\s*=\s*fail\b", results[0], re.IGNORECASE) is not None
