"""The new part of a reply: quote headers of real clients, inline answers, signatures, forwards."""
import dataclasses

import pytest

from mailproc.parse.quotes import new_text, strip_quotes, strip_signature


def mail(*lines: str) -> str:
    """A mail body from its lines (keeps the trailing space of a "-- " delimiter visible)."""
    return "\n".join(lines)


OLD = ("> Здравствуйте! Ваш тикет [KB-000123] принят.", "> Служба поддержки")
OLD_EN = ("> Hello! Your ticket [KB-000123] has been received.", "> Support team")
OLD_UNMARKED = ("Здравствуйте! Ваш тикет [KB-000123] принят.", "Служба поддержки")

CUT_CASES = [
    pytest.param(
        mail("Касса снова не работает.", "", "On Mon, 3 Nov 2026 at 10:00, Ivan <ivan@shop.example> wrote:", *OLD),
        "Касса снова не работает.",
        id="Gmail: 'On ... wrote:' cuts the quote"),
    pytest.param(
        mail("Still failing.", "", "On Mon, Nov 3, 2026 at 10:00 AM Ivan Petrov <", "ivan@shop.example> wrote:",
             "", *OLD_EN),
        "Still failing.",
        id="Gmail: 'On ... wrote:' wrapped over two lines"),
    pytest.param(
        mail("Still failing.", "", "On 3 Nov 2026, at 10:00, Ivan Petrov", "<ivan@shop.example> wrote:", "",
             *OLD_EN),
        "Still failing.",
        id="Apple Mail: 'On 3 Nov 2026, at 10:00, ...' wrapped before the address"),
    pytest.param(
        mail("Спасибо, заработало!", "", "3 нояб. 2026 г., в 10:00, Иван <ivan@shop.example> написал(а):", "",
             *OLD),
        "Спасибо, заработало!",
        id="Apple Mail ru: '3 нояб. 2026 г., в 10:00, Иван <...> написал(а):'"),
    pytest.param(
        mail("Спасибо, заработало!", "", "пн, 3 нояб. 2026 г. в 10:00, Иван <ivan@shop.example>:", "", *OLD),
        "Спасибо, заработало!",
        id="Gmail ru: 'пн, 3 нояб. 2026 г. в 10:00, Иван <...>:'"),
    pytest.param(
        mail("Спасибо, заработало!", "", "пн, 3 нояб. 2026 г. в 10:00, Служба поддержки Килбил <",
             "support@kilbil.example>:", "", *OLD),
        "Спасибо, заработало!",
        id="Gmail ru: header wrapped over two lines"),
    pytest.param(
        mail("Скриншот во вложении.", "", '03.11.2026, 10:00, "Иван" <ivan@shop.example>:', *OLD),
        "Скриншот во вложении.",
        id="Yandex: '03.11.2026, 10:00, \"Иван\" <...>:'"),
    pytest.param(
        mail("Скриншот во вложении.", "", "Понедельник, 3 ноября 2026, 10:00 +03:00 от Иван <ivan@shop.example>:",
             *OLD),
        "Скриншот во вложении.",
        id="Mail.ru: 'Понедельник, 3 ноября 2026, 10:00 +03:00 от Иван <...>:'"),
    pytest.param(
        mail("Скриншот во вложении.", "", "03.11.2026 10:00, Иван Петров пишет:", *OLD),
        "Скриншот во вложении.",
        id="Thunderbird ru: '03.11.2026 10:00, Иван Петров пишет:'"),
    pytest.param(
        mail("Проблема осталась.", "", "Иван Петров написал:", *OLD),
        "Проблема осталась.",
        id="plain 'Иван Петров написал:' right above a > quote"),
    pytest.param(
        mail("Проблема осталась.", "", "Служба поддержки писал(а):", *OLD),
        "Проблема осталась.",
        id="plain '... писал(а):' right above a > quote"),
    pytest.param(
        mail("Проблема осталась.", "", "Вы писали 3 ноября 2026 г., 10:00:00:", "", *OLD),
        "Проблема осталась.",
        id="The Bat!: 'Вы писали 3 ноября 2026 г., 10:00:00:'"),
    pytest.param(
        mail("Still failing, see attached.", "", "-----Original Message-----", "From: Support <support@kilbil.example>",
             "Sent: Monday, November 3, 2026 10:00 AM", "Subject: RE: [KB-000123] Cashier", "", *OLD_UNMARKED),
        "Still failing, see attached.",
        id="Outlook: '-----Original Message-----'"),
    pytest.param(
        mail("Всё ещё не работает.", "", "----- Исходное сообщение -----", "От: Поддержка <support@kilbil.example>",
             "Тема: RE: [KB-000123] Касса", "", *OLD_UNMARKED),
        "Всё ещё не работает.",
        id="Outlook ru, Mail.ru: '----- Исходное сообщение -----'"),
    pytest.param(
        mail("Still failing.", "", "________________________________", "From: Support <support@kilbil.example>",
             "Sent: Monday, November 3, 2026 10:00", "To: Ivan <ivan@shop.example>",
             "Subject: RE: [KB-000123] Cashier", "", *OLD_UNMARKED),
        "Still failing.",
        id="Outlook: '_____' line and From/Sent/To/Subject block"),
    pytest.param(
        mail("Всё ещё не работает.", "", "От: Поддержка <support@kilbil.example>",
             "Отправлено: 3 ноября 2026 г. 10:00", "Кому: Иван <ivan@shop.example>", "Тема: RE: [KB-000123] Касса",
             "", *OLD_UNMARKED),
        "Всё ещё не работает.",
        id="Outlook ru: От/Отправлено/Кому/Тема block without the '_____' line"),
    pytest.param(
        mail("Still failing.", "", "From: Support <support@kilbil.example>", "Date: Monday, 3 November 2026 at 10:00",
             "To: Ivan <ivan@shop.example>", "Subject: Re: [KB-000123] Cashier", "", *OLD_UNMARKED),
        "Still failing.",
        id="Outlook for Mac: From/Date block"),
    pytest.param(
        mail("Касса снова не работает.", "", *OLD),
        "Касса снова не работает.",
        id="> quote block at the end without a header"),
    pytest.param(
        mail("On Mon, 3 Nov 2026 at 10:00, Support <support@kilbil.example> wrote:",
             "> What is your account ID?", "Account ID 48213.", "",
             "> Which cash register?", "The second one, by the door.", "", "> Regards, Support"),
        "Account ID 48213.\n\nThe second one, by the door.",
        id="inline replies: the client's answers between > quotes stay, the quotes go"),
    pytest.param(
        mail("Отвечаю по пунктам:", "> Какой у вас ID аккаунта?", "48213", "> Какая касса?", "Вторая"),
        "Отвечаю по пунктам:\n48213\nВторая",
        id="inline replies without a header"),
    pytest.param(
        mail("Проблема осталась.", "", "От: Поддержка <support@kilbil.example>", "Отправлено: 3 ноября 2026 г.",
             "", "-------- Пересылаемое сообщение --------", *OLD_UNMARKED),
        "Проблема осталась.",
        id="a forward inside the quoted conversation goes with it"),
]


