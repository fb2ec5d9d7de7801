"""Signed tokens that name a ticket, carried in our Message-IDs and reply addresses. Pure.

A reply is matched to its ticket by the Message-ID it answers even when the subject
was rewritten; the HMAC lets us tell our own ids from forged ones (SPEC §3).

Every token carries a key id, a short public name of the secret that signed it, so the
secret can be rotated: tokens are issued with the current secret and verified with the
secret their key id names, the current one or one of the previous ones the admin keeps.
Tokens issued before key ids existed (no key id) verify against any of these secrets.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_SIG_LEN = 16
_KEY_ID_LEN = 4
_KEY_ID = rf"[0-9a-f]{{{_KEY_ID_LEN}}}"
# KB-000123.<key id>.<nonce>.<signature>@domain; before key ids: KB-000123.<nonce>.<signature>@domain
_OUR_ID = re.compile(rf"^(?P<tag>[A-Za-z0-9]+-\d+)\.(?:(?P<kid>{_KEY_ID})\.)?(?P<nonce>[0-9a-f]+)"
                     rf"\.(?P<sig>[0-9a-f]+)@(?P<domain>.+)$")


def key_id(secret: bytes) -> str:
    """The public name of a secret: reveals nothing of it (a hash), tells a verifier which secret to use."""
    return hmac.new(secret, b"mailproc key id", hashlib.sha256).hexdigest()[:_KEY_ID_LEN]


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:_SIG_LEN]


def _verifies(text: str, kid: str | None, signature: str, secret: bytes, previous: tuple[bytes, ...]) -> bool:
    """Whether one of our secrets signed `text`: the one `kid` names (ids may collide: each is
    tried), or for a token without a key id, any of them."""
    return any(hmac.compare_digest(_sign(s, text), signature)
               for s in (secret, *previous) if kid is None or key_id(s) == kid)


def new_message_id(secret: bytes, tag: str, domain: str) -> str:
    """A fresh Message-ID (no angle brackets) carrying the ticket tag, the key id and the signature."""
    nonce = secrets.token_hex(8)
    return f"{tag}.{key_id(secret)}.{nonce}.{_sign(secret, f'{tag}.{nonce}')}@{domain}"


def ticket_of_message_id(secret: bytes, message_id: str, domain: str, previous: tuple[bytes, ...] = ()) -> str | None:
    """The tag named by one of OUR Message-IDs, or None (not ours, forged, or signed by a secret
    that is neither `secret` nor one of the `previous` ones)."""
    m = _OUR_ID.match(message_id)
    if not m or m["domain"].lower() != domain.lower():
        return None
    ok = _verifies(f"{m['tag']}.{m['nonce']}", m["kid"], m["sig"], secret, previous)
    return m["tag"].upper() if ok else None


def looks_like_ours(message_id: str, domain: str) -> bool:
    """Shaped like the ids we generate, in our domain (signature not checked)."""
    m = _OUR_ID.match(message_id)
    return bool(m) and m["domain"].lower() == domain.lower()


def reply_address(secret: bytes, tag: str, support_address: str) -> str:
    """The per-ticket address agents answer notifications at: support+kb-000123-<key id>-<token>@domain."""
    local, _, domain = support_address.partition("@")
    return f"{local}+{tag.lower()}-{key_id(secret)}-{_sign(secret, f'reply:{tag.upper()}')}@{domain}"


def ticket_of_reply_address(secret: bytes, address: str, support_address: str,
                            previous: tuple[bytes, ...] = ()) -> str | None:
    """The tag of a tokened reply address whose token verifies, else None (absent, tampered, foreign,
    signed by a secret we no longer keep)."""
    local, _, domain = support_address.lower().partition("@")
    m = re.fullmatch(rf"{re.escape(local)}\+([a-z0-9]+-\d+)-(?:({_KEY_ID})-)?([0-9a-f]+)@{re.escape(domain)}",
                     address.lower())
    if not m:
        return None
    tag = m[1].upper()
    return tag if _verifies(f"reply:{tag}", m[2], m[3], secret, previous) else None


def ticket_quoted_in(data: bytes, secret: bytes, domain: str, previous: tuple[bytes, ...] = ()) -> str | None:
    """The tag of the first of OUR signed Message-IDs quoted anywhere in a raw mail (a bounce
    carries the headers of the mail it returns), else None."""
    pattern = (rb"<([A-Za-z0-9]+-\d+\.(?:[0-9a-f]+\.)?[0-9a-f]+\.[0-9a-f]+@" + re.escape(domain.encode()) + rb")>")
    for match in re.finditer(pattern, data[:1_000_000], re.IGNORECASE):
        if tag := ticket_of_message_id(secret, match[1].decode("ascii"), domain, previous):
            return tag
    return None
