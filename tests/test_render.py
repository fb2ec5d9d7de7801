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
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == "текст\n"


def test_client_mail_has_an_html_alternative_with_escaped_text_and_links():
    body = "Ответ <b>не</b> HTML & не скрипт.\n\nСм. https://help.kilbil.ru/lk/login, пожалуйста.\n"
    mail = render.compose(default_settings(), b"s", kind="agent", tag="KB-000001", to=("c@example.test",),
                          subject="Re: x [KB-000001]", body=body, now=moscow("2026-11-27 12:00"))
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == body
    page = parsed.get_body(("html",)).get_content()
    assert "&lt;b&gt;не&lt;/b&gt; HTML &amp; не скрипт." in page
    assert '<a href="https://help.kilbil.ru/lk/login">https://help.kilbil.ru/lk/login</a>, пожалуйста' in page


def test_mail_to_agents_stays_plain_text():
    mail = render.compose(default_settings(), b"s", kind="notification", tag="KB-000001", to=("a@example.test",),
                          subject="[KB-000001] x", body="текст\n", now=moscow("2026-11-27 12:00"))
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed.get_content_type() == "text/plain"
