"""The regulation end to end: ten varied mails through Dovecot; labels, priorities, and
the text each client receives (issue §-by-§)."""
import datetime as dt

from mailproc.demo import shipped_faq_toml
from tests.mailfactory import make_mail, text_of

MOSCOW = dt.timezone(dt.timedelta(hours=3))
ACCOUNTS = """account_id,name,status,partner,partner_contact
10452,Цветочная лавка,active,,
20981,Sunrise Bakery,active,,
30777,Кафе «Ромашка»,inactive,,
40500,Магазин «Уют»,active,ООО «Интегратор»,help@integrator.example.test
"""

# (client, subject, body, arrival hour in Moscow or None for "in hours")
MAILS = {
    "client@example.test": ("Не могу войти в личный кабинет",
                            "Здравствуйте! С утра не могу войти в личный кабинет, пишет «неверный пароль». "
                            "ID аккаунта: 10452", 11),
    "client2@example.test": ("Bonus points not accrued",
                             "Hello, since yesterday bonus points are not credited to our customers after "
                             "purchases. Account ID 20981", 12),
    "client3@example.test": ("Касса не работает", "Касса не работает, система недоступна на РМК, "
                                 "покупатели ждут. ID аккаунта 10452", 3),
    "client4@example.test": ("Обучение сотрудников", "Проведите, пожалуйста, обучение наших кассиров работе "
                                 "с системой. ID аккаунта: 40500", 12),
    "client5@example.test": ("Вопрос", "Почему не работает, блять, сколько можно ждать? ID аккаунта: 10452", 12),
    "client6@example.test": ("Продление", "Добрый день, хотим вернуться к работе с программой лояльности. "
                                 "ID аккаунта: 30777", 12),
    "client7@example.test": ("Рассылка", "Как создать СМС рассылку для покупателей? ID аккаунта: 99999", 12),
    "client8@example.test": ("Ошибка", "Ошибка", 12),
}


def _arrival(hour: int) -> dt.datetime:
    today = dt.datetime.now(MOSCOW).date() - dt.timedelta(days=1)
    return dt.datetime.combine(today, dt.time(hour, 5), MOSCOW)


def test_ten_mails_through_the_regulation(mail, mailproc_config, mailproc_cli, tmp_path):
    config = mailproc_config(support={"max_auto_replies_per_day": 100})
    with config.open("a", encoding="utf-8") as fh:
        fh.write(shipped_faq_toml())  # the company's documentation links, as shipped
    csv = tmp_path / "accounts.csv"
    csv.write_text(ACCOUNTS, encoding="utf-8")
    mailproc_cli(config, "accounts", "import", csv)
    for client, (subject, body, hour) in MAILS.items():
        mail.append("support@example.test", make_mail(from_=client, subject=subject, body=body), date=_arrival(hour))
    # A screenshot problem and an automatic reply complete the ten.
    mail.append("support@example.test", make_mail(
        from_="client@example.test", subject="Скриншот ошибки выгрузки", body="Не работает выгрузка клиентов, "
        "скриншот во вложении. ID аккаунта: 10452",
        attachments=[("IMG_0001.jpg", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "image/jpeg")]),
        date=_arrival(13))
    mail.append("support@example.test", make_mail(from_="client2@example.test", subject="Автоответ: в отпуске",
                                                  body="Я в отпуске до понедельника.",
                                                  headers={"Auto-Submitted": "auto-replied"}), date=_arrival(13))
    mailproc_cli(config, "poll")

    tickets = {t["subject"]: t for t in mailproc_cli(config, "tickets", "--json", json=True)}
    assert len(tickets) == 10

    def labels(subject):
        return set(tickets[subject]["labels"])

    assert tickets["Не могу войти в личный кабинет"]["priority"] == "critical"
    assert {"critical", "faq"} <= labels("Не могу войти в личный кабинет")
    assert tickets["Касса не работает"]["priority"] == "critical" and "after_hours" in labels("Касса не работает")
    assert "faq" in labels("Bonus points not accrued") and tickets["Bonus points not accrued"]["priority"] == "normal"
    assert "out_of_scope" in labels("Обучение сотрудников")
    assert tickets["Вопрос"]["status"] == "suspended" and "suspended" in labels("Вопрос")
    assert tickets["Продление"]["status"] == "closed" and "refused" in labels("Продление")
    assert "missing_account_id" in labels("Ошибка")
    assert "bad_attachment" in labels("Скриншот ошибки выгрузки")
    assert labels("Автоответ: в отпуске") == {"automated"}

    def reply_to(client, subject):
        return text_of(mail.wait_for(client, lambda m: subject in (m["Subject"] or "")))

    assert "мы решим её до" in reply_to("client@example.test", "Не могу войти")
    assert "https://help.kilbil.ru/lk/login" in reply_to("client@example.test", "Не могу войти")
    assert "Your request has been registered" in reply_to("client2@example.test", "Bonus points")
    night = reply_to("client3@example.test", "Касса не работает")
    assert "вне рабочего времени" in night and "07:00" in night
    training = reply_to("client4@example.test", "Обучение")
    assert "3.2" in training and "ООО «Интегратор»" in training and "help@integrator.example.test" in training
    suspension = reply_to("client5@example.test", "Вопрос")
    assert "4.7" in suspension and "блять" not in suspension and "зарегистрировано" not in suspension
    refusal = reply_to("client6@example.test", "Продление")
    assert "4.7" in refusal and "https://help.kilbil.ru" not in refusal
    assert "99999" in reply_to("client7@example.test", "Рассылка")  # unknown ID: asked to check it
    short = reply_to("client8@example.test", "Ошибка")
    assert "ID аккаунта" in short and "скриншот" in short.lower()
    assert "HEIC" in reply_to("client@example.test", "Скриншот ошибки")
    assert all("Автоответ" not in (m["Subject"] or "") for m in mail.messages("client2@example.test"))