@pytest.mark.parametrize("text,expected", CUT_CASES)
def test_quoted_conversation_is_cut(text, expected):
    assert new_text(text) == expected


KEEP_CASES = [
    pytest.param(
        mail("Здравствуйте!", "", "Не начисляются бонусы на карту клиента.", "", "С уважением, Иван"),
        id="no quote at all: unchanged, closing words kept"),
    pytest.param(
        mail("Hello,", "I wrote: the cashier fails when I press Pay.", "Please help."),
        id="'I wrote:' at the start of a prose line does not cut"),
    pytest.param(
        mail("Hello,", "Yesterday I wrote:", "the cashier fails when I press Pay."),
        id="'Yesterday I wrote:' above plain text (no date, no address, no quote) does not cut"),
    pytest.param(
        mail("On Monday I wrote:", "the cashier fails, and it still does."),
        id="'On Monday I wrote:' without a date or time does not cut"),
    pytest.param(
        mail("Я уже написал:", "касса не печатает чеки."),
        id="'Я уже написал:' above plain text does not cut"),
    pytest.param(
        mail("I copied admin@shop.example and wrote:", "the cashier fails."),
        id="an address in prose far from 'wrote:' does not cut"),
    pytest.param(
        mail("Пересылаю письмо от кассира.", "", "---------- Forwarded message ---------",
             "From: Кассир <cashier@shop.example>", "Date: Mon, 3 Nov 2026 at 10:00", "Subject: Касса",
             "", "Касса выдаёт ошибку 500.", "> quoted inside the forward", "-- ", "Кассир"),
        id="Gmail forward: the forwarded mail is kept, with its own quotes and signature"),
    pytest.param(
        mail("Смотрите ниже.", "", "-------- Пересылаемое сообщение --------",
             '03.11.2026, 10:00, "Кассир" <cashier@shop.example>:', "Касса выдаёт ошибку 500."),
        id="Yandex forward '-------- Пересылаемое сообщение --------' is kept"),
    pytest.param(
        mail("See below.", "", "Begin forwarded message:", "", "From: Cashier <cashier@shop.example>",
             "Date: 3 November 2026 at 10:00:00 GMT+3", "Subject: Cashier", "", "Error 500 again."),
        id="Apple Mail 'Begin forwarded message:' is kept"),
    pytest.param(
        mail("FYI", "", "________________________________", "From: Cashier <cashier@shop.example>",
             "Sent: Monday, November 3, 2026 10:00", "Subject: FW: Cashier", "", "Error 500 again."),
        id="Outlook forward (Subject FW:) is kept"),
]


