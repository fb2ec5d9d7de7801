"""Writes eval/mails.jsonl: client mails to measure mailproc's automatic judgements against.

Run `python eval/make_mails.py` to rebuild (seeded: the same file every time). Each mail
is one of the hand-written problems below (CORES, each with its labels), wrapped the way
clients write: greeting or none, an account ID in one of many spellings (subject, body,
signature, none), numbers that are not IDs (phones, INN, orders, receipts), a signature,
a quoted or forwarded history, HTML only, caps, lost punctuation, a typo. The labels are
the problem's own and do not change with the wrapping.

Held-out part: every mail whose number is divisible by 10 or ends in 3 or 7 (30%), fixed
before any detector was tuned and never looked at while tuning.
"""
from __future__ import annotations

import json
import pathlib
import random

SEED = 13
TOTAL = 340
OUT = pathlib.Path(__file__).with_name("mails.jsonl")

# (text, critical, scope, abusive, faq ids, missing, note). scope: "in" or the §3.2 topic.
# faq: the documentation pages that would help; any other linked page is irrelevant.
RU = [
    ("не могу зайти в личный кабинет, пишет неверный логин или пароль. пароль не меняли", True, "in", False,
     ["login", "password-reset"], [], ""),
    ("Зайти в кабинет не могу с утра, кассиры без бонусов сидят", True, "in", False, ["login"], [], "verb last"),
    ("В ЛК войти не получается уже час. Помогите срочно", True, "in", False, ["login"], [], "verb last"),
    ("личный кабинет не открывается, белый экран", True, "in", False, ["login"], ["screenshot"], ""),
    ("нет доступа к личному кабинету после смены пароля администратором", True, "in", False,
     ["login", "password-reset"], [], ""),
    ("не пускает в кабинет, пишет ошибка авторизации", True, "in", False, ["login"], ["screenshot"], ""),
    ("касса не работает с kilbil, при пробитии чека ошибка связи с сервером лояльности", True, "in", False,
     ["pos-connection"], ["screenshot"], ""),
    ("На кассе не начисляются и не списываются баллы вообще, система на РМК недоступна", True, "in", False,
     ["pos-connection", "bonus-accrual"], [], ""),
    ("Frontol не видит kilbil с утра, покупатели ругаются, очередь", True, "in", False, ["pos-connection"], [],
     "till by software"),
    ("Эвотор перестал подключаться к бонусной программе, пишет нет соединения", True, "in", False,
     ["evotor", "pos-connection"], [], "till by software"),
    ("на двух кассах из трех не работает программа лояльности, третья нормально", True, "in", False,
     ["pos-connection", "loyalty-programs"], [], ""),
    ("РМК не видит карты клиентов, бонусы не списать", True, "in", False, ["pos-connection", "bonus-accrual"], [],
     ""),
    ("iiko не подключается к kilbil после обновления iiko, на кассе ошибка модуля лояльности", True, "in", False,
     ["pos-connection"], [], ""),
    ("касса висит при поиске клиента по телефону, минуту думает и ошибка. работать невозможно", True, "in", False,
     ["pos-connection"], [], ""),
    ("СРОЧНО!!! ВСЕ КАССЫ ЛЕЖАТ НЕ ПРОХОДЯТ БОНУСЫ", True, "in", False, ["pos-connection", "bonus-accrual"], [],
     "caps"),
    ("у кассиров в r_keeper не появляется окно лояльности, система на кассе недоступна", True, "in", False,
     ["pos-connection"], [], ""),
    ("терминал эквайринга не работает, оплату картой не принимает. это к вам или к банку?", False, "in", False,
     [], [], "bank card terminal"),
    ("принтер этикеток не печатает ценники после обновления, касса при этом работает", False, "in", False, [], [],
     "label printer"),
    ("банковский терминал завис, подскажите кому звонить", False, "in", False, [], [], "bank card terminal"),
    ("вчера не могли зайти в личный кабинет, сегодня всё работает, просто сообщаем", False, "in", False,
     ["login"], [], "resolved"),
    ("касса не работала утром, сейчас заработала, но хотим понять причину", False, "in", False,
     ["pos-connection"], [], "resolved"),
    ("что делать если касса не работает а клиент хочет списать баллы? на будущее", False, "in", False,
     ["pos-connection", "bonus-accrual"], [], "hypothetical"),
    ("касса работает нормально, вопрос по отчету: где смотреть сколько бонусов списали за месяц", False, "in",
     False, ["bonus-accrual"], [], "negation"),
    ("проблем со входом нет, подскажите как добавить нового пользователя-кассира", False, "in", False, ["users"],
     [], "negation"),
    ("бонусы начисляются не всем покупателям, у части клиентов 0 баллов после покупки", False, "in", False,
     ["bonus-accrual"], ["screenshot"], ""),
    ("как настроить акцию 1+1 на кофе только по выходным?", False, "in", False, ["promotions"], [], "how-to"),
    ("подскажите как сделать рассылку смс только тем у кого день рождения в этом месяце", False, "in", False,
     ["mailings"], [], "how-to"),
    ("как выгрузить отчет по начисленным бонусам в эксель?", False, "in", False, ["bonus-accrual"], [],
     "how-to report"),
    ("сколько стоит продлить лицензию на 3 кассы и пришлите счет на оплату", False, "in", False, ["billing"], [],
     ""),
    ("Рассылка не уходит, висит в статусе отправляется второй день", False, "in", False, ["mailings"],
     ["screenshot"], ""),
    ("не могу создать рассылку, кнопка сохранить неактивна", False, "in", False, ["mailings"], ["screenshot"],
     "error, not request"),
    ("после внедрения у нас перестали начисляться бонусы за покупки в приложении", False, "in", False,
     ["bonus-accrual"], [], "fault after implementation"),
    ("после обучения кассир всё равно не может списать баллы, выдает ошибку недостаточно бонусов хотя они есть",
     False, "in", False, ["bonus-accrual"], ["screenshot"], "fault after training"),
    ("в документации API метод начисления возвращает 500, пример на PHP прилагаю, что не так с запросом?", False,
     "in", False, ["api"], [], "API doc question with a language"),
    ("по документации апи не понятно какой токен передавать, пишем на python, подскажите формат заголовка", False,
     "in", False, ["api"], [], "API doc question with a language"),
    ("предложение: добавьте в отчеты разбивку по кассирам, было бы удобно", False, "in", False, [], [],
     "wish"),
    ("пожелание по доработке модуля интеграции с 1С: хотелось бы выгружать чеки сразу", False, "in", False, [], [],
     "wish"),
    ("хотим пожелание оставить: сделать в мобильном приложении тёмную тему", False, "in", False, [], [], "wish"),
    ("где в личном кабинете поменять процент кешбэка для уровня серебро", False, "in", False,
     ["loyalty-programs"], [], "how-to"),
    ("клиент жалуется что ему пришло два смс с кодом, а списать не смог. почему так?", False, "in", False,
     ["bonus-accrual"], [], ""),
    ("бонусы сгорели раньше срока у покупателя, проверьте пожалуйста", False, "in", False, ["bonus-accrual"], [],
     ""),
    ("не приходит смс с кодом подтверждения покупателям при списании", False, "in", False, ["bonus-accrual"], [],
     ""),
    ("настройте нам пожалуйста акцию на новый год, скидка 20% на всё", False, "account_settings", False,
     ["promotions"], [], ""),
    ("сделайте за нас рассылку по базе, текст ниже, нам некогда разбираться", False, "account_settings", False,
     ["mailings"], [], ""),
    ("создайте нам три уровня программы лояльности по сумме покупок", False, "account_settings", False,
     ["loyalty-programs"], [], ""),
    ("подготовьте отчет по продажам и бонусам за ноябрь по всем точкам в эксель", False, "reports", False, [], [],
     ""),
    ("нужна выгрузка всех чеков с бонусами за год для бухгалтерии, пришлите пожалуйста", False, "reports", False,
     [], [], ""),
    ("проанализируйте пожалуйста нашу базу и скажите какую акцию лучше запустить", False, "analytics", False, [],
     [], ""),
    ("посчитайте окупаемость программы лояльности для нас за полгода", False, "analytics", False,
     ["loyalty-programs"], [], ""),
    ("помогите написать скрипт на python который будет забирать клиентов из нашей crm", False, "programming",
     False, [], [], ""),
    ("у нас 1С самописная, напишите обработку обмена с kilbil под нашу конфигурацию", False, "development", False,
     [], [], ""),
    ("доработайте модуль интеграции с iiko под нас: нужно чтобы бонусы считались только на кухню", False,
     "integration", False, [], [], ""),
    ("нужно обучение для 12 кассиров новой точки, когда можете провести?", False, "training", False, [], [], ""),
    ("хотим внедрение системы в сети из 8 кофеен под ключ, пришлите коммерческое", False, "implementation", False,
     [], [], ""),
    ("настройте нам кассу атол с r_keeper на новой точке, сами не справимся", False, "pos_setup", False, [], [],
     ""),
    ("разработайте модуль для нашего интернет магазина на битриксе по нашему ТЗ", False, "development", False,
     [], [], ""),
    ("настройте интеграцию с нашим сайтом на тильде чтобы бонусы показывались в кабинете покупателя", False,
     "integration", False, [], [], ""),
    ("нам нужна настройка на Эвотор и стартовый инструктаж для кассиров, мы только подключились", False, "in",
     False, ["evotor"], [], "Evotor exemption"),
    ("подключаемся через МойСклад, помогите со стартовыми настройками", False, "in", False, ["moysklad"], [],
     "MoySklad exemption"),
    ("вы там совсем дебилы? третий день не можем зайти в кабинет!!!", True, "in", True, ["login"], [],
     "critical with insult"),
    ("касса не работает уже 2 часа, вы охуели там? где ответ", True, "in", True, ["pos-connection"], [],
     "critical with insult"),
    ("бонусы опять не начислились, идиоты, сколько можно писать", False, "in", True, ["bonus-accrual"], [],
     "insult"),
    ("ваша поддержка полное говно и вы уроды, верните деньги за лицензию", False, "in", True, ["billing"], [],
     "insult"),
    ("бл@ть опять рассылка не ушла", False, "in", True, ["mailings"], [], "masked"),
    ("я дура, удалила акцию случайно, можно восстановить?", False, "in", False, ["promotions"], [],
     "self-scolding"),
    ("извините за тупой вопрос, я наверное идиот, но где кнопка добавить сотрудника", False, "in", False,
     ["users"], [], "self-scolding"),
    ("покупатель обозвал кассира дебилом из-за списания баллов, как ему объяснить правила?", False, "in", False,
     ["bonus-accrual"], [], "quoted abuse from someone else"),
    ("клиент написал в отзыве 'кассиры у вас идиоты' — можно ли отключить отзывы в приложении?", False, "in",
     False, [], [], "quoted abuse from someone else"),
    ("как запретить употреблять слово скидка в смс? оператор блокирует", False, "in", False, ["mailings"], [],
     "innocent word"),
    ("подскажите, бляха-муха, где настройки уровней, обыскалась", False, "in", False, ["loyalty-programs"], [],
     "innocent word"),
    ("в рассылке покупатели жалуются что их оскорбляет обращение «дорогой клиент», как поменять шаблон", False, "in",
     False, ["mailings"], [], "innocent word"),
    ("добавьте пожалуйста в наш аккаунт пользователя для бухгалтера Тупицыной", False, "in", False, ["users"], [],
     "surname"),
    ("не работает выгрузка клиентов, файл пустой", False, "in", False, ["export-customers"], ["screenshot"], ""),
    ("1) как изменить срок сгорания бонусов 2) почему у клиента двойное начисление 3) счет на оплату пришлите",
     False, "in", False, ["bonus-accrual", "billing"], [], "several questions"),
    ("не могу зайти в раздел Акции, пишет нет прав. в сам кабинет захожу", False, "in", False,
     ["promotions", "users"], [], "place is not the account"),
    ("в ЛК не открывается отчет по кассирам, остальное работает", False, "in", False, [], ["screenshot"],
     "account is where, not what fails"),
    ("хотим подключить МоёСклад к вашей системе, есть инструкция?", False, "in", False, ["moysklad"], [], ""),
    ("перестали приходить пуш уведомления клиентам в приложении", False, "in", False, ["mailings"], [], ""),
]
EN = [
    ("I can't log in to the personal account since this morning, it says wrong password", True, "in", False,
     ["login", "password-reset"], [], ""),
    ("our tills are down, the loyalty system is not working on the POS at all", True, "in", False,
     ["pos-connection"], [], ""),
    ("Cannot sign in to lk.kilbil.ru, the page just reloads", True, "in", False, ["login"], [], ""),
    ("the POS terminal is not connecting to kilbil, customers cannot redeem points", True, "in", False,
     ["pos-connection", "bonus-accrual"], [], ""),
    ("the card payment terminal from the bank is not working, is it related to you?", False, "in", False, [], [],
     "bank card terminal"),
    ("we could not log in yesterday but it works now, just letting you know", False, "in", False, ["login"], [],
     "resolved"),
    ("how do I set up a promotion for weekends only?", False, "in", False, ["promotions"], [], "how-to"),
    ("please set up a promotion for us for black friday, 15% off", False, "account_settings", False,
     ["promotions"], [], ""),
    ("could you prepare a report of all bonus transactions for November for our accountant", False, "reports",
     False, [], [], ""),
    ("we need training for our new cashiers next week", False, "training", False, [], [], ""),
    ("please write a script in python that syncs our CRM with kilbil", False, "programming", False, [], [], ""),
    ("in the API documentation the accrual method returns 401, our code is in PHP, what header is expected?",
     False, "in", False, ["api"], [], "API doc question with a language"),
    ("feature request: a report by cashier would be great", False, "in", False, [], [], "wish"),
    ("customers are not receiving bonus points after purchase since Monday", False, "in", False,
     ["bonus-accrual"], [], ""),
    ("you are idiots, the points are wrong again", False, "in", True, ["bonus-accrual"], [], "insult"),
    ("wtf is wrong with your f*cking system, the tills are down for 3 hours", True, "in", True,
     ["pos-connection"], [], "critical with insult"),
    ("sorry for the stupid question, I'm an idiot, where do I add a new user?", False, "in", False, ["users"], [],
     "self-scolding"),
    ("a customer called our cashier a moron over points, how do we explain the rules?", False, "in", False,
     ["bonus-accrual"], [], "quoted abuse from someone else"),
    ("we need custom development of a module for our online store", False, "development", False, [], [], ""),
    ("please customise the iiko integration so bonuses apply only to the bar menu", False, "integration", False,
     [], [], ""),
    ("how much is the licence for 5 registers? please send an invoice", False, "in", False, ["billing"], [], ""),
    ("the mailing is stuck in sending since yesterday", False, "in", False, ["mailings"], [], ""),
    ("can you analyse our sales data and tell us which promotion works best", False, "analytics", False, [], [],
     ""),
    ("the label printer stopped printing price tags, the register itself works", False, "in", False, [], [],
     "label printer"),
]
NAMES_RU = ["Ольга Смирнова", "Игорь Дураков", "Марина", "Алексей Тупицын", "Светлана Петровна", "Дмитрий",
            "Наталья Ковалёва", "Руслан Хабибуллин", "Екатерина", "Сергей Сукачёв", "Анна", "Вадим Козлов"]
