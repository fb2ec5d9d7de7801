"""Signed tokens that name a ticket: in our Message-IDs and reply addresses. Pure.

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


def is_our_domain(message_id: str, domain: str) -> bool:
    return message_id.lower().endswith("@" + domain.lower())


def reply_token(secret: bytes, tag: str) -> str:
    """The per-ticket token of a reply address such as support+KB-000123-<token>@domain."""
    return _sign(secret, f"reply:{tag.upper()}")


def verify_reply_token(secret: bytes, tag: str, token: str) -> bool:
    return hmac.compare_digest(reply_token(secret, tag), token.lower())
