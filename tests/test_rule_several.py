"""§2.5 several problems in one new mail: said in words -> a gentle note and a review label; never split."""
import pytest

from mailproc.actions import AddLabel, Reason, ReplyBlock
from mailproc.rules import several
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label
from tests.pure import default_settings, inbound, moscow, run_rule

SEVERAL = [
    ("another question", "", "Не начисляются бонусы с утра. Ещё один вопрос: как выгрузить отчёт по чекам?"),
    ("ещё вопрос", "", "Касса не печатает чек. И ещё вопрос — где поменять логотип в рассылке?"),
    ("ещё у меня вопрос", "", "Не приходят смс покупателям. Ещё у меня вопрос про тарифы."),
    ("a second problem", "", "Во-первых, не списываются баллы. Вторая проблема: в ЛК не открывается отчёт."),
    ("a separate one", "", "Отдельный вопрос — как добавить второго администратора?"),
    ("a count in the subject", "Два вопроса", "1) не работает акция на кофе 2) как сменить пароль кассира"),
    ("several questions", "", "У меня несколько вопросов. Не начисляются бонусы. Как настроить рассылку?"),
    ("two problems", "", "У нас две проблемы: не печатается чек и не приходят смс."),
    ("while at it", "", "Бонусы не начисляются с утра. Заодно хотел спросить, как выгрузить клиентов."),
    ("unrelated, said so", "", "Ещё одна проблема, не связанная с кассой: не открывается ЛК."),
    ("english: another question", "", "The bonus points are not credited. Another question: how do I export?"),
    ("english: one more", "", "Receipts do not print. One more quick question: where is the SMS log?"),
    ("english: two issues", "Two issues", "First, login fails on the till. Second, SMS are not sent."),
    ("english: a couple of questions", "", "I have a couple of questions. How do I add a cashier?"),
]

ONE = [
    ("one problem in several sentences", "Не начисляются бонусы",
     "Со вчерашнего дня не начисляются бонусы. Покупатели жалуются. Касса Атол, ID 10452. Перезагружали — не помогло."),
    ("a question and its screenshot", "Ошибка", "Что означает эта ошибка? Скриншот во вложении."),
    ("steps to reproduce", "", "1. Открываю ЛК 2. Нажимаю «Выгрузить» 3. Появляется ошибка 500"),
    ("the same problem again", "", "Ещё раз пишу о проблеме: бонусы так и не начисляются."),
    ("the words apart", "", "Ещё перезагрузили кассу, проблема осталась."),
    ("negated", "", "Это не другая проблема, а всё та же ошибка при входе."),
    ("denied", "", "Касса не печатает чек после обновления. Другой проблемы нет."),
    ("hedged", "", "Возможно, это отдельная проблема, но после обновления касса зависает."),
    ("the same subject", "", "Ещё вопрос по той же кассе: она теперь не печатает чек."),
    ("one subject, two questions", "", "Два вопроса по бонусам: почему не начислились и когда сгорают?"),
    ("related", "", "Ещё одна проблема, связанная с этим: чек печатается без скидки."),
    ("english: hedged", "", "Maybe it is a different issue, but the till freezes after the update."),
    ("english: the same", "", "Another problem with the same till: it does not print receipts."),
    ("english: about one subject", "", "Two questions about bonuses: why are they late and when do they expire?"),
    ("a number of days", "", "Уже 3 дня проблема с входом в личный кабинет."),
]


@pytest.mark.parametrize("case, subject, text", SEVERAL, ids=[c[0] for c in SEVERAL])
def test_a_mail_that_says_it_brings_several_problems(case, subject, text):
    assert several.several_problems(subject, text)


@pytest.mark.parametrize("case, subject, text", ONE, ids=[c[0] for c in ONE])
def test_a_mail_about_one_problem_is_left_alone(case, subject, text):
    assert several.several_problems(subject, text) is None


def _ctx(body, ticket=None, agent=False):
    mail = inbound(body=body, subject="Вопросы")
    return Context(mail=mail, ticket=ticket, settings=default_settings(), now=moscow("2026-11-27 12:00"),
                   new_text=body, sender_is_agent=agent)


def test_a_new_ticket_gets_the_note_and_the_review_label_and_nothing_else():
    actions = several.check(_ctx("Не печатается чек. Ещё один вопрос: как сменить пароль?"))
    assert actions == [AddLabel(Label.REVIEW_SEVERAL_PROBLEMS, Reason("several", ("еще один вопрос",))),
                       ReplyBlock("several_problems")]


@pytest.mark.parametrize("agent, on_ticket", [(True, False), (False, True)], ids=["an agent", "a follow-up"])
def test_agents_and_follow_ups_get_no_note(agent, on_ticket):
    ticket = TicketView(id=1, tag="KB-000001", client="c@example.test") if on_ticket else None
    assert run_rule(several.check, _ctx("Ещё один вопрос: как сменить пароль?", ticket=ticket, agent=agent)) == []
