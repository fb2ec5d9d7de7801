"""Signed tokens that name a ticket, carried in our Message-IDs. Pure.

A reply is matched to its ticket by the Message-ID it answers even when the subject
was rewritten; the HMAC lets us tell our own ids from forged ones (SPEC §3).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_SIG_LEN = 16
_OUR_ID = re.compile(r"^(?P<tag>[A-Za-z0-9]+-\d+)\.(?P<nonce>[0-9a-f]+)\.(?P<sig>[0-9a-f]+)@(?P<domain>.+)$")


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:_SIG_LEN]


def new_message_id(secret: bytes, tag: str, domain: str) -> str:
    """A fresh Message-ID (no angle brackets) carrying the ticket tag and its signature."""
    nonce = secrets.token_hex(8)
    return f"{tag}.{nonce}.{_sign(secret, f'{tag}.{nonce}')}@{domain}"


def ticket_of_message_id(secret: bytes, message_id: str, domain: str) -> str | None:
    """The tag named by one of OUR Message-IDs, or None (not ours, or forged)."""
    m = _OUR_ID.match(message_id)
    if not m or m["domain"].lower() != domain.lower():
        return None
    expected = _sign(secret, f"{m['tag']}.{m['nonce']}")
    return m["tag"].upper() if hmac.compare_digest(expected, m["sig"]) else None


def looks_like_ours(message_id: str, domain: str) -> bool:
    """Shaped like the ids we generate, in our domain (signature not checked)."""
    m = _OUR_ID.match(message_id)
    return bool(m) and m["domain"].lower() == domain.lower()



def reply_address(secret: bytes, tag: str, support_address: str) -> str:
    """The per-ticket address agents answer notifications at: support+KB-000123-<token>@domain."""
    local, _, domain = support_address.partition("@")
    return f"{local}+{tag.lower()}-{_sign(secret, f'reply:{tag.upper()}')}@{domain}"


def ticket_of_reply_address(secret: bytes, address: str, support_address: str) -> str | None:
    """The tag of a tokened reply address whose token verifies, else None (absent, tampered, foreign)."""
    local, _, domain = support_address.lower().partition("@")
    m = re.fullmatch(rf"{re.escape(local)}\+([a-z0-9]+-\d+)-([0-9a-f]+)@{re.escape(domain)}", address.lower())
    if not m:
        return None
    tag = m[1].upper()
    return tag if hmac.compare_digest(_sign(secret, f"reply:{tag}"), m[2]) else None


def ticket_quoted_in(data: bytes, secret: bytes, domain: str) -> str | None:
    """The tag of the first of OUR signed Message-IDs quoted anywhere in a raw mail (a bounce
    carries the headers of the mail it returns), else None."""
    pattern = rb"<([A-Za-z0-9]+-\d+\.[0-9a-f]+\.[0-9a-f]+@" + re.escape(domain.encode()) + rb")>"
    for match in re.finditer(pattern, data[:1_000_000], re.IGNORECASE):
        if tag := ticket_of_message_id(secret, match[1].decode("ascii"), domain):
            return tag
    return None
