"""Parsing: decoded headers and body text, and the whole real-world corpus without a crash."""
import pytest

from mailproc.parse.text import guess_language, html_to_text
from tests.corpus import CORPUS, corpus_rows, require_corpus
from tests.pure import inbound


def test_encoded_subject_and_addresses_are_decoded():
    raw = ("From: =?utf-8?b?0JjQstCw0L0=?= <Ivan@Shop.Example.TEST>\r\nTo: support@example.test\r\n"
           "Cc: Boss <boss@shop.example.test>\r\n"
           "Subject: =?koi8-r?b?7sUgzc/H1SDXz8rUyQ==?=\r\nMessage-ID: <a1@shop.example.test>\r\n"
           "In-Reply-To: <x1@example.test>\r\nReferences: <x0@example.test> <x1@example.test>\r\n\r\nbody\r\n")
    mail = inbound(raw=raw.encode())
    assert (mail.from_name, mail.from_addr) == ("Иван", "ivan@shop.example.test")
    assert mail.subject == "Не могу войти"
    assert mail.cc == ("boss@shop.example.test",)
    assert mail.message_id == "a1@shop.example.test"
    assert mail.thread_ids == ("x1@example.test", "x0@example.test")


def test_undeclared_windows_1251_body_and_raw_8bit_subject():
    raw = ("From: client@example.test\r\nSubject: Вопрос по бонусам\r\n\r\nНе начислены бонусы\r\n").encode("cp1251")
    mail = inbound(raw=raw)
    assert mail.subject == "Вопрос по бонусам"
    assert "бонусы" in mail.text


def test_html_only_mail_becomes_text_with_links_and_without_scripts():
    mail = inbound(body=None, html='<html><head><style>p{color:red}</style><script>alert(1)</script></head>'
                                   '<body><p>См. <a href="https://help.kilbil.ru/login">инструкцию</a></p>'
                                   '<img src="https://tracker.example.test/pixel.gif"></body></html>')
    assert "инструкцию (https://help.kilbil.ru/login)" in mail.text
    assert "alert" not in mail.text and "color" not in mail.text and "tracker" not in mail.text


def test_plain_text_is_preferred_over_html():
    mail = inbound(body="plain version", html="<p>html version</p>")
    assert mail.text == "plain version"


def test_attachments_are_listed_with_their_bytes():
    mail = inbound(attachments=[("screen.png", b"\x89PNG\r\n\x1a\nxyz", "image/png")])
    assert [(a.filename, a.content_type, a.data[:4]) for a in mail.attachments] == [
        ("screen.png", "image/png", b"\x89PNG")]


def test_missing_message_id_and_date_are_none():
    mail = inbound(raw=b"From: client@example.test\r\nSubject: x\r\n\r\nhi\r\n")
    assert mail.message_id is None and mail.date is None


@pytest.mark.parametrize("text,language", [
    ("Здравствуйте, не могу войти в личный кабинет", "ru"),
    ("Hello, I cannot log in to my account", "en"),
    ("Hello, не работает касса", "ru"),
    ("ok", "ru"),
    ("Account 12345 — не работает", "ru"),
], ids=["russian", "english", "mixed leans russian", "too short: default", "russian with latin words"])
def test_guess_language(text, language):
    assert guess_language(text) == language


def test_html_to_text_survives_broken_markup():
    assert "text" in html_to_text("<p>text<div><<<>>></span></b>")


EMAILS = corpus_rows("email")


@pytest.mark.parametrize("row", EMAILS, ids=[r["path"] for r in EMAILS])
def test_corpus_mail_parses(row):
    require_corpus()
    mail = inbound(raw=(CORPUS / row["path"]).read_bytes())
    for value in (mail.subject, mail.text, mail.from_addr, *(v for _, v in mail.headers)):
        value.encode("utf-8")  # storable: no lone surrogates left over from undecodable bytes


def test_corpus_present_or_skipped_with_reason():
    require_corpus()
    assert len(EMAILS) > 300


@pytest.mark.parametrize("charset", ["cp1251", "koi8-r", "utf-8"])
def test_undeclared_cyrillic_charsets_are_recognised(charset):
    text = "Здравствуйте! У нас не начисляются бонусы покупателям, помогите разобраться."
    mail = inbound(raw=b"From: client@example.test\r\nSubject: x\r\n\r\n" + text.encode(charset))
    assert mail.text == text


