"""Malformed mail read the way its sender's mail program meant it: each form is a small
.eml in tests/fixtures/forms with the exact fields it must yield (issue 10, issue 9 item 4)."""
import pathlib

import pytest

from mailproc.parse.headers import addresses, decode_text, python_charset
from tests.pure import inbound

FORMS = pathlib.Path(__file__).parent / "fixtures" / "forms"
CLIENT = "client@shop.example.test"

EXPECTED = {
    "01-unquoted-boundary-with-equals": dict(
        subject="Касса не печатает чек", from_addr=CLIENT, message_id="f01@shop.example.test",
        text="Касса не печатает чек, скриншот ошибки во вложении.",
        attachments=[("oshibka.jpg", "image/jpeg", 62)]),
    "02-base64-attached-mail": dict(
        subject="Fwd: Касса не работает", text="Пересылаю письмо кассира.",
        attachments=[("kassa.eml", "message/rfc822", 308)]),
    "03-raw-8bit-beside-encoded-words": dict(
        subject="Привет мир", from_addr="maria@shop.example.test", from_name="Café Мария",
        to=("support@example.test", "ivan@shop.example.test"), text="Бонусы не начисляются."),
    "04-at-in-display-name": dict(
        from_addr="mikel@shop.example.test", from_name="Mikel Lindsaar",
        to=("smith@gmail.com", "raasdnil@gmail.com", "tom@gmail.com"), cc=("support@example.test",)),
    "05-name-split-over-encoded-words": dict(
        subject="Опрос клиентов о программе лояльности", from_addr="carol@survey.example.test",
        from_name="MySurvey.com & Carol Adams", to=("karina@shop.example.test", "anna@shop.example.test")),
    "06-unquoted-and-encoded-filenames": dict(
        text="Two files.", attachments=[("This is a test.txt", "text/plain", 10),
                                        ("This is a test.pdf", "application/pdf", 9),
                                        ("Скриншот ошибки.png", "image/png", 8)]),
    "07-message-id-with-several-at": dict(
        message_id="d3b8cf8e49f0448085@0c28713a1@f473e@37signals.com", in_reply_to=("a1@b2@example.test",),
        references=("r0@example.test", "a1@b2@example.test")),
    "08-multipart-without-body": dict(subject="empty", from_addr=CLIENT, text="", attachments=[]),
    "09-charset-aliases": dict(
        text="שלום, הקופה לא עובדת\n\nКасса не работает\n\nБонусы не начислены\n\nНет связи\n\n안녕하세요\n\n"
             "Всё в UTF-8"),
    "10-address-comments": dict(
        from_addr="mailer-daemon@mail.example.test", from_name="Mail Delivery System",
        to=("support@example.test",), cc=("pete@silly.example.test", "john@example.test")),
    "11-html-table-and-list": dict(
        text="Не пробиваются позиции:\n\n№ | Артикул | Кол-во\n№2 | 0x45 | 3\n\n- касса 1\n- касса 2\n\n"
             "1. открыть смену\n2. пробить чек"),
    "12-address-injection": dict(
        subject="Не могу войти", from_addr="me@attacker.test", from_name="Name Bcc: victim@evil.test",
        to=("support@example.test",), cc=(), reply_to=()),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_form_yields_what_its_sender_meant(name):
    mail = inbound(raw=(FORMS / f"{name}.eml").read_bytes())
    got = {field: getattr(mail, field) for field in EXPECTED[name] if field != "attachments"}
    if "attachments" in EXPECTED[name]:
        got["attachments"] = [(a.filename, a.content_type, len(a.data)) for a in mail.attachments]
    assert got == EXPECTED[name]
    assert not any(ch in value for _, value in mail.headers for ch in "\r\n\x00"), "decoded headers are one line"


def test_every_fixture_has_its_expectations():
    assert sorted(p.stem for p in FORMS.glob("*.eml")) == sorted(EXPECTED)


def test_base64_attached_mail_is_stored_decoded_and_read_when_inline():
    raw = (FORMS / "02-base64-attached-mail.eml").read_bytes()
    [eml] = inbound(raw=raw).attachments
    assert eml.data.startswith(b"From: cashier@shop.example.test\r\n") and "Касса пишет".encode() in eml.data
    inline = inbound(raw=raw.replace(b"Content-Disposition: attachment", b"Content-Disposition: inline"))
    assert "Subject: Касса не работает" in inline.text and "Касса пишет: нет связи с сервером." in inline.text


ADDRESSES = [
    ("angle address wins over an @ in the name", "Mikel@Lindsaar <raasdnil@gmail.com>",
     [("Mikel@Lindsaar", "raasdnil@gmail.com")]),
    ("encoded name cannot add a recipient", "=?utf-8?b?TmFtZQ0KQmNjOiB2aWN0aW1AZXZpbC50ZXN0?= <me@attacker.test>",
     [("Name Bcc: victim@evil.test", "me@attacker.test")]),
    ("quoted name with an address in it", '"victim@evil.test" <me@attacker.test>',
     [("victim@evil.test", "me@attacker.test")]),
    ("comma missing between mailboxes", "Bob <bob@x.test> Bobby <bobby@x.test>",
     [("Bob", "bob@x.test"), ("Bobby", "bobby@x.test")]),
    ("comma inside quotes", '"Smith, John" <john@x.test>, ann@x.test', [("Smith, John", "john@x.test"), ("", "ann@x.test")]),
    ("group and empty group", "Team: a@x.test, b@x.test;, undisclosed-recipients:;", [("", "a@x.test"), ("", "b@x.test")]),
    ("comment as name", "daemon@x.test (Mail Delivery System)", [("Mail Delivery System", "daemon@x.test")]),
    ("comments inside the address", "<pete(his account)@silly.test(his host)>", [("", "pete@silly.test")]),
    ("source route dropped", "<@relay.test:joe@x.test>", [("", "joe@x.test")]),
    ("quoted local part kept", '"big bug"@x.test', [("", '"big bug"@x.test')]),
    ("name without angle brackets", "Big Bug bb@x.test", [("Big Bug", "bb@x.test")]),
    ("no address at all", "Smith", []),
    ("raw UTF-8 address (RFC 6532)", "jdöe@mächine.example".encode().decode("ascii", "surrogateescape"),
     [("", "jdöe@mächine.example")]),
    ("case folded", "Kate@Example.TEST", [("", "kate@example.test")]),
    ("a Kelvin sign stays itself, never an ASCII k", "\u212aate@example.test".encode().decode("ascii", "surrogateescape"),
     [("", "\u212aate@example.test")]),
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in ADDRESSES], ids=[c[0] for c in ADDRESSES])
def test_addresses_come_from_the_address_part(raw, expected):
    assert addresses([raw]) == expected


