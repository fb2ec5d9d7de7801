"""Outgoing mail end to end, on the bytes the SMTP server receives: every kind mailproc sends
passes the RFC lint (tests/maillint.py), and reads right in mail programs, filters and relays.
One outbox row the server cannot take never holds up the others."""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.message
import email.policy
import email.utils
import io
import re

from PIL import Image

from mailproc.cli import make_desks
from mailproc.config import load_settings
from mailproc.cycle import run_cycle
from mailproc.store.models import Ticket
from tests.maillint import lint
from tests.mailfactory import make_mail, text_of

SUPPORT, AGENT1 = "support@example.test", "agent1@example.test"
CLIENT, CLIENT2, CLIENT3 = "client@example.test", "client2@example.test", "client3@example.test"
ANSWER = ("Добрый день! Если письмо со ссылкой для входа не пришло, откройте отчёт "
          "https://kb.test/report?a=1&period=7d и страницу <https://help.kilbil.ru/lk/login>, там же "
          '"инструкция".')


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "PNG")
    return out.getvalue()


def _thunderbird_reply(notification, body: str) -> bytes:
    """An agent's Reply from Thunderbird: format=flowed, soft breaks at 72 columns, the notification quoted."""
    lines, line = [], ""
    for word in body.split(" "):
        if line and len(line) + len(word) > 72:
            lines.append(line)
            line = ""
        line += word + " "
    lines.append(line.rstrip())
    quoted = "\n".join("> " + q for q in text_of(notification).splitlines()[:3])
    msg = email.message.EmailMessage()
    msg["From"], msg["To"] = AGENT1, str(notification["Reply-To"])
    msg["Subject"] = "Re: " + notification["Subject"]
    msg["Message-ID"] = email.utils.make_msgid(domain="agents.example.test")
    msg["In-Reply-To"] = msg["References"] = notification["Message-ID"]
    msg.set_content("\n".join(lines) + f"\n\n{email.utils.format_datetime(email.utils.localtime())}, Support "
                    f"<{SUPPORT}> wrote:\n{quoted}\n", cte="8bit", params={"format": "flowed"})
    return msg.as_bytes(policy=email.policy.SMTP)


def _reply(notification, body: str) -> bytes:
    return make_mail(from_=AGENT1, to=str(notification["Reply-To"]), subject="Re: " + notification["Subject"],
                     body=body, in_reply_to=notification["Message-ID"], references=notification["Message-ID"])


def _captured(smtp_server) -> list[tuple[email.message.EmailMessage, object]]:
    return [(email.message_from_bytes(e.original_content, policy=email.policy.default), e)
            for e in smtp_server.envelopes]


def _kind(msg) -> str:
    to_client = not str(msg["To"]).startswith("agent")
    if to_client:
        if msg["Auto-Submitted"] is None:
            return "relay"
        closing = "closed" in text_of(msg) or "закрыто" in text_of(msg)
        return "closing notice" if closing else f"acknowledgement {'en' if 'Hello' in text_of(msg) else 'ru'}"
    first = text_of(msg).lstrip().splitlines()[0]
    if msg["Reply-To"] is None:
        return "queue answer"
    if "ПРОСРОЧЕН" in first or "Через" in first:
        return "escalation"
    return "notification with a screenshot" if any(p.get_content_type() == "image/png" for p in msg.walk()) \
        else "notification"


