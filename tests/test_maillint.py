"""The lint of outgoing mail finds what it is meant to find (table-driven, pure)."""
import pytest

from tests.maillint import lint

GOOD = (b"From: Support <support@example.test>\r\nTo: c@example.test\r\nSubject: Re: x [KB-000001]\r\n"
        b"Date: Fri, 27 Nov 2026 12:00:00 +0300\r\nMessage-ID: <a.b@example.test>\r\n"
        b"In-Reply-To: <p@c.test>\r\nReferences: <r@c.test> <p@c.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=\"utf-8\"; format=\"flowed\"\r\nContent-Transfer-Encoding: 7bit\r\n"
        b"\r\ntext\r\n")


def _with(old: bytes, new: bytes) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize("data, options, error", [
    (_with(b"text\r\n", b"text\nmore\r\n"), [], "bare LF"),
    (_with(b"Subject: Re: x [KB-000001]", b"Subject: =?utf-8?q?" + b"a" * 64 + b"?="), [], "encoded-word of 76"),
    (_with(b"Subject: Re: x [KB-000001]", b"Subject: =?utf-8?q?Re=3A_x_=5BKB-000001=5D?="), [], "ticket tag"),
    (_with(b"Subject: Re: x [KB-000001]", b"Subject: Re:=?utf-8?q?x?="), [], "not set off by white space"),
    (_with(b"; charset=\"utf-8\"", b""), [], "declares no charset"),
    (_with(b"7bit\r\n\r\ntext", "8bit\r\n\r\nтекст".encode()), [], "BODY=8BITMIME"),
    (_with(b"7bit\r\n\r\ntext", "7bit\r\n\r\nтекст".encode()), ["BODY=8BITMIME"], "says 7bit"),
    (_with(b"References: <r@c.test> <p@c.test>", b"References: <p@c.test> <r@c.test>"), [], "end with the parent"),
    (_with(b"Message-ID: <a.b@example.test>", b"Message-ID: a.b@example.test"), [], "not one msg-id"),
    (_with(b"To: c@example.test", b"To: c@example.test\r\nX-Long: " + b"x" * 80), [], "78 at most"),
    (_with(b"text\r\n", b"From here\r\n"), [], "space-stuffed"),
    (_with(b"Date: Fri, 27 Nov 2026 12:00:00 +0300\r\n", b""), [], "exactly one"),
])
def test_lint_finds_each_kind_of_error(data, options, error):
    assert lint(GOOD) == []
    assert any(error in e for e in lint(data, options)), lint(data, options)
