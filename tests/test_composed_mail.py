"""compose() writes the bytes of a mail itself: what the email package parses back from them is
what was asked for, value by value, with no defect in any header or part (table-driven, pure)."""
import dataclasses
import email
import email.header
import email.policy
import email.utils
import re

import pytest

from mailproc import html_body, render, send, wire
from mailproc.mail import Attachment
from mailproc.parse.text import unflow
from mailproc.views import Thread
from tests.maillint import lint
from tests.pure import default_settings, moscow

_PNG = bytes(range(256)) * 300 + b"end"
_REFERENCES = tuple(f"m{n}.{'x' * 40}@client.example" for n in range(6))

CASES = {
    "ascii, plain text only": dict(subject="Re: Bonus points not accrued [KB-000002]", body="Hello.\n"),
    "russian name and subject": dict(name="Служба поддержки", subject="Re: Не могу войти [KB-000001]"),
    "long russian name": dict(name="Служба технической поддержки «Килбил» и партнёров по всей России"),
    "name with specials": dict(name='Support, "Kilbil" (desk)', subject="x"),
    "very long subject": dict(subject="Re: " + "Касса не видит карты покупателей, и бонусы 🙂 не начисляются. " * 6
                              + "[KB-000001]"),
    "long address lists and references": dict(
        to=tuple(f"agent{n}.with.a.long.name@example.test" for n in range(6)),
        cc=("first.colleague@client.example", "second.colleague@client.example"),
        threading=Thread(_REFERENCES[-1], _REFERENCES)),
    "cyrillic, long and odd file names": dict(attachments=(
        Attachment("Снимок экрана.png", "image/png", _PNG),
        Attachment("Очень длинное имя файла со скриншотом кассы и ошибкой при входе 2026-11-27.png",
                   "image/png", b"\x89PNG"),
        Attachment('report "final"; v2.pdf', "application/pdf", b"%PDF"),
        Attachment("empty.log", "application/octet-stream", b""),
        Attachment("odd.bin", "weird type", b"\x00\x01"))),
    "plain and html alternatives with a file": dict(
        body="Ответ <b>не</b> HTML & не скрипт.\n\n  • раз;\n  • два.\nСм. https://help.example/lk.\n",
        html=True, attachments=(Attachment("чек.jpg", "image/jpeg", _PNG[:1000]),)),
    "a line too long for 8bit": dict(body="Ссылка: " + "x" * 1200 + "\nконец\n", html=True),
    "international recipient": dict(to=("jdöe@mächine.example",), subject="Re: Ёлка [KB-000001]"),
    "headers of mail to agents": dict(extra={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                                             "Reply-To": "support+kb-000001-4d10-abc@example.test",
                                             "X-Priority": "1", "Importance": "high"}),
}


DEFAULTS = dict(name="Support", to=("c@example.test",), cc=(), subject="Re: Касса [KB-000001]",
                body="Здравствуйте!\n\nМы получили ваше обращение KB-000001.\n", html=False, attachments=(),
                threading=Thread("p@client.example", ("r@client.example", "p@client.example")), extra={})


def _mail(case: dict):
    """The mail composed of `case` over DEFAULTS, and what was asked for."""
    asked = {**DEFAULTS, **case}
    settings = default_settings()
    support = dataclasses.replace(settings.support, name=asked["name"])
    html = html_body.text_to_html(asked["body"], "KB") if asked["html"] else None
    mail = render.compose(dataclasses.replace(settings, support=support), b"s", kind="agent", tag="KB-000001",
                          to=asked["to"], cc=asked["cc"], subject=asked["subject"], body=asked["body"],
                          now=moscow("2026-11-27 12:00"), threading=asked["threading"],
                          attachments=asked["attachments"], html=html, extra_headers=asked["extra"])
    return mail, asked | {"address": support.address, "html": html}


def _parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def _parsed_head(data: bytes) -> email.message.EmailMessage:
    """The header fields; UTF-8 ones (RFC 6532) read as text, as a server with SMTPUTF8 passes them on."""
    return email.message_from_string(data.partition(b"\r\n\r\n")[0].decode("utf-8") + "\r\n\r\n",
                                     policy=email.policy.default)


def _raw_field(data: bytes, name: str) -> str:
    return re.search(rf"^{name}: (.*?)\r\n(?! )".encode(), data, re.S | re.M)[1].decode()


def _decoded(value: str) -> str:
    """A field as RFC 2047 reads it: the white space between two encoded-words dropped."""
    return str(email.header.make_header(email.header.decode_header(value)))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_headers_read_back_as_composed_and_without_defects(case):
    mail, asked = _mail(case)
    parsed = _parsed_head(mail.data)
    utf8_addresses = not all(a.isascii() for a in asked["to"])
    for part in _parsed(mail.data).walk():
        assert part.defects == []
        for field, value in (parsed if part.get("Message-ID") else part).items():
            # an address in UTF-8 would be a defect only to a reader without RFC 6532
            assert value.defects == () or (utf8_addresses and field == "To"), (field, value.defects)
    assert parsed["Subject"] == " ".join(asked["subject"].split())
    if not asked["name"].isascii():
        assert _decoded(_raw_field(mail.data, "From")) == f"{asked['name']} <{asked['address']}>"
    (sender,) = parsed["From"].addresses
    assert " ".join(sender.display_name.split()) == asked["name"]  # see wire._phrase_words
    assert sender.addr_spec == asked["address"]
    assert [a.addr_spec for a in parsed["To"].addresses] == [wire.ascii_domain(a) for a in asked["to"]]
    assert ([a.addr_spec for a in parsed["Cc"].addresses] if parsed["Cc"] else []) == list(asked["cc"])
    assert parsed["Message-ID"] == f"<{mail.message_id}>" and parsed["X-Loop"] == asked["address"]
    assert parsed["In-Reply-To"] == f"<{asked['threading'].in_reply_to}>"
    assert parsed["References"].split() == [f"<{r}>" for r in asked["threading"].references]
    assert {field: parsed[field] for field in asked["extra"]} == asked["extra"]
    assert email.utils.parsedate_to_datetime(parsed["Date"]) == moscow("2026-11-27 12:00")
    options = ["BODY=8BITMIME", *(["SMTPUTF8"] if utf8_addresses else [])]
    assert lint(mail.data, options) == []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_parts_and_files_read_back_as_composed(case):
    mail, asked = _mail(case)
    parsed, files = _parsed(mail.data), asked["attachments"]
    plain = parsed.get_body(("plain",))
    assert plain.get_param("format") == "flowed"
    assert unflow(plain.get_content().replace("\r\n", "\n")) == asked["body"]
    html = parsed.get_body(("html",))
    assert (html and html.get_content().replace("\r\n", "\n")) == (asked["html"] or None)
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parsed.iter_attachments()] == \
        [(f.filename, f.data) for f in files]
    assert [p.get_content_type() for p in parsed.iter_attachments()] == \
        [f.content_type if "/" in f.content_type else "application/octet-stream" for f in files]
    top = "multipart/mixed" if files else "multipart/alternative" if asked["html"] else "text/plain"
    assert parsed.get_content_type() == top


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_7bit_form_reads_back_the_same(case):
    mail, _ = _mail(case)
    seven = send.seven_bit(mail.data)
    assert seven.partition(b"\r\n\r\n")[2].isascii()
    before, after = _parsed(mail.data), _parsed(seven)
    assert [p.get_content() for p in after.walk() if not p.is_multipart()] == \
        [p.get_content() for p in before.walk() if not p.is_multipart()]
    assert all(part.defects == [] for part in after.walk())
