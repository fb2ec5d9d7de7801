"""The dedupe key: the same mail seen twice is one mail, two different mails are never one."""
import hashlib

import pytest

from mailproc.pipeline import _message_id_of, dedupe_key
from tests.mailfactory import make_mail

DATE = "Fri, 27 Nov 2026 09:00:00 +0000"


def _mail(from_="client@example.test", subject="Касса не работает", body="Не пробивает чеки.\n",
          message_id: str | None = "<a1@client.test>", date=DATE, extra: dict | None = None) -> bytes:
    return make_mail(from_=from_, subject=subject, body=body, headers={"Date": date, "Message-ID": message_id,
                                                                       **(extra or {})})


def _key(data: bytes) -> str:
    return dedupe_key(data, _message_id_of(data))


BASE, NO_ID = _mail(), _mail(message_id=None)
CASES = [
    # (case, mail compared with BASE or NO_ID, same key?)
    ("fetched again", BASE, BASE, True),
    ("delivered again with another trace header", BASE, _mail(extra={"Received": "from mx2 by mx3"}), True),
    ("other sender, same Message-ID and text", BASE, _mail(from_="other@example.test"), True),
    ("a broken client reuses the Message-ID for another text", BASE, _mail(body="Другое письмо.\n"), False),
    ("no Message-ID, fetched again", NO_ID, NO_ID, True),
    ("no Message-ID, delivered again with another trace header", NO_ID,
     _mail(message_id=None, extra={"Received": "from mx2 by mx3"}), True),
    ("no Message-ID, other sender, same text", NO_ID, _mail(message_id=None, from_="other@example.test"), False),
    ("no Message-ID, other date, same text", NO_ID, _mail(message_id=None, date="Fri, 27 Nov 2026 09:05:00 +0000"),
     False),
    ("no Message-ID, other subject, same text", NO_ID, _mail(message_id=None, subject="Касса"), False),
    ("no Message-ID, other text", NO_ID, _mail(message_id=None, body="Другое письмо.\n"), False),
    ("no Message-ID, header case and folding differ", NO_ID,
     NO_ID.replace(b"Subject:", b"SUBJECT:").replace(b"From: ", b"From:\r\n  "), True),
]


@pytest.mark.parametrize("first,second,same", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_dedupe_key(first, second, same):
    assert (_key(first) == _key(second)) is same


def test_keys_of_mails_with_a_message_id_are_those_stored_before():
    """Keys already in the database must still match after an upgrade: Message-ID | sha256 of the body."""
    body = BASE.split(b"\r\n\r\n", 1)[1]
    assert _key(BASE) == "a1@client.test|" + hashlib.sha256(body).hexdigest()
    headers_only = b"Message-ID: <h@client.test>\r\nSubject: x\r\n"
    assert _key(headers_only) == "h@client.test|" + hashlib.sha256(headers_only).hexdigest()


def test_a_message_id_quoted_in_the_body_is_not_the_mails():
    quoting = NO_ID.replace(b"\r\n\r\n", b"\r\n\r\nMessage-ID: <a1@client.test>\r\n", 1)
    assert _message_id_of(quoting) is None
    assert _message_id_of(BASE) == "a1@client.test"
