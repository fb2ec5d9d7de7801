"""Key ids in our tokens: the token secret can be rotated without breaking the tickets open at the time."""
import pytest

from mailproc import tokens

OLD, NEW, UNKNOWN = b"old-secret", b"new-secret", b"never-configured"
DOMAIN, SUPPORT = "example.test", "support@example.test"
# Issued by mailproc before tokens carried a key id (computed with that code, signed with OLD).
LEGACY_REPLY_ADDRESS = "support+kb-000123-24f881caf95858e9@example.test"
LEGACY_MESSAGE_ID = "KB-000123.0123456789abcdef.7cff0b9f7e506812@example.test"


def test_key_id_is_short_stable_and_tells_secrets_apart():
    assert tokens.key_id(OLD) == tokens.key_id(OLD) and len(tokens.key_id(OLD)) == 4
    assert tokens.key_id(OLD) != tokens.key_id(NEW)


def test_issued_tokens_carry_the_key_id_of_the_current_secret():
    kid = tokens.key_id(NEW)
    assert tokens.reply_address(NEW, "KB-000123", SUPPORT).startswith(f"support+kb-000123-{kid}-")
    assert tokens.new_message_id(NEW, "KB-000123", DOMAIN).startswith(f"KB-000123.{kid}.")


# (case, token signed with, current secret, previous secrets, verifies)
CASES = [
    ("current secret", NEW, NEW, (), True),
    ("after rotation: the old secret kept as previous", OLD, NEW, (OLD,), True),
    ("after rotation: one of several previous secrets", OLD, NEW, (b"older", OLD), True),
    ("old secret dropped from the config", OLD, NEW, (), False),
    ("signed by a secret never configured", UNKNOWN, NEW, (OLD,), False),
]


@pytest.mark.parametrize("signed_with,current,previous,verifies", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reply_address_verifies_with_the_secret_its_key_id_names(signed_with, current, previous, verifies):
    address = tokens.reply_address(signed_with, "KB-000123", SUPPORT)
    expected = "KB-000123" if verifies else None
    assert tokens.ticket_of_reply_address(current, address, SUPPORT, previous) == expected


@pytest.mark.parametrize("signed_with,current,previous,verifies", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_message_id_verifies_with_the_secret_its_key_id_names(signed_with, current, previous, verifies):
    message_id = tokens.new_message_id(signed_with, "KB-000123", DOMAIN)
    expected = "KB-000123" if verifies else None
    assert tokens.ticket_of_message_id(current, message_id, DOMAIN, previous) == expected
    assert tokens.looks_like_ours(message_id, DOMAIN)
    bounce = f"Final-Recipient: rfc822; c@x.test\r\n\r\nMessage-ID: <{message_id}>\r\n".encode()
    assert tokens.ticket_quoted_in(bounce, current, DOMAIN, previous) == expected


LEGACY = [
    ("issued before key ids, secret unchanged", OLD, (), "KB-000123"),
    ("issued before key ids, secret since rotated", NEW, (OLD,), "KB-000123"),
    ("issued before key ids, secret no longer kept", NEW, (), None),
]


@pytest.mark.parametrize("current,previous,expected", [c[1:] for c in LEGACY], ids=[c[0] for c in LEGACY])
def test_tokens_without_a_key_id_still_verify(current, previous, expected):
    assert tokens.ticket_of_reply_address(current, LEGACY_REPLY_ADDRESS, SUPPORT, previous) == expected
    assert tokens.ticket_of_message_id(current, LEGACY_MESSAGE_ID, DOMAIN, previous) == expected
    assert tokens.looks_like_ours(LEGACY_MESSAGE_ID, DOMAIN)
    quoted = f"\r\n\r\nIn-Reply-To: <{LEGACY_MESSAGE_ID}>\r\n".encode()
    assert tokens.ticket_quoted_in(quoted, current, DOMAIN, previous) == expected


def _swap_key_id(token: str, kid: str) -> str:
    old = tokens.key_id(NEW)
    return token.replace(f"-{old}-", f"-{kid}-").replace(f".{old}.", f".{kid}.")


@pytest.mark.parametrize("kid", [tokens.key_id(OLD), "0000"], ids=["another known key id", "unknown key id"])
def test_a_changed_key_id_does_not_verify(kid):
    address = _swap_key_id(tokens.reply_address(NEW, "KB-000123", SUPPORT), kid)
    message_id = _swap_key_id(tokens.new_message_id(NEW, "KB-000123", DOMAIN), kid)
    assert tokens.ticket_of_reply_address(NEW, address, SUPPORT, (OLD,)) is None
    assert tokens.ticket_of_message_id(NEW, message_id, DOMAIN, (OLD,)) is None