def _forward(disposition: bytes) -> bytes:
    return (b"From: client@example.test\r\nTo: support@example.test\r\nSubject: Fwd: error\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "Пересылаю письмо кассира.".encode() + b"\r\n--XX\r\nContent-Type: message/rfc822\r\n" + disposition
            + "\r\nFrom: cashier@shop.example.test\r\nSubject: касса\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Касса пишет: нет связи с сервером.".encode() + b"\r\n--XX--\r\n")


def test_inline_forward_text_is_read():
    mail = inbound(raw=_forward(b"Content-Disposition: inline\r\n"))
    assert "Пересылаю письмо кассира." in mail.text and "Касса пишет: нет связи с сервером." in mail.text
    assert "Subject: касса" in mail.text and mail.attachments == ()


def test_attached_mail_is_kept_as_an_eml_attachment():
    mail = inbound(raw=_forward(b"Content-Disposition: attachment\r\n"))
    assert "Касса пишет" not in mail.text
    [eml] = mail.attachments
    assert eml.filename == "message.eml" and b"cashier@shop.example.test" in eml.data


def test_inline_screenshot_in_html_alternative_is_collected_and_text_read_once():
    raw = (b"From: client@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=A\r\n\r\n"
           b"--A\r\nContent-Type: text/plain\r\n\r\nSee the screenshot.\r\n"
           b"--A\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
           b"--R\r\nContent-Type: text/html\r\n\r\n<p>See the screenshot.</p><img src=\"cid:shot1\">\r\n"
           b"--R\r\nContent-Type: image/png\r\nContent-ID: <shot1>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"iVBORw0KGgo=\r\n--R--\r\n--A--\r\n")
    mail = inbound(raw=raw)
    assert mail.text == "See the screenshot."
    assert [(a.content_type, a.data[:4]) for a in mail.attachments] == [("image/png", b"\x89PNG")]


def test_nesting_beyond_the_limit_is_a_defect_not_a_crash():
    inner = b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for n in range(30):
        inner = (f"Content-Type: multipart/mixed; boundary=b{n}\r\n\r\n--b{n}\r\n".encode() + inner
                 + f"\r\n--b{n}--\r\n".encode())
    mail = inbound(raw=b"From: client@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + inner)
    assert "NestedTooDeep" in mail.defects


def test_tnef_and_calendar_parts_are_named_for_agents():
    from mailproc.parse.attachments import classify

    tnef = classify("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22\x00\x00" + bytes(100))
    assert (tnef.detected_format, tnef.accepted) == ("tnef", None) and "TNEF container" in tnef.detail
    ics = classify("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert (ics.detected_format, ics.accepted) == ("calendar", None)


def _big_mail(part_headers: str, body: bytes, eol: bytes, text: str = "see the file") -> bytes:
    head = (f"From: c@example.test\nTo: support@example.test\nSubject: big\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n{text}\n'
            f"--b\n{part_headers}\n\n").encode()
    return (head + body + b"\n--b--\n").replace(b"\n", eol)


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
@pytest.mark.parametrize("text", ["see the file", "a line [mailproc base64 #0] written by the client"])
def test_a_big_base64_attachment_is_decoded_exactly(eol, text):
    import base64
    import os

    data = os.urandom(3 * 2**20 + 1)
    headers = 'Content-Type: application/octet-stream; name="x.bin"\nContent-Transfer-Encoding: base64'
    mail = inbound(raw=_big_mail(headers, base64.encodebytes(data).rstrip(b"\n"), eol, text))
    assert [(a.filename, a.data) for a in mail.attachments] == [("x.bin", data)]
    assert mail.text == text


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_a_long_run_of_base64_looking_lines_in_a_plain_part_is_kept_as_written(eol):
    lines = b"\n".join(b"QUJD%06d" % n for n in range(200_000))  # over a megabyte, 7bit, not base64
    mail = inbound(raw=_big_mail('Content-Type: text/plain; name="dump.txt"', lines, eol))
    assert [(a.filename, a.data) for a in mail.attachments] == [("dump.txt", lines.replace(b"\n", eol))]
