"""§4.2 — what a request must contain: one reply block lists everything missing (account ID, steps, screenshots)."""
import dataclasses
import io

import pytest
from PIL import Image

from mailproc.actions import AddLabel, ReplyBlock
from mailproc.config import Requests
from mailproc.decide import decide
from mailproc.parse import quotes
from mailproc.parse.account import find_account_id
from mailproc.parse.attachments import judge_all
from mailproc.rules import missing
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label
from tests.pure import default_settings, inbound, moscow, reply_text, run_rule

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT = "Анна <client@example.test>"
AGENT = "agent1@example.test"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
LONG_RU = "Кассир пробивает чек, нажимает «Начислить бонусы», и окно закрывается. "
LONG_EN = "The cashier rings up a receipt, presses 'Add bonus points' and the window closes. "


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "PNG")
    return out.getvalue()


def _ctx(subject, body, attachments=(), *, from_=CLIENT, ticket=None, settings=SETTINGS, agent=False):
    """A context as the pipeline builds it: attachments judged, quotes stripped, account ID looked for."""
    mail = inbound(from_=from_, subject=subject, body=body, attachments=list(attachments))
    mail = dataclasses.replace(mail, attachments=judge_all(mail.attachments, settings.attachments.limits))
    return Context(mail=mail, ticket=ticket, settings=settings, now=NOW,
                   new_text=quotes.new_text(mail.text) or mail.text,
                   account_id=find_account_id(mail.subject, mail.text, settings.accounts.id_patterns)
                   or (ticket.account_id if ticket else None),
                   sender_is_agent=agent)


def _items(actions):
    blocks = [a for a in actions if isinstance(a, ReplyBlock)]
    assert len(blocks) <= 1, "one block, never one per item"
    if not blocks:
        return []
    assert blocks[0].name == "missing"
    return list(blocks[0].data["items"])


CASES = [
    # (what the support lead reads, subject, body, attachments, expected items)
    ("ru: ID, steps and a PNG screenshot of the error: nothing is asked",
     "Ошибка при начислении бонусов", f"ID аккаунта: 12345\n{LONG_RU}Появляется ошибка 500.",
     [("screen.png", _png(), "image/png")], []),
    ("ru: no account ID: it is asked for",
     "Вопрос по акциям", f"{LONG_RU}Подскажите, как настроить акцию ко дню рождения?", [], ["account_id"]),
    ("ru: 'Не работает' and nothing else: ID, steps and screenshots all in one block",
     "Касса", "Не работает", [], ["account_id", "steps", "screenshots"]),
    ("ru: error described at length with the ID but no screenshot",
     "Сбой", f"ID аккаунта 12345. {LONG_RU}Выходит ошибка «нет связи».", [], ["screenshots"]),
    ("ru: error word only in the subject still asks for a screenshot",
     "ОШИБКА при входе", f"Аккаунт №12345. {LONG_RU}", [], ["screenshots"]),
    ("ru: 'безошибочно' (without mistakes) is not an error",
     "Настройка", f"ID аккаунта: 12345\n{LONG_RU}Хотим, чтобы кассиры безошибочно выбирали карту.", [], []),
    ("ru: an order number is not an account ID",
     "Бонусы по заказу", f"Заказ №12345. {LONG_RU}Подскажите, где посмотреть начисление?", [], ["account_id"]),
    ("ru: a question (no error) with ID but only a few words: steps are asked",
     "Тарифы", "ID аккаунта 12345. Сколько стоит?", [], ["steps"]),
    ("ru: the quoted earlier mail does not count as a description",
     "Re: Касса", "ID аккаунта: 12345\nСнова так.\n\n> " + LONG_RU + "\n> " + LONG_RU, [], ["steps"]),
    ("ru: a HEIC screenshot was rejected: the rejected-files block asks for JPG/GIF/PNG, not this one",
     "Ошибка на кассе", f"ID аккаунта: 12345\n{LONG_RU}", [("IMG_0042.jpg", HEIC, "image/jpeg")], []),
    ("ru: a PDF is not a screenshot",
     "Ошибка печати", f"ID аккаунта: 12345\n{LONG_RU}", [("act.pdf", PDF, "application/pdf")], ["screenshots"]),
    ("en: 'It doesn't work': everything is asked",
     "Help", "It doesn't work", [], ["account_id", "steps", "screenshots"]),
    ("en: typographic apostrophe in 'can’t log in' is an error",
     "Login", f"Account ID: 54321. {LONG_EN}I can’t log in after that.", [], ["screenshots"]),
    ("en: a question with ID and details, no error: nothing is asked",
     "Promotions", f"Account ID 54321. {LONG_EN}How do I set up a birthday promotion?", [], []),
    ("en: error with a PNG screenshot and the ID: nothing is asked",
     "Error on the till", f"Account #54321. {LONG_EN}It shows an error.", [("s.png", _png(), "image/png")], []),
    ("en: 'unbroken' is not 'broken' (words are matched from their start)",
     "Streaks", f"Account ID 54321. {LONG_EN}How do I reward an unbroken streak of visits?", [], []),
    ("en: 'Failed' capitalised counts; no ID",
     "Sync", f"{LONG_EN}Failed to sync customers.", [], ["account_id", "screenshots"]),
]


