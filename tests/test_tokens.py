"""Signed Message-IDs and reply tokens: ours verify, forged or foreign ones do not."""
from mailproc import tokens

SECRET = b"test-secret"


def test_our_message_id_names_its_ticket():
    mid = tokens.new_message_id(SECRET, "KB-000123", "example.test")
    assert tokens.ticket_of_message_id(SECRET, mid, "example.test") == "KB-000123"


def test_message_ids_are_unique():
    assert len({tokens.new_message_id(SECRET, "KB-000001", "example.test") for _ in range(100)}) == 100


def test_tampered_tag_is_not_recognised():
    mid = tokens.new_message_id(SECRET, "KB-000123", "example.test")
    forged = mid.replace("KB-000123", "KB-000124")
    assert tokens.ticket_of_message_id(SECRET, forged, "example.test") is None


def test_other_secret_or_domain_is_not_ours():
    mid = tokens.new_message_id(SECRET, "KB-000123", "example.test")
    assert tokens.ticket_of_message_id(b"other", mid, "example.test") is None
    assert tokens.ticket_of_message_id(SECRET, mid, "elsewhere.test") is None
    assert tokens.ticket_of_message_id(SECRET, "abc@client.test", "example.test") is None



def test_reply_address_names_its_ticket():
    address = tokens.reply_address(SECRET, "KB-000123", "support@example.test")
    assert address.startswith("support+kb-000123-") and address.endswith("@example.test")
    assert tokens.ticket_of_reply_address(SECRET, address, "support@example.test") == "KB-000123"
    assert tokens.ticket_of_reply_address(SECRET, address.upper(), "support@example.test") == "KB-000123"


def test_tampered_or_foreign_reply_addresses_do_not_verify():
    address = tokens.reply_address(SECRET, "KB-000123", "support@example.test")
    other_ticket = address.replace("kb-000123", "kb-000124")
    flipped = address[:-15] + ("0" if address[-15] != "0" else "1") + address[-14:]
    for forged in (other_ticket, flipped, "support@example.test", "support+kb-000123@example.test",
                   address.replace("@example.test", "@evil.test")):
        assert tokens.ticket_of_reply_address(SECRET, forged, "support@example.test") is None, forged
    assert tokens.ticket_of_reply_address(b"other", address, "support@example.test") is None


def test_a_bounce_quoting_our_message_id_names_its_ticket():
    ours = tokens.new_message_id(SECRET, "KB-000042", "example.test")
    forged = ours.replace("KB-000042", "KB-000043")
    report = f"Final-Recipient: rfc822; c@x.test\r\n\r\nMessage-ID: <{forged}>\r\nMessage-ID: <{ours}>\r\n".encode()
    assert tokens.ticket_quoted_in(report, SECRET, "example.test") == "KB-000042"
    assert tokens.ticket_quoted_in(report.replace(ours.encode(), b"x@y"), SECRET, "example.test") is None
