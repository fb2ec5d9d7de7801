"""§1.2, §4.3 — documentation links for questions the shipped FAQ answers, and none for the rest."""
import dataclasses
from pathlib import Path

import pytest

from mailproc.actions import AddLabel, ReplyBlock
from mailproc.config import load_settings
from mailproc.decide import decide
from mailproc.parse.wordforms import Phrase, Text, same_word, stem
from mailproc.rules import faq
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label
from tests.pure import inbound, moscow, reply_text, run_rule

SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


@pytest.fixture(scope="module")
def shipped():
    """The config.toml we ship, with its 13 [[faq]] entries."""
    return load_settings(SHIPPED_CONFIG)


def _ctx(settings, subject="", body="", language="ru", ticket=None, agent=False, **mail_fields):
    mail = inbound(subject=subject, body=body, **mail_fields)
    return Context(mail=mail, ticket=ticket, settings=settings, now=moscow("2026-11-27 12:00"),
                   new_text=body, language=language, sender_is_agent=agent)


def _linked(actions):
    """The FAQ ids linked by the rule's actions, in order; checks label and block go together."""
    blocks = [a for a in actions if isinstance(a, ReplyBlock)]
    labels = [a.label for a in actions if isinstance(a, AddLabel)]
    if not blocks:
        assert labels == []
        return []
    [block] = blocks
    assert labels == [Label.FAQ] and block.name == "faq"
    return [link["id"] for link in block.data["links"]]


