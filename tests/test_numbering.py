"""Pure parts of recovery: the highest ticket number in a mailbox's headers; the retry backoff."""
from __future__ import annotations

import pytest

from mailproc import tokens
from mailproc.daemon import backoff
from mailproc.numbering import highest_number

SECRET, DOMAIN = b"test-secret", "example.test"
SIGNED_17 = tokens.new_message_id(SECRET, "KB-000017", DOMAIN)
FORGED_900 = "KB-000900.0123abcd.0123456789abcdef@example.test"

CASES = {
    "tag in the subject": ([b"Subject: Re: [KB-000042] help\r\n"], 42),
    "tag in an encoded subject": ([b"Subject: =?utf-8?b?UmU6INC/0L7QvNC+0YnRjCBbS0ItMDAwMDQyXQ==?=\r\n"], 42),
    "highest of several mails": ([b"Subject: [KB-000003]\r\n", b"Subject: [KB-000011] [KB-000002]\r\n"], 11),
    "our signed id in References": ([f"References: <a@b.test> <{SIGNED_17}>\r\n".encode()], 17),
    "our signed id in In-Reply-To": ([f"In-Reply-To: <{SIGNED_17}>\r\n".encode()], 17),
    "a forged id does not count": ([f"References: <{FORGED_900}>\r\nSubject: [KB-000005]\r\n".encode()], 5),
    "another prefix does not count": ([b"Subject: [XY-000077]\r\n"], 0),
    "our id in another domain does not count": (
        [f"References: <{tokens.new_message_id(SECRET, 'KB-000031', 'other.test')}>\r\n".encode()], 0),
    "nothing of ours": ([b"Subject: hello\r\n", b""], 0),
    "broken headers": ([b"Subject: =?utf-8?q?[KB-000008]=ZZ\r\nReferences: <<<>>\r\n"], 8),
}


@pytest.mark.parametrize("blocks,expected", CASES.values(), ids=CASES.keys())
def test_highest_number(blocks, expected):
    assert highest_number(blocks, "KB", DOMAIN, SECRET) == expected


@pytest.mark.parametrize("failures,ceiling", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (30, 10)])
def test_backoff_doubles_up_to_the_cap_with_jitter_below_it(failures, ceiling):
    waits = [backoff(failures, base=1, cap=10) for _ in range(200)]
    assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert len(set(waits)) > 1  # jitter: desks restarted together do not retry in step
