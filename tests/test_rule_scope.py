"""§3.2 — out-of-scope questions get a polite decline citing §3.2; a partner's client is sent to the partner (§5.2)."""
import dataclasses

import pytest

from mailproc.actions import AddLabel, Reason, ReplyBlock
from mailproc.config import Scope
from mailproc.decide import decide
from mailproc.parse import quotes
from mailproc.rules import scope
from mailproc.rules.context import AccountRecord, Context
from mailproc.thread import TicketView
from mailproc.vocab import Label
from tests.pure import default_settings, inbound, moscow, reply_text, run_rule

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT = "client@example.test"
AGENT = "agent1@example.test"
PARTNER = AccountRecord("34567", name="Ромашка", partner="Партнёр-Урал",
                        partner_contact="+7 343 000-00-00, help@partner-ural.test")
DIRECT = AccountRecord("12345", name="Кофейня Зерно")


def _ctx(subject, body, *, account=None, ticket=None, from_=CLIENT, agent=False, settings=SETTINGS, language="ru"):
    mail = inbound(from_=from_, subject=subject, body=body)
    return Context(mail=mail, ticket=ticket, settings=settings, now=NOW, language=language,
                   new_text=quotes.new_text(mail.text) or mail.text, sender_is_agent=agent,
                   account_id=account.account_id if account else None, account=account,
                   registry_in_use=account is not None)


def _block(actions):
    blocks = [a for a in actions if isinstance(a, ReplyBlock)]
    if not blocks:
        assert actions == []
        return None
    assert actions == [AddLabel(Label.OUT_OF_SCOPE), blocks[0]]  # the ticket stays open: no status change
    assert blocks[0].name == "out_of_scope"
    return blocks[0]


def _topics(actions):
    block = _block(actions)
    return tuple(block.data["topics"]) if block else ()


CASES = [
    # (what the support lead reads, subject, body, expected §3.2 topics)
    ("ru: customising an exchange module", "1С", "Нужно доработать модуль обмена с 1С под наши нужды.",
     ("integration",)),
    ("ru: implementation", "Внедрение", "Помогите с внедрением системы в нашей сети.", ("implementation",)),
    ("ru: training the cashiers", "Обучение", "Проведите обучение наших кассиров.", ("training",)),
    ("ru: 'научите'", "Вопрос", "Научите сотрудников работать с ЛК.", ("training",)),
    ("ru: setup on the client's own POS", "Касса", "Настройте, пожалуйста, кассу Атол.", ("pos_setup",)),
    ("ru: a promotion the client can set up alone", "Акция", "Настройте нам акцию на Чёрную пятницу.",
     ("account_settings",)),
    ("ru: a mailing 'за нас'", "Рассылка", "Создайте рассылку за нас.", ("account_settings",)),
    ("ru: exporting a report", "Отчёт", "Выгрузите отчёт по продажам за ноябрь.", ("reports",)),
    ("ru: analytics", "Аналитика", "Сделайте аналитику по нашим клиентам.", ("analytics",)),
    ("ru: SQL", "SQL", "Как написать SQL запрос к вашей базе?", ("programming",)),
    ("ru: custom development", "Модуль", "Можете разработать модуль под нас?", ("development",)),
    ("ru: two topics in one mail", "Внедрение", "Нужно внедрение и обучение персонала.",
     ("implementation", "training")),
    ("ru near miss: Evotor setup is in scope (§3.2 exception)", "Касса", "Настройте кассу Эвотор, пожалуйста.", ()),
    ("ru near miss: the price of connecting a till is a billing question", "Счёт",
     "Сколько будет стоить подключить ещё одну кассу? Пришлите счёт.", ()),
    ("ru near miss: an invoice for connecting tills", "Счёт", "Выставьте счёт за подключение ещё двух касс.", ()),
    ("ru near miss: implementation with MoySklad is in scope", "Старт", "Нужна помощь с внедрением на МойСклад.", ()),
    ("ru: Evotor does not exempt reports", "Эвотор", "У нас Эвотор, выгрузите отчёт по продажам.", ("reports",)),
    ("ru near miss: training not needed, a bonus error", "Бонусы",
     "Обучение нам не нужно, просто не начисляются бонусы.", ()),
    ("ru near miss: an error creating a mailing is a bug report (§3.1)", "Рассылка",
     "Не могу создать рассылку, выдаёт ошибку.", ()),
    ("ru near miss: how to set up the POS is a consultation (§3.1)", "Касса", "Как настроить кассу?", ()),
    ("ru near miss: how to export a report is a consultation", "Отчёт", "Как выгрузить отчёт?", ()),
    ("ru near miss: wrong data in a report is an error", "Отчёт", "В отчёте неверные данные.", ()),
    ("ru near miss: training materials are documentation", "Материалы", "Где найти обучающие материалы?", ()),
    ("ru near miss: a wish for the product (accepted, §3.2 last paragraph)", "Идея",
     "Предлагаем добавить в систему новый тип акций.", ()),
    ("ru near miss: an API documentation question naming a language (§3.1)", "API",
     "по документации апи не понятно какой токен передавать, пишем на python", ()),
    ("ru near miss: a fault after implementation", "Бонусы",
     "После внедрения у нас перестали начисляться бонусы за покупки в приложении.", ()),
    ("ru near miss: a wish about an integration module", "Идея",
     "Пожелание по доработке модуля интеграции с 1С: хотелось бы выгружать чеки сразу.", ()),
    ("en: training for the staff", "Training", "We need training for our staff.", ("training",)),
    ("en: a promotion for us", "Promo", "Please set up a promotion for us.", ("account_settings",)),
    ("en: custom development", "Plugin", "We need custom development of a plugin.", ("development",)),
    ("en: Python", "Script", "Can you help with Python code for our CRM?", ("programming",)),
    ("en near miss: an API documentation question naming a language (§3.1)", "API",
     "In the API documentation the accrual method returns 401, our code is in PHP, which header?", ()),
    ("en: our own POS", "POS", "Please configure our POS terminal.", ("pos_setup",)),
    ("en: implementation", "Start", "Help us implement kilbil in our stores.", ("implementation",)),
    ("en near miss: how to create a promotion", "Promo", "How do I create a promotion?", ()),
    ("en near miss: training materials", "Docs", "Where are the training materials?", ()),
    ("en near miss: a bug report", "Bug", "I want to send a bug report.", ()),
    ("en near miss: bonuses at the till", "Bonus", "Bonuses are not credited at the till.", ()),
]