@pytest.mark.parametrize("text", KEEP_CASES)
def test_text_that_is_not_a_quote_is_kept(text):
    assert new_text(text) == text


SIGNATURE_CASES = [
    pytest.param(mail("Касса не работает.", "-- ", "Иван Петров", "+7 900 000-00-00"), "Касса не работает.",
                 id="RFC 3676 '-- ' delimiter and everything below"),
    pytest.param(mail("Касса не работает.", "--", "Иван Петров"), "Касса не работает.",
                 id="'--' delimiter whose trailing space the client dropped"),
    pytest.param(mail("Cashier fails.", "", "Sent from my iPhone", "", "On Mon, 3 Nov 2026 at 10:00, Support "
                      "<support@kilbil.example> wrote:", *OLD_EN),
                 "Cashier fails.", id="'Sent from my iPhone' above the quote"),
    pytest.param(mail("Касса не работает.", "", "Отправлено с iPhone"), "Касса не работает.",
                 id="'Отправлено с iPhone'"),
    pytest.param(mail("Касса не работает.", "", "Отправлено из мобильной Почты Mail.ru"), "Касса не работает.",
                 id="'Отправлено из мобильной Почты Mail.ru'"),
    pytest.param(mail("Cashier fails.", "", "Sent from Mail for Windows"), "Cashier fails.",
                 id="'Sent from Mail for Windows'"),
    pytest.param(mail("Cashier fails.", "", "Get Outlook for iOS<https://aka.ms/o0ukef>"), "Cashier fails.",
                 id="'Get Outlook for iOS' with its link"),
    pytest.param(mail("Касса не работает.", "", "С уважением,", "Иван", "", "Отправлено с iPhone"),
                 "Касса не работает.\n\nС уважением,\nИван",
                 id="'С уважением, Иван' stays, the phone line goes"),
    pytest.param(mail("Отправлено с iPhone, но касса всё равно не работает."),
                 "Отправлено с iPhone, но касса всё равно не работает.",
                 id="a sentence that starts like a phone signature stays"),
]


@pytest.mark.parametrize("text,expected", SIGNATURE_CASES)
def test_signature_is_removed(text, expected):
    assert new_text(text) == expected