# (what the client wrote, subject, body, reply language, FAQ ids linked, best first)
CASES = [
    ("a declined §3.2 request gets no links: analytics of the loyalty programme",
     "Аналитика", "Проанализируйте нашу программу лояльности и посчитайте её окупаемость.", "ru", []),
    ("a declined request the client can do alone keeps its page: 'настройте нам акцию'",
     "Акция", "Настройте нам акцию на новый год.", "ru", ["promotions"]),
    ("one general word in passing links nothing: 'отчёт по бонусам'",
     "Отчёт", "Подготовьте отчёт по продажам и бонусам за ноябрь.", "ru", []),
    ("one general word in passing links nothing: 'Also: invoice 2026-118'",
     "Points", "Customers get no points after purchase. Also: invoice 2026-118", "en", []),
    ("one general word asked about links its page: 'почему сгорели бонусы'",
     "Бонусы", "Почему у покупателя сгорели бонусы?", "ru", ["bonus-accrual"]),
    ("cannot log in to the personal account, wrong password",
     "Не могу войти", "Здравствуйте! Не могу войти в личный кабинет, пишет неверный пароль.", "ru",
     ["login", "password-reset"]),
    ("'зайти в личный кабинет' (a separate phrase: a stemmer cannot join зайти and войти)",
     "Вход", "Не получается зайти в личный кабинет с утра.", "ru", ["login"]),
    ("password reset, inflected: паролем, паролю, сбросьте",
     "Доступ", "Сбросьте, пожалуйста: паролем давно не пользуюсь, паролю уже год.", "ru", ["password-reset"]),
    ("forgot the password, ё/е and capitals",
     "ЗАБЫЛА ПАРОЛЬ!!!", "Подскажите, как восстановить пароль от кабинета?", "ru", ["password-reset"]),
    ("Evotor in other cases (Эвоторе)",
     "Приложение", "Как настроить приложение на кассе? На Эвоторе не появляется кнопка.", "ru", ["evotor"]),
    ("MoySklad declined (МоимСкладом) outranks a one-word bonus mention",
     "Интеграция", "Не работает интеграция с МоимСкладом, в Моём складе не видно бонусов.", "ru",
     ["moysklad", "bonus-accrual"]),
    ("bonuses, words in another order and form than the phrase",
     "", "Бонусы клиентам не начисляются уже второй день.", "ru", ["bonus-accrual"]),
    ("customer export (выгрузить базу покупателей)",
     "Выгрузка", "Как выгрузить базу покупателей в Excel?", "ru", ["export-customers"]),
    ("billing: invoice for the licence, tariff",
     "Счёт", "Пришлите счёт на оплату лицензии по нашему тарифу.", "ru", ["billing"]),
    ("SMS mailing",
     "Рассылка", "Как сделать СМС-рассылку клиентам?", "ru", ["mailings"]),
    ("a promotion for the weekend (акцию)",
     "Вопрос", "Как создать акцию на выходные?", "ru", ["promotions"]),
    ("the cashier's workstation does not see the loyalty program",
     "Касса", "Касса не видит программу лояльности, РМК не подключается.", "ru",
     ["pos-connection", "loyalty-programs"]),
    ("a negated mention still links: 'not the password'",
     "", "Дело не в пароле, логин не подходит.", "ru", ["password-reset"]),
    ("English: can't log in and forgot the password",
     "Login", "I can't log in to the personal account, I forgot my password.", "en", ["login", "password-reset"]),
    ("English: problems signing in",
     "Signing in", "Problems signing in since yesterday.", "en", ["login"]),
    ("English: API documentation and token",
     "API", "Where can I find the API documentation? We need an API token.", "en", ["api"]),
    ("English: adding users",
     "Users", "How do I add a new user to our account?", "en", ["users"]),
    ("English: exporting customers",
     "Export", "Is there a way of exporting customers to CSV?", "en", ["export-customers"]),
    ("English: a promotion",
     "Promo", "How to set up a promotion with a discount campaign?", "en", ["promotions"]),
    ("English: bonus points not credited",
     "Points", "The bonus points were not credited after the purchase.", "en", ["bonus-accrual"]),
    # near-misses: nothing to link
    ("'rapid' is not 'api'", "Thanks", "We see rapid growth of our customer base, thank you!", "en", []),
    ("'транзакция' is not 'акция'", "Транзакция", "Транзакция не проходит, покупатель ждёт.", "ru", []),
    ("'sign the contract in two copies' is not signing in",
     "Contract", "Please sign the contract in two copies.", "en", []),
    ("'a mail about invoices' is not a mailing (the invoice links billing)",
     "Mail", "I sent you a mail yesterday: where is the invoice?", "en", ["billing"]),
    ("unrelated question", "Вопрос", "Добрый день, подскажите график работы поддержки.", "ru", []),
    ("entering a section, not the account: the section's page, not the login page",
     "Права", "Не могу зайти в раздел Рассылки, пишет нет прав. В сам кабинет захожу.", "ru", ["mailings"]),
    ("the phrase says where a report is about, not what is asked",
     "", "Где посмотреть, сколько покупателей пришло по программе лояльности за месяц?", "ru", []),
    ("an invoice for tills, not the till connection page",
     "Счёт", "Пришлите счёт на оплату за подключение ещё двух касс.", "ru", ["billing"]),
    ("a word in a clause of its own is not what the question asks",
     "", "Как добавить пользователя, который будет делать рассылки?", "ru", ["users"]),
    ("a word the client does without is not asked about",
     "", "How do I give a new cashier access without sharing my password?", "en", []),
    ("a price asked: 'сколько' asks no page",
     "", "Сколько стоит лицензия ещё на одно РМК?", "ru", []),
    ("words of one phrase in different sentences do not make it",
     "Спасибо", "Всё работает, не могу нарадоваться. Войти теперь просто.", "ru", []),
]