@pytest.mark.parametrize("subject,body,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_out_of_scope_topics(subject, body, expected):
    assert _topics(scope.check(_ctx(subject, body))) == expected


def test_a_topic_beside_a_reported_fault_goes_to_review_not_to_the_client():
    actions = scope.check(_ctx("Бонусы", "Бонусы не начисляются с утра. И проведите обучение новых кассиров."))
    assert actions == [AddLabel(Label.REVIEW_OUT_OF_SCOPE, Reason(scope.FAULT, ("обучение",), ("не начисляются",)))]
    verdict = scope.judge("Бонусы", "Бонусы не начисляются. Проведите обучение.")
    assert (verdict.topics, verdict.sure, verdict.words) == (("training",), False, ("обучение",))


def test_partner_and_contact_are_in_the_block_only_for_a_partners_client():
    partner = _block(scope.check(_ctx("Обучение", "Проведите обучение кассиров.", account=PARTNER)))
    assert (partner.data["partner"], partner.data["partner_contact"]) == (PARTNER.partner, PARTNER.partner_contact)
    direct = _block(scope.check(_ctx("Обучение", "Проведите обучение кассиров.", account=DIRECT)))
    assert (direct.data["partner"], direct.data["partner_contact"]) == ("", "")


@pytest.mark.parametrize("ctx", [
    _ctx("Re: Касса [KB-000001]", "Проведите обучение кассиров.",
         ticket=TicketView(id=1, tag="KB-000001", client=CLIENT)),
    _ctx("Обучение", "Проведите обучение кассиров.", from_=AGENT, agent=True),
], ids=["a follow-up is not declined again", "an agent's mail"])
def test_only_new_tickets_from_clients(ctx):
    assert run_rule(scope.check, ctx) == []


def test_extra_phrases_come_from_the_config():
    settings = dataclasses.replace(SETTINGS, scope=Scope(extra_phrases=("перенести базу",)))
    body = "Перенесите базу клиентов из старой системы."  # word forms match, as for [[faq]] phrases
    assert _topics(scope.check(_ctx("База", body, settings=settings))) == ("other",)
    assert _topics(scope.check(_ctx("База", body))) == ()
    assert _topics(scope.check(_ctx("База", "Базу не нужно переносить.", settings=settings))) == ()


def _reply_text(ctx) -> str:
    decision = decide(ctx)
    assert Label.OUT_OF_SCOPE in decision.labels and decision.status is None
    return reply_text(ctx, decision.reply_blocks, first_response_due=NOW)


@pytest.mark.parametrize("language,account,lines,absent", [
    ("ru", PARTNER,
     ["которые не входят в техническую поддержку (п. 3.2 регламента): обучение работе с системой.",
      "Ваш аккаунт обслуживает партнёр Партнёр-Урал (+7 343 000-00-00, help@partner-ural.test): "
      "по этому вопросу, пожалуйста, обратитесь к нему (п. 5.2 регламента).",
      "Специалист поддержки посмотрит обращение и подтвердит это"], []),
    ("ru", DIRECT, ["п. 3.2 регламента", "Специалист поддержки посмотрит обращение"], ["партнёр", "5.2"]),
    ("en", PARTNER,
     ["under section 3.2 of our support policy, is not handled by technical support: "
      "training in using the system.",
      "Your account is served by our partner Партнёр-Урал (+7 343 000-00-00, help@partner-ural.test): "
      "please contact them about this (section 5.2 of our support policy).",
      "An engineer will look at your request and confirm this"], []),
], ids=["ru: partner's client is sent to the partner", "ru: direct client: no partner line",
        "en: partner's client is sent to the partner"])
def test_the_decline_cites_3_2_and_names_the_partner(language, account, lines, absent):
    text = _reply_text(_ctx("Обучение", "Проведите обучение кассиров.", account=account, language=language))
    for line in lines:
        assert line in text
    for word in absent:
        assert word not in text
    assert text.index("KB-000001") < text.index(lines[0])  # after the acknowledgement