def test_every_kind_of_mail_reads_right_and_passes_the_lint(mail, mailproc_config, smtp_server):
    desk = make_desks(load_settings(mailproc_config(smtp={"helo_name": "desk.example.test"})))[0]
    mail.deliver(make_mail(from_=f"Иван Петров <{CLIENT}>", message_id="<c1@c.test>",
                           subject="Не могу войти в личный кабинет и касса не видит карты покупателей",
                           body="Здравствуйте! Не могу войти в личный кабинет, на экране ошибка. ID аккаунта: 10452",
                           attachments=[("screen.png", _png(), "image/png")]))
    mail.deliver(make_mail(from_=f"Emily <{CLIENT2}>", subject="Bonus points not accrued after purchase",
                           body="Hello, bonus points were not accrued after a purchase yesterday. Account ID: 20451"))
    mail.deliver(make_mail(from_=CLIENT3, subject="Касса не работает", body="Касса не работает. ID аккаунта: 30001"))
    run_cycle(desk)
    first = mail.wait_for(AGENT1, "KB-000001")
    second = mail.wait_for(AGENT1, "KB-000002")
    mail.deliver(_thunderbird_reply(first, ANSWER), to=str(first["Reply-To"]))
    mail.deliver(_reply(second, "#close"), to=str(second["Reply-To"]))
    mail.deliver(make_mail(from_=AGENT1, subject="очередь", body="очередь"))
    run_cycle(desk)
    due = Ticket.get(Ticket.tag == "KB-000003").first_response_due
    run_cycle(dataclasses.replace(desk, clock=lambda: due + dt.timedelta(minutes=1)))

    captured = _captured(smtp_server)
    kinds = {_kind(msg) for msg, _ in captured}
    assert kinds >= {"acknowledgement ru", "acknowledgement en", "notification with a screenshot", "relay",
                     "escalation", "closing notice", "queue answer"}, kinds
    errors = {f"{_kind(msg)} {msg['Subject']}": lint(e.original_content, e.mail_options) for msg, e in captured}
    assert {k: v for k, v in errors.items() if v} == {}
    assert {e.helo_name for _, e in captured} == {"desk.example.test"}

    for msg, envelope in captured:
        raw = envelope.original_content
        if b"Content-Transfer-Encoding: 8bit" in raw:  # RFC 6152
            assert "BODY=8BITMIME" in envelope.mail_options
        tag = re.search(r"\[KB-\d{6}\]", str(msg["Subject"]))
        if tag:  # greppable in the raw header, as server rules and filters see it
            assert tag[0].encode() in raw.split(b"\r\n\r\n")[0]
        if _kind(msg) in ("notification", "notification with a screenshot", "escalation", "queue answer"):
            assert msg["X-Auto-Response-Suppress"] == "All"

    relay = next(msg for msg, _ in captured if _kind(msg) == "relay")
    assert ANSWER in text_of(relay)  # the agent's soft line breaks undone
    page = relay.get_body(("html",)).get_content()
    assert '<a href="https://kb.test/report?a=1&amp;period=7d">' in page
    assert '<a href="https://help.kilbil.ru/lk/login">' in page and "&gt\"" not in page
    assert relay["In-Reply-To"] == "<c1@c.test>" and str(relay["References"]).split()[-1] == "<c1@c.test>"
    closing = next(msg for msg, _ in captured if _kind(msg) == "closing notice")
    assert str(closing["References"]).split()[-1] == str(closing["In-Reply-To"])

    # Agents see one conversation per ticket: the same subject, whatever happened.
    about_third = {str(msg["Subject"]) for msg, _ in captured if "KB-000003" in str(msg["Subject"])
                   and str(msg["To"]).startswith("agent")}
    assert about_third == {"[KB-000003] Касса не работает"}

    queue = next(msg for msg, _ in captured if _kind(msg) == "queue answer")
    table = queue.get_body(("html",)).get_content()
    assert "<table>" in table and "<th>TAG</th>" in table and '<td class=tag>KB-000003</td>' in table


NON_ASCII = "jdöe@mächine.example"


def _from_non_ascii_address() -> bytes:
    return ("From: J. Doe <" + NON_ASCII + ">\r\nTo: support@example.test\r\nSubject: Касса не печатает чеки\r\n"
            "Message-ID: <u1@xn--mchine-bua.example>\r\nDate: Fri, 27 Nov 2026 12:00:00 +0300\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            "Касса не печатает чеки с утра. ID аккаунта: 10452\r\n").encode()


def test_an_address_the_server_cannot_take_fails_alone_and_agents_are_told(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(_from_non_ascii_address(), mail_from="client9@example.test")
    mail.deliver(make_mail(from_=CLIENT, subject="Не приходят бонусы", body="Бонусы не начисляются. ID аккаунта: 10453"))
    mailproc_cli(config, "poll")

    assert "KB-000002" in mail.wait_for(CLIENT, "KB-000002")["Subject"]
    notice = mail.wait_for(AGENT1, lambda m: "НЕ ДОСТАВЛЕНО" in text_of(m))
    assert notice["Subject"] == "[KB-000001] Касса не печатает чеки" and "SMTPUTF8" in text_of(notice)
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    [ack] = [m for m in shown["messages"] if m["kind"] == "auto_reply"]
    assert ack["delivery"] == "failed" and "SMTPUTF8" in ack["delivery_error"]
    assert "NOT SENT: " in mailproc_cli(config, "show", "KB-000001").stdout

    # The next cycles are not held up by it either.
    mail.deliver(make_mail(from_=CLIENT2, subject="Вопрос по отчёту", body="Где найти отчёт? ID аккаунта: 10454"))
    mailproc_cli(config, "poll")
    mail.wait_for(CLIENT2, "KB-000003")


def test_with_smtputf8_offered_the_mail_goes_out_with_it(mail, mailproc_config, mailproc_cli, smtp_server):
    config = mailproc_config()
    smtp_server.smtputf8 = True
    smtp_server.restart()
    try:
        mail.deliver(_from_non_ascii_address(), mail_from="client9@example.test")
        mailproc_cli(config, "poll", check=False)
    finally:
        smtp_server.smtputf8 = False
        smtp_server.restart()
    [ack] = [e for e in smtp_server.envelopes if e.rcpt_tos == ["jdöe@xn--mchine-bua.example"]]
    assert "SMTPUTF8" in ack.mail_options and lint(ack.original_content, ack.mail_options) == []
    assert "To: jdöe@xn--mchine-bua.example" in ack.original_content.decode()