@pytest.mark.parametrize("subject,body,language,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_links_for_the_question(shipped, subject, body, language, expected):
    assert _linked(faq.check(_ctx(shipped, subject, body, language))) == expected


def test_the_subject_alone_is_enough(shipped):
    assert _linked(faq.check(_ctx(shipped, "Не начисляются бонусы", "Срочно, см. скриншот."))) == ["bonus-accrual"]


def test_at_most_max_faq_links_best_first(shipped):
    # six topics; longest matched phrase first, then the most phrases matched, then config order
    body = ("Не могу войти в личный кабинет, забыл пароль. Не начисляются бонусы по акции, "
            "рассылка не уходит, и как выгрузить клиентов?")
    assert _linked(faq.check(_ctx(shipped, "Много вопросов", body))) == ["bonus-accrual", "login", "password-reset"]
    one = dataclasses.replace(shipped, replies=dataclasses.replace(shipped.replies, max_faq_links=1))
    assert _linked(faq.check(_ctx(one, "Много вопросов", body))) == ["bonus-accrual"]
    none = dataclasses.replace(shipped, replies=dataclasses.replace(shipped.replies, max_faq_links=0))
    assert faq.check(_ctx(none, "Много вопросов", body)) == []


@pytest.mark.parametrize("language,title", [("ru", "Вход в личный кабинет"),
                                            ("en", "Signing in to the personal account")])
def test_title_follows_the_reply_language(shipped, language, title):
    [_, block] = faq.check(_ctx(shipped, "Не могу войти", "", language))
    assert block.data["links"] == [{"id": "login", "title": title, "url": "https://help.kilbil.ru/lk/login"}]


def test_only_a_new_ticket_from_a_client(shipped):
    ticket = TicketView(id=1, tag="KB-000001", client="client@example.test")
    assert run_rule(faq.check, _ctx(shipped, "Re: пароль", "Забыл пароль", ticket=ticket)) == []
    assert run_rule(faq.check, _ctx(shipped, "Пароль", "Забыл пароль", agent=True)) == []
    assert run_rule(faq.check, _ctx(shipped, "Out of office: password", "Forgot password",
                                    headers={"Auto-Submitted": "auto-replied"})) == []
    assert _linked(faq.check(_ctx(shipped, "Пароль", "Забыл пароль"))) == ["password-reset"]


@pytest.mark.parametrize("language,intro,agent_line", [
    ("ru", "Возможно, ответ на ваш вопрос уже есть в документации:", "специалист всё равно ответит"),
    ("en", "The answer to your question may already be in our documentation:", "an engineer will still answer"),
])
def test_the_client_reads_the_links(shipped, language, intro, agent_line):
    ctx = _ctx(shipped, "Бонусы", "Не начислены бонусы, и как выгрузить базу покупателей?", language)
    decision = decide(ctx)
    assert Label.FAQ in decision.labels
    assert [b.name for b in decision.reply_blocks][0] == "ack" and "faq" in [b.name for b in decision.reply_blocks]
    text = reply_text(ctx, decision.reply_blocks, first_response_due=ctx.now, client_name="")
    title = {"ru": "Начисление и списание бонусов", "en": "Accruing and redeeming bonus points"}[language]
    assert intro in text and agent_line in text
    assert f"  • {title} — https://help.kilbil.ru/loyalty/bonuses\n" in text
    assert "https://help.kilbil.ru/customers/export" in text
    assert text.index("KB-000001") < text.index(intro)  # the links come after the acknowledgement


# The matcher underneath: word forms that must meet, and words that must stay apart.
SAME = [("пароль", "паролем"), ("пароля", "паролю"), ("начисляются", "начислены"), ("начисление", "начислили"),
        ("подключить", "подключение"), ("акция", "акций"), ("выгрузить", "выгрузка"), ("рассылок", "рассылка"),
        ("база", "базу"), ("users", "user"), ("exporting", "export"), ("logging", "log"), ("apis", "api")]
APART = [("акция", "транзакция"), ("sign", "signature"), ("api", "rapid"), ("customers", "customisation"),
         ("программа", "программист"), ("пароль", "паром"), ("войти", "вход")]


@pytest.mark.parametrize("a,b", SAME, ids=[f"{a}={b}" for a, b in SAME])
def test_word_forms_meet(a, b):
    assert same_word(stem(a), stem(b))


@pytest.mark.parametrize("a,b", APART, ids=[f"{a}≠{b}" for a, b in APART])
def test_different_words_stay_apart(a, b):
    assert not same_word(stem(a), stem(b))
    assert not Text(f"Вопрос про {b}.").contains(Phrase.of(a))


def test_window_allows_one_extra_word_and_any_order():
    phrase = Phrase.of("не могу войти")
    assert Text("войти не могу").contains(phrase)
    assert Text("не могу никак войти").contains(phrase)
    assert not Text("не могу найти, как тут войти").contains(phrase)
    assert not Text("Не могу. Войти получилось.").contains(phrase)  # another sentence
