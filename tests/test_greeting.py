"""A reply greets the client by name only when the display name is a person's (issue 12:
"Здравствуйте, Владелец!", "Здравствуйте, Магазин Уют!" read as a machine's letter)."""
from __future__ import annotations

import pytest

from mailproc.parse.names import greeting_name
from tests.mailfactory import make_mail, text_of

CASES = [
    ("Пётр", "Пётр"),
    ("Иван Петров", "Иван Петров"),
    ("Петрова Анна Сергеевна", "Петрова Анна Сергеевна"),
    ('"Анна-Мария Кох"', "Анна-Мария Кох"),
    ("John Smith", "John Smith"),
    ("Ипполит", "Ипполит"),  # not the company form ИП
    ("Барбара", "Барбара"),  # not a bar
    ("Владелец", ""),
    ("Магазин Уют", ""),
    ("ООО Ромашка", ""),
    ("ИП Сидоров", ""),
    ("Кафе Встреча", ""),
    ("Бухгалтерия", ""),
    ("Администратор Зала", ""),
    ("Support Team", ""),
    ("Shop Owner", ""),
    ("КАССА 1", ""),
    ("УЮТ", ""),  # a brand in capitals
    ("ivan.petrov", ""),
    ("Ivan Petrov (Sales)", ""),
    ("Точка продаж на Ленина 5", ""),
    ("", ""),
]


@pytest.mark.parametrize("display_name,greeted", CASES, ids=[c[0] or "empty" for c in CASES])
def test_greeting_name(display_name, greeted):
    assert greeting_name(display_name) == greeted


def test_a_shop_is_greeted_neutrally_a_person_by_name(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_="Магазин Уют <client@example.test>", subject="Не начисляются бонусы",
                           body="Бонусы не начисляются покупателям."))
    mail.deliver(make_mail(from_="Анна Кох <client2@example.test>", subject="Не начисляются баллы",
                           body="Баллы не начисляются покупателям."))
    mailproc_cli(config, "poll")
    shop = mail.wait_for("client@example.test", "KB-00000")
    person = mail.wait_for("client2@example.test", "KB-00000")
    assert text_of(shop).lstrip().startswith("Здравствуйте!")
    assert text_of(person).lstrip().startswith("Здравствуйте, Анна Кох!")