@pytest.mark.parametrize("subject,body,attachments,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_missing_items(subject, body, attachments, expected):
    actions = missing.check(_ctx(subject, body, attachments))
    assert _items(actions) == expected
    assert (AddLabel(Label.MISSING_ACCOUNT_ID) in actions) == ("account_id" in expected)


TICKET = TicketView(id=1, tag="KB-000001", client="client@example.test", account_id=None)


@pytest.mark.parametrize("ctx", [
    _ctx("Re: Касса [KB-000001]", "Не работает", ticket=TICKET),
    _ctx("Re: Касса [KB-000001]", "Ok", from_=AGENT, ticket=TICKET, agent=True),
    _ctx("Касса", "Не работает", from_=AGENT, agent=True),
], ids=["a client's follow-up is not asked again", "an agent's reply", "an agent opening a ticket"])
def test_only_new_tickets_from_clients(ctx):
    assert run_rule(missing.check, ctx) == []


def test_description_limit_is_configurable_and_inclusive():
    text = "ID аккаунта 12345. " + "я" * 21  # 40 characters
    assert len(text) == SETTINGS.requests.min_description_chars
    assert _items(missing.check(_ctx("Вопрос", text))) == []
    assert _items(missing.check(_ctx("Вопрос", text[:-1]))) == ["steps"]
    never = dataclasses.replace(SETTINGS, requests=Requests(min_description_chars=0,
                                                            error_words=SETTINGS.requests.error_words))
    assert _items(missing.check(_ctx("Вопрос", "ID аккаунта 12345", settings=never))) == []


def test_error_words_come_from_the_config():
    custom = dataclasses.replace(SETTINGS, requests=Requests(min_description_chars=0, error_words=("глючит",)))
    assert _items(missing.check(_ctx("Касса", "ID аккаунта 12345, касса глючит", settings=custom))) == ["screenshots"]
    assert _items(missing.check(_ctx("Касса", "ID аккаунта 12345, ошибка", settings=custom))) == []


def _reply_text(ctx) -> str:
    decision = decide(ctx)
    return reply_text(ctx, decision.reply_blocks, first_response_due=NOW)


@pytest.mark.parametrize("language,lines", [
    ("ru", ["согласно п. 4.2 регламента технической поддержки",
            "  • ID аккаунта, например: «ID аккаунта: 12345»;",
            "  • описание проблемы и действия, которые к ней приводят, по шагам;",
            "  • скриншоты ошибки в формате JPG, GIF или PNG."]),
    ("en", ["section 4.2 of our support policy",
            '  • your account ID, for example: "Account ID: 12345";',
            "  • a description of the problem and the steps that lead to it;",
            "  • screenshots of the error in JPG, GIF or PNG format."]),
], ids=["Russian reply lists all three in one list", "English reply lists all three in one list"])
def test_one_reply_lists_everything(language, lines):
    ctx = dataclasses.replace(_ctx("Касса", "Не работает"), language=language)
    text = _reply_text(ctx)
    for line in lines:
        assert line in text
    assert text.count("•") == 3
    assert text.index("KB-000001") < text.index(lines[1])  # after the acknowledgement


def test_a_single_item_ends_with_a_full_stop():
    text = _reply_text(_ctx("Тарифы", "ID аккаунта 12345. Сколько стоит?"))
    assert "  • описание проблемы и действия, которые к ней приводят, по шагам.\n" in text
    assert "ID аккаунта, например" not in text and "скриншоты" not in text