NAMES_EN = ["Anna Shitova", "John Miller", "Olga", "Maxim Petrov", "Kate Dickson", "Sergey Shitov"]
COMPANIES = ["кофейня «Зерно»", "ИП Смирнова О.В.", "сеть пекарен Хлебница", "ООО «Ромашка»", "бар Хмель",
             "магазин Рыболов", "салон Лотос", "ООО \"Азбука вкуса-Урал\"", "шаурма №1", "зоомагазин Лапки"]
ID_RU = ["ID аккаунта: {id}", "ID аккаунта {id}", "Аккаунт {id}", "аккаунт №{id}", "ID: {id}", "ID {id}",
         "номер кабинета {id}", "номер кабинета: {id}", "ID базы {id}", "ID базы: {id}", "наш аккаунт {id}",
         "номер аккаунта {id}", "кабинет {id}", "id {id}", "ИД аккаунта {id}", "account ID {id}"]
ID_EN = ["Account ID: {id}", "account ID is {id}", "acct {id}", "acct# {id}", "ID: {id}", "account #{id}",
         "our account {id}", "account number {id}", "Account: {id}"]
DISTRACTORS_RU = ["тел. +7 (912) 345-67-89", "тел 89123456789", "ИНН 6671234567", "ИНН 667101234501",
                  "заказ №45821", "по чеку №00123 от 28.11", "номер заказа 772231", "т. 8 343 226 97 60",
                  "моб. 8-922-111-22-33", "чек 004512", "КПП 667101001", "ОГРН 1126671000123"]
