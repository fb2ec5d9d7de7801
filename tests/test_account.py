"""§4.2 account ID: the ways clients write it, and numbers that must not be taken for it."""
import re

import pytest

from mailproc.defaults import DEFAULT_ID_PATTERNS, compile_patterns
from mailproc.parse.account import find_account_id

FOUND = [
    pytest.param("ID аккаунта: 12345", "12345", id="'ID аккаунта: 12345'"),
    pytest.param("ID аккаунта 12345", "12345", id="'ID аккаунта 12345'"),
    pytest.param("ИД аккаунта 12345", "12345", id="'ИД аккаунта 12345'"),
    pytest.param("id аккаунта - 12345", "12345", id="'id аккаунта - 12345'"),
    pytest.param("Наш ID аккаунта — 12345.", "12345", id="'ID аккаунта — 12345.' with a long dash and a full stop"),
    pytest.param("ID-аккаунта:12345", "12345", id="'ID-аккаунта:12345' without spaces"),
    pytest.param("аккаунт №12345", "12345", id="'аккаунт №12345'"),
    pytest.param("аккаунт № 12345", "12345", id="'аккаунт № 12345'"),
    pytest.param("у аккаунта #12345 пропали бонусы", "12345", id="'аккаунта #12345'"),
    pytest.param("аккаунт ID 12345", "12345", id="'аккаунт ID 12345'"),
    pytest.param("номер аккаунта 12345", "12345", id="'номер аккаунта 12345'"),
    pytest.param("Номер нашего аккаунта: 12345", "12345", id="'Номер нашего аккаунта: 12345'"),
    pytest.param("Account ID: 12345", "12345", id="'Account ID: 12345'"),
    pytest.param("account id 12345", "12345", id="'account id 12345'"),
    pytest.param("account #12345", "12345", id="'account #12345'"),
    pytest.param("account no. 12345", "12345", id="'account no. 12345'"),
    pytest.param("Account number 1234567890", "1234567890", id="'Account number 1234567890': ten digits"),
    pytest.param("ACCOUNT ID 4821", "4821", id="'ACCOUNT ID 4821': four digits, capitals"),
    pytest.param("Аккаунт 48213\nкасса не работает", "48213", id="'Аккаунт 48213' on its own line"),
    pytest.param("Ольга\nкофейня Зерно\nАккаунт 48213", "48213", id="'Аккаунт 48213' in a signature"),
    pytest.param("помогите, ID: 51234", "51234", id="'ID: 51234' after punctuation"),
    pytest.param("Вопрос id 267743", "267743", id="'id 267743' ending a line"),
    pytest.param("номер кабинета 51234 не пускает", "51234", id="'номер кабинета 51234'"),
    pytest.param("ID базы: 51234", "51234", id="'ID базы' (the regulation's words)"),
    pytest.param("acct 51234, tills are down", "51234", id="'acct 51234'"),
    pytest.param("our account ID is 51234.", "51234", id="'account ID is 51234'"),
    pytest.param("URGENT Account: 331151", "331151", id="'Account: 331151'"),
    pytest.param("Здравствуйте!\nID аккаунта:\n48213\nКасса не работает.", "48213",
                 id="ID on the line below its label"),
]


@pytest.mark.parametrize("body,expected", FOUND)
def test_account_id_is_found(body, expected):
    assert find_account_id("", body) == expected


NOT_AN_ACCOUNT_ID = [
    pytest.param("Позвоните нам: 8 (800) 302-92-40", id="phone number"),
    pytest.param("ID аккаунта 8 (800) 302-92-40", id="phone number after the label"),
    pytest.param("Проблема с 28.11.2026", id="date"),
    pytest.param("ID аккаунта 28.11.2026", id="date after the label"),
    pytest.param("ИНН 7701234567", id="tax number (ИНН)"),
    pytest.param("заказ №12345 не оплачен", id="order number 'заказ №12345'"),
    pytest.param("ID транзакции 123456", id="'ID транзакции 123456'"),
    pytest.param("в аккаунте 5000 бонусов", id="a number after 'аккаунте' without №"),
    pytest.param("ID аккаунта 123", id="too short: three digits"),
    pytest.param("ID аккаунта 12345678901", id="too long: eleven digits"),
    pytest.param("ID аккаунта 1234-5678", id="digits that go on after a dash"),
    pytest.param("account balance 12345", id="'account balance 12345'"),
    pytest.param("accounting ID 12345", id="'accounting ID 12345'"),
    pytest.param("UID аккаунта 12345", id="'UID' is not 'ID'"),
    pytest.param("Не могу войти в аккаунт, помогите", id="no number at all"),
    pytest.param("на аккаунт 5000 бонусов начислили", id="'аккаунт 5000 бонусов': a number going on to a word"),
    pytest.param("order ID 12345", id="'order ID 12345' ending a line"),
    pytest.param("заказ ID 12345", id="'заказ ID 12345' ending a line"),
    pytest.param("тел 89123456789, ИНН 667101234501", id="a phone and a twelve-digit INN"),
    pytest.param("по чеку №00123 от 28.11", id="a receipt number"),
]


@pytest.mark.parametrize("body", NOT_AN_ACCOUNT_ID)
def test_other_numbers_are_not_taken_for_an_account_id(body):
    assert find_account_id("Касса не работает", body) is None


def test_subject_comes_before_body():
    assert find_account_id("Не работает касса, ID аккаунта 11111", "Account ID: 22222") == "11111"


def test_body_is_read_when_the_subject_has_no_id():
    assert find_account_id("Не работает касса", "Account ID: 22222") == "22222"


def test_the_earliest_mention_in_the_text_wins():
    # "account #" is a later pattern than "ID аккаунта", but it comes first in the text.
    body = "Old account #33333 was closed.\nID аккаунта: 44444"
    assert find_account_id("", body) == "33333"


def test_account_id_next_to_other_numbers():
    body = "ИНН 7701234567, заказ №98765, тел. 8 (800) 302-92-40, ID аккаунта: 48213"
    assert find_account_id("", body) == "48213"


def test_configured_patterns_replace_the_defaults():
    patterns = (r"лицевой сч[её]т\s*(\d{6})",)
    assert find_account_id("", "Лицевой счёт 654321", patterns) == "654321"
    assert find_account_id("", "ID аккаунта: 12345", patterns) is None


def test_default_patterns_compile_with_one_group_each():
    compiled = compile_patterns(DEFAULT_ID_PATTERNS)
    assert len(compiled) == len(DEFAULT_ID_PATTERNS)
    assert all(regex.groups == 1 and regex.flags & re.IGNORECASE for regex in compiled)


@pytest.mark.parametrize("pattern,complaint", [
    (r"ID аккаунта \d+", "needs exactly one capturing group"),
    (r"(ID|ИД) аккаунта (\d+)", "needs exactly one capturing group"),
    (r"ID аккаунта (\d+", "not a valid regular expression"),
], ids=["no group", "two groups", "unbalanced parenthesis"])
def test_bad_pattern_is_named_in_the_error(pattern, complaint):
    with pytest.raises(ValueError) as error:
        compile_patterns([r"account id (\d+)", pattern])
    assert complaint in str(error.value)
    assert repr(pattern) in str(error.value)


def test_a_single_string_instead_of_a_list_is_refused():
    with pytest.raises(ValueError, match="expected a list of patterns"):
        compile_patterns(r"account id (\d+)")