def test_signature_is_kept_when_asked():
    text = mail("Вопрос решён, закрываю.", "-- ", "Анна, поддержка Килбил", "",
                "3 нояб. 2026 г., в 10:00, Иван <ivan@shop.example> написал(а):", *OLD)
    assert new_text(text, strip_signature=False) == "Вопрос решён, закрываю.\n-- \nАнна, поддержка Килбил"
    assert new_text(text) == "Вопрос решён, закрываю."


def test_strip_quotes_keeps_the_signature_and_strip_signature_keeps_the_quotes():
    text = mail("Касса не работает.", "-- ", "Иван", "", *OLD)
    assert strip_quotes(text) == "Касса не работает.\n-- \nИван"
    assert strip_signature(mail("Касса не работает.", "", *OLD, "-- ", "Иван")) == mail(
        "Касса не работает.", "", *OLD)


def test_strip_signature_leaves_a_forwarded_signature_alone():
    text = mail("См. ниже", "", "---------- Forwarded message ---------", "Ошибка 500", "-- ", "Кассир")
    assert strip_signature(text) == text


@pytest.mark.parametrize("text", [
    mail("On Mon, 3 Nov 2026 at 10:00, Support <support@kilbil.example> wrote:", *OLD_EN),
    mail("", "Иван Петров написал:", *OLD, "", "-- ", "Иван"),
    mail(*OLD, "", "Sent from my iPhone"),
], ids=["only a Gmail quote", "only a quote and a signature", "only a quote and a phone line"])
def test_nothing_new_gives_empty_text(text):
    assert new_text(text) == ""


def test_quote_header_on_top_of_unmarked_text_returns_the_whole_mail():
    # An Outlook reply typed below the quote, or an HTML quote that lost its ">":
    # we cannot tell old from new, so the agent sees everything.
    text = mail("-----Original Message-----", "From: Support <support@kilbil.example>",
                "Sent: Monday, November 3, 2026 10:00", "", *OLD_UNMARKED, "", "Касса всё ещё не работает.")
    assert new_text(text) == text
    assert strip_quotes(text) == ""


def test_windows_line_ends_and_surrounding_blank_lines():
    text = "\r\n\r\nКасса не работает.\r\n\r\nOn Mon, 3 Nov 2026 at 10:00, Ivan <ivan@x.example> wrote:\r\n> old\r\n"
    assert new_text(text) == "Касса не работает."


@pytest.mark.parametrize("text", ["", "   \n\n  "], ids=["empty", "blank"])
def test_empty_mail_gives_empty_text(text):
    assert new_text(text) == ""


def test_a_huge_single_line_body_is_returned_whole():
    text = "On " + "9" * 200_000 + " wrote"
    assert new_text(text) == text


class _CountingPattern:
    def __init__(self, pattern, counter):
        self.pattern, self.counter = pattern, counter

    def match(self, text):
        self.counter[0] += 1
        return self.pattern.match(text)


HOSTILE_REPEATS = {
    "the issue's signature, attribution and Outlook separator": "-- \nOn Mon, 1 Jan 2024 at 10:00, X <x@y> wrote:\n"
                                                                "-----Original Message-----\n",
    "headers only": "On Mon, 1 Jan 2024 at 10:00, X <x@y> wrote:\n-----Original Message-----\n",
    "Outlook blocks cascading upwards": "From: a\n",
    "blank runs between headers": "\n" * 30 + "-----Original Message-----\n",
}


@pytest.mark.parametrize("unit", HOSTILE_REPEATS.values(), ids=HOSTILE_REPEATS.keys())
def test_work_grows_linearly_with_repeated_headers(monkeypatch, unit):
    """Pattern tests counted, not time: doubling the body at most doubles them (quadratic before)."""
    import mailproc.parse.quotes as quotes

    counter = [0]
    monkeypatch.setattr(quotes, "_MARKERS", tuple(
        dataclasses.replace(m, pattern=_CountingPattern(m.pattern, counter)) for m in quotes._MARKERS))

    def tests_for(repeats: int) -> int:
        counter[0] = 0
        new_text(unit * repeats)
        new_text(unit * repeats + "Sent: x\n", strip_signature=False)
        return counter[0]

    assert tests_for(800) <= 2.2 * tests_for(400)