DISTRACTORS_EN = ["tel. +7 912 345 67 89", "order #45821", "receipt 004512", "phone: 8 (343) 226-97-60",
                  "INN 6671234567", "invoice 2026-118"]
GREETINGS_RU = ["Здравствуйте!", "Добрый день.", "добрый день", "Здравствуйте", "", "", "Коллеги, добрый день!",
                "Привет", "Доброе утро!"]
GREETINGS_EN = ["Hello,", "Hi", "", "Good morning!", "Dear support,"]
HISTORY_RU = [
    "Здравствуйте! Ваше обращение зарегистрировано, специалист ответит в рабочее время.",
    "Добрый день, уточните пожалуйста ID аккаунта и приложите скриншот ошибки.",
    "Вопрос решен? Если да, закроем обращение.",
]


def _id() -> str:
    return str(random.choice([random.randint(1000, 9999), random.randint(10000, 99999),
                              random.randint(100000, 999999)]))


def _typo(text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not candidates:
        return text
    i = random.choice(candidates)
    w = words[i]
    j = random.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def _no_punctuation(text: str) -> str:
    return "".join(ch for ch in text if ch not in ",.!?:;")


def make(number: int, core: tuple, lang: str) -> dict:
    text, critical, scope, abusive, faq, missing, note = core
    ru = lang == "ru"
    account_id = _id() if random.random() < 0.8 else None
    where = random.choice(["subject", "top", "bottom", "signature", "signature", "quote"]) if account_id else None
    id_text = random.choice(ID_RU if ru else ID_EN).format(id=account_id) if account_id else ""
    style = random.random()
    body = text
    if style < 0.15:
        body = _no_punctuation(body.lower())
    elif style < 0.22:
        body = body.upper()
    if random.random() < 0.25:
        body = _typo(body)
    greeting = random.choice(GREETINGS_RU if ru else GREETINGS_EN)
    parts = [greeting] if greeting else []
    if where == "top":
        parts.append(f"{id_text}.")
    parts.append(body)
    if where == "bottom":
        parts.append(id_text)
    distractor = random.choice(DISTRACTORS_RU if ru else DISTRACTORS_EN) if random.random() < 0.6 else ""
    if distractor and random.random() < 0.4:
        parts.append(("Заодно: " if ru else "Also: ") + distractor)
        distractor = ""
    name = random.choice(NAMES_RU if ru else NAMES_EN)
    sign = ["--", ("С уважением, " if ru else "Regards, ") + name] if random.random() < 0.7 else [name]
    sign.append(random.choice(COMPANIES))
    if distractor:
        sign.append(distractor)
    if where == "signature":
        sign.append(id_text)
    body_text = "\n\n".join(parts) + "\n\n" + "\n".join(sign)
    if where == "quote" or random.random() < 0.2:
        quoted = random.choice(HISTORY_RU) if ru else "Hello, please send your account ID and a screenshot."
        if where == "quote":  # forwarded from a colleague who had written the ID
            quoted = (f"Коллеги, передаю вам. {id_text}" if ru else f"Forwarding this. {id_text}") + "\n" + quoted
        header = "-------- Пересылаемое сообщение --------" if random.random() < 0.4 else \
            ("28.11.2026 12:40, support@kilbil.ru пишет:" if ru else "On 28.11.2026 12:40, support@kilbil.ru wrote:")
        if header.startswith("--"):
            body_text += f"\n\n{header}\nОт: support@kilbil.ru\nТема: Re: вопрос\n\n{quoted}\n"
        else:
            body_text += f"\n\n{header}\n" + "\n".join("> " + line for line in quoted.splitlines()) + "\n"
    subject = random.choice(["Вопрос", "проблема", "СРОЧНО", "", "kilbil", "помогите", "Re: обращение"]) if ru \
        else random.choice(["Question", "problem", "URGENT", "", "kilbil support"])
    if where == "subject":
        subject = f"{subject} {id_text}".strip()
    html = random.random() < 0.12
    if html:
        body_text = "<html><body>" + "".join(f"<p>{p.replace(chr(10), '<br>')}</p>"
                                             for p in body_text.split("\n\n")) + "</body></html>"
    missing = list(missing) + ([] if account_id else ["account_id"])
    return {"id": f"m{number:03d}", "lang": lang, "held_out": number % 10 in (0, 3, 7),
            "subject": subject, "html": html, "body": body_text,
            "critical": critical, "scope": scope, "abusive": abusive, "account_id": account_id,
            "faq": faq, "missing": missing, "note": note}


def main() -> None:
    random.seed(SEED)
    mails = []
    pool = [(c, "ru") for c in RU] * 3 + [(c, "en") for c in EN] * 3
    random.shuffle(pool)
    for number, (core, lang) in enumerate(pool[:TOTAL], start=1):
        mails.append(make(number, core, lang))
    OUT.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in mails))
    print(f"{len(mails)} mails, {sum(m['lang'] == 'ru' for m in mails)} Russian, "
          f"{sum(m['held_out'] for m in mails)} held out -> {OUT}")


if __name__ == "__main__":
    main()
