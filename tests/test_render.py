"""Outgoing mail as mail programs will read it: the bytes compose() makes (pure)."""
import email
import email.policy
import re

import pytest

from mailproc import html_body, render, send, wire
from mailproc.parse.text import unflow
from tests.maillint import lint
from tests.pure import default_settings, inbound, moscow

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


def _compose(subject="Re: x [KB-000001]", body="текст\n", **kw):
    return render.compose(default_settings(), b"s", kind="agent", tag="KB-000001", to=("c@example.test",),
                          subject=subject, body=body, now=moscow("2026-11-27 12:00"), **kw)


def _raw_subject(data: bytes) -> str:
    """The Subject as it stands in the bytes, unfolded."""
    return re.search(rb"^Subject:(.*?)\r\n(?! )", data, re.S | re.M)[1].decode().replace("\r\n", "")


@pytest.mark.parametrize("subject", SUBJECTS, ids=["long russian", "folded at a space", "ascii", "emoji and quotes"])
def test_subject_keeps_the_tag_plain_and_encoded_words_within_75(subject):
    raw = _raw_subject(_compose(subject).data)
    assert "[KB-00000" in raw and re.search(r"\[KB-\d{6}\]", raw)[0] in subject
    assert all(len(word) <= 75 for word in re.findall(r"=\?\S+?\?=", raw))
    assert lint(_compose(subject).data, ["BODY=8BITMIME"]) == []


def test_an_ascii_subject_is_not_encoded_at_all():
    assert _raw_subject(_compose("Re: Bonus points not accrued after purchase [KB-000002]").data) == \
        " Re: Bonus points not accrued after purchase [KB-000002]"


def test_ascii_words_between_russian_ones_are_encoded_with_them_and_the_tag_never():
    raw = _raw_subject(_compose("Касса 5 не работает [KB-000001] срочно").data)
    assert raw.count("=?utf-8?") == 2 and " [KB-000001] " in raw
    assert str(email.message_from_bytes(_compose("=?utf-8?q?x?= тест").data,
                                        policy=email.policy.default)["Subject"]) == "=?utf-8?q?x?= тест"


def test_client_mail_has_an_html_alternative_with_escaped_text_and_links():
    body = "Ответ <b>не</b> HTML & не скрипт.\n\nСм. https://help.kilbil.ru/lk/login, пожалуйста.\n"
    mail = _compose(body=body, html=html_body.text_to_html(body, "KB"))
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


@pytest.mark.parametrize("text, href", [
    ("см. https://kb.test/report?a=1&period=7d.", "https://kb.test/report?a=1&amp;period=7d"),
    ("ссылка <https://help.kilbil.ru/lk/login> выше", "https://help.kilbil.ru/lk/login"),
    ('адрес "https://kb.test/x?q=\'a\'" в кавычках', "https://kb.test/x?q="),
    ("«https://kb.test/ru/статья»", "https://kb.test/ru/статья"),
])
def test_links_are_found_before_escaping(text, href):
    page = html_body.text_to_html(text, "KB")
    assert f'<a href="{href}">' in page
    assert "&quot\"" not in page and "&gt\"" not in page and "&lt;https" not in page.replace("&lt;<a", "")


def test_html_has_a_width_real_lists_and_an_unbreakable_tag():
    page = html_body.text_to_html("Номер обращения KB-000123.\nПришлите:\n  • ID аккаунта;\n  • скриншоты.\n"
                               "Спасибо.", "KB")
    assert "max-width:40em" in page and "<script" not in page and "src=" not in page
    assert "<ul>\n<li>ID аккаунта;</li>\n<li>скриншоты.</li>\n</ul>" in page and "•" not in page
    assert '<span class="tag" style="white-space:nowrap">KB-000123</span>' in page


@pytest.mark.parametrize("flowed, delsp, text", [
    ("Если письмо \r\nсо ссылкой\r\n", False, "Если письмо со ссылкой\n"),
    ("abc-\r\ndef\r\n", True, "abc-\ndef\n"),
    ("split \r\nhere\r\n", True, "splithere\n"),
    ("> quoted \r\n> text\r\nown\r\n", False, "> quoted text\nown\n"),
    ("-- \r\nsignature\r\n", False, "-- \nsignature\n"),
    (" From stuffed\r\n", False, "From stuffed\n"),
])
def test_unflow(flowed, delsp, text):
    assert unflow(flowed, delsp) == text


