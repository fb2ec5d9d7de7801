"""The highest ticket number a mailbox shows was ever sent out. Pure.

After a lost database, numbering restarts after it, so an old thread's tag never names a
stranger's new ticket. Clients' mail in the processed folder carries our tags in its
Subject and our signed Message-IDs in In-Reply-To/References (a forged id is ignored; a
tag in a subject cannot be checked, and can only push numbering up).
"""
from __future__ import annotations

import email.policy
import re
from email.parser import BytesHeaderParser
from typing import Iterable

from mailproc import thread, tokens

HEADER_FIELDS = ("Subject", "In-Reply-To", "References", "Message-ID")
_ID = re.compile(r"<([^<>\s]+)>")


def tag_number(tag: str) -> int:
    return int(tag.rsplit("-", 1)[1])


def highest_number(header_blocks: Iterable[bytes], prefix: str, domain: str, secret: bytes) -> int:
    """The highest N of the tags `[PREFIX-N]` and our signed Message-IDs in these header blocks; 0 if none."""
    parser = BytesHeaderParser(policy=email.policy.default)
    highest = 0
    for block in header_blocks:
        headers = parser.parsebytes(block)
        tags = thread.subject_tags(str(headers.get("Subject", "")), prefix)
        ids = _ID.findall(" ".join(str(headers.get(name, "")) for name in HEADER_FIELDS[1:]))
        tags += [tag for message_id in ids if (tag := tokens.ticket_of_message_id(secret, message_id, domain))
                 and tag.startswith(f"{prefix.upper()}-")]
        highest = max([highest, *map(tag_number, tags)])
    return highest