@pytest.mark.parametrize("raw,expected", [
    ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
    ("=?utf-8?b?0J8=?= =?utf-8?b?0YA=?=", "Пр"),
    ("=?utf-8?b?0Jg=?=\r\n =?koi8-r?b?18HO?=", "Иван"),
    ("x =?utf-8?q?a?= y", "x a y"),
    ("Line\r\n\tfolded", "Line folded"),
    ("=?utf-8?b?YQ1iDGMAZA==?=", "a b c d"),
    ("=?unknown-charset?q?abc?=", "abc"),
], ids=["adjacent words joined", "character split across words", "two charsets", "text around words",
        "folding", "control characters", "unknown charset"])
def test_decode_text(raw, expected):
    assert decode_text(raw) == expected


@pytest.mark.parametrize("name,codec", [
    ("iso-8859-8-i", "iso-8859-8"), ("ISO-8859-6-E", "iso-8859-6"), ("x-mac-cyrillic", "mac-cyrillic"),
    ("win-1251", "cp1251"), ("cp-1251", "cp1251"), ("ks_c_5601-1987", "cp949"), ("utf8", "utf8"),
    ("iso-8859-1", "cp1252"), ("koi8-r", "koi8-r"), ("no-such-charset", None), ("base64", None),
    ("utf\udcff", None), ("utf-8\x00", None), ("", None),
])
def test_charset_names_real_mail_uses(name, codec):
    assert python_charset(name) == codec


@pytest.mark.parametrize("content_type", [b'text/plain; charset="utf\xff-8"', b"text/plain; charset*=us-ascii'en'utf-8",
                                          b"text/plain; charset=utf-8\x00"],
                         ids=["raw 8-bit byte", "RFC 2231 form", "NUL"])
def test_a_broken_charset_parameter_does_not_stop_the_mail(content_type):
    raw = b"From: client@example.test\r\nSubject: s\r\nContent-Type: " + content_type + b"\r\n\r\n" + \
        "Касса не работает".encode() + b"\r\n"
    assert inbound(raw=raw).text == "Касса не работает"


def test_a_content_type_with_raw_bytes_is_no_mime_type():
    raw = b"From: client@example.test\r\nSubject: s\r\nContent-Type: te\xd0xt/plain\r\n\r\nbody\r\n"
    assert inbound(raw=raw).content_type == "application/octet-stream"