def test_a_flowed_reply_arrives_unflowed_in_the_parsed_text():
    raw = ("From: a@x.test\r\nTo: s@x.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           "Если письмо \r\nсо ссылкой не пришло, \r\nнапишите.\r\n").encode()
    assert inbound(raw=raw).text == "Если письмо со ссылкой не пришло, напишите."


def test_our_plain_text_is_flowed_and_reflows_to_what_was_written():
    body = ("Очень длинная строка ответа агента, " * 8 + "конец.\nFrom here\n  отступ\n"
            + "  ".join(f"{column:<18}" for column in ("TAG", "PRIORITY", "STATUS", "CLIENT", "SUBJECT")) + "x\n")
    part = email.message_from_bytes(_compose(body=body).data, policy=email.policy.default).get_body(("plain",))
    assert part.get_param("format") == "flowed"
    sent = part.get_content().replace("\r\n", "\n")
    assert max(map(len, sent.splitlines())) <= 78 and "\n From here\n" in sent
    assert unflow(sent) == body.replace(" \n", "\n")


def test_references_end_with_the_parent():
    thread = render.Thread.under("client-2@c", ["client-1@c", "client-2@c", "our-ack@s"])
    assert thread == render.Thread("client-2@c", ("client-1@c", "our-ack@s", "client-2@c"))
    answered = render.Thread.answering(inbound(message_id="<m2@c>", references="<m1@c> <m2@c> <m3@c>"))
    assert answered.references[-1] == "m2@c" == answered.in_reply_to


def test_without_8bitmime_the_mail_goes_as_7bit_with_the_same_headers():
    mail = _compose(body="Здравствуйте! " * 30 + "\n", html=html_body.text_to_html("Здравствуйте!", "KB"))
    seven = send.seven_bit(mail.data)
    assert seven.isascii() and lint(seven) == []
    assert seven.split(b"\r\n\r\n")[0] == mail.data.split(b"\r\n\r\n")[0]
    before, after = (email.message_from_bytes(d, policy=email.policy.default) for d in (mail.data, seven))
    assert before.get_body(("plain",)).get_content() == after.get_body(("plain",)).get_content()


class _Server:
    def __init__(self, *extensions):
        self.extensions = extensions

    def supports_extension(self, name):
        return name.lower() in self.extensions


@pytest.mark.parametrize("rcpt, server, options, error", [
    ("c@example.test", _Server("8bitmime"), ["BODY=8BITMIME"], None),
    ("c@example.test", _Server(), [], None),  # and the data made 7-bit
    ("jdöe@xn--mchine-bua.example", _Server("8bitmime", "smtputf8"), ["SMTPUTF8", "BODY=8BITMIME"], None),
    ("jdöe@xn--mchine-bua.example", _Server("8bitmime"), None, "SMTPUTF8"),
])
def test_the_envelope_follows_what_the_server_offers(rcpt, server, options, error):
    mail = render.compose(default_settings(), b"s", kind="agent", tag="KB-000001", to=(rcpt,), subject="x",
                          body="текст\n", now=moscow("2026-11-27 12:00"))
    if error:
        with pytest.raises(send.Unsendable, match=error):
            send.envelope(mail.mail_from, list(mail.rcpt_to), mail.data, server)
        return
    data, got = send.envelope(mail.mail_from, list(mail.rcpt_to), mail.data, server)
    assert got == options and data.isascii() == ("8bitmime" not in server.extensions)


def test_an_international_domain_is_written_in_ascii():
    assert wire.ascii_domain("ivan@mächine.example") == "ivan@xn--mchine-bua.example"
    assert wire.ascii_domain("jdöe@mächine.example") == "jdöe@xn--mchine-bua.example"


@pytest.mark.parametrize("size", [0, 1, 56, 57, 58, 57 * 1024 + 3, 300_000])
def test_attachments_arrive_byte_for_byte_and_in_lines_mail_programs_take(size):
    from mailproc.mail import Attachment

    content = bytes(range(256)) * (size // 256) + bytes(size % 256)
    mail = _compose(attachments=(Attachment("screen.png", "image/png", content),
                                 Attachment("log.bin", "application/octet-stream", b"second\n")))
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    files = [(p.get_filename(), p.get_payload(decode=True)) for p in parsed.iter_attachments()]
    assert files == [("screen.png", content), ("log.bin", b"second\n")]
    assert max(map(len, mail.data.split(b"\r\n"))) <= 78
    assert lint(mail.data, ["BODY=8BITMIME"]) == []
