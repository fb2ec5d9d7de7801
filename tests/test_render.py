"""Outgoing mail as mail programs will read it."""
import email
import email.policy

import pytest

from mailproc import render
from tests.pure import default_settings, moscow

SUBJECTS = [
    "Re: Не могу войти в личный кабинет и касса не видит карты покупателей [KB-000001]",
    "[KB-000001] [КРИТИЧНО] Письмо клиента: Не могу войти в личный кабинет",
    "Re: Bonus points not accrued after purchase [KB-000002]",
    "Re: 🙂 эмодзи и «кавычки» — тире [KB-000003]",
]


@pytest.mark.parametrize("subject", SUBJECTS, ids=["long russian", "folded at a space", "ascii", "emoji and quotes"])
def test_subject_survives_encoding_with_its_spaces(subject):
    mail = render.compose(default_settings(), b"s", kind="auto_reply", tag="KB-000001", to=("c@example.test",),
                          subject=subject, body="текст\n", now=moscow("2026-11-27 12:00"))
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert all(len(line) <= 78 for line in mail.data.split(b"\r\n"))
    assert parsed.get_content().replace("\r\n", "\n") == "текст\n"
