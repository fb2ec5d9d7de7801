"""Definitions, §2.1, §2.4 — critical problems (no login to the personal account, system down at the POS)."""
import dataclasses

import pytest

from mailproc import render, sla
from mailproc.actions import AddLabel, ReplyBlock, SetPriority
from mailproc.config import Critical
from mailproc.decide import decide
from mailproc.parse import quotes
from mailproc.rules import critical
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label, Priority
from tests.pure import default_settings, inbound, moscow, run_rule

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT = "client@example.test"
AGENT = "agent1@example.test"
TICKET = TicketView(id=3, tag="KB-000003", client=CLIENT)
LOGIN, POS, OTHER = critical.LOGIN, critical.POS, critical.OTHER


def _ctx(subject, body, *, ticket=None, from_=CLIENT, agent=False, settings=SETTINGS, arrived=NOW, language="ru"):
    mail = inbound(arrived_at=arrived, from_=from_, subject=subject, body=body)
    return Context(mail=mail, ticket=ticket, settings=settings, now=arrived, language=language,
                   new_text=quotes.new_text(mail.text) or mail.text, sender_is_agent=agent)


def _problem(actions):
    blocks = [a for a in actions if isinstance(a, ReplyBlock)]
    if not blocks:
        assert actions == []
        return None
    assert actions[:2] == [SetPriority(Priority.CRITICAL), AddLabel(Label.CRITICAL)]
    assert blocks[0].name == "critical"
    return blocks[0].data["problem"]


CASES = [
    # (what the support lead reads, subject, body, expected problem or None)
    ("ru: cannot log in to the personal account", "Срочно", "Не могу войти в личный кабинет, ID 12345", LOGIN),
    ("ru: 'не можем зайти в ЛК' in the subject only", "Не можем зайти в ЛК", "ID аккаунта 12345", LOGIN),
    ("ru: login fails with an error, no place named", "Вход", "Не получается войти, пишет ошибку.", LOGIN),
    ("ru: the personal account does not open", "ЛК", "У нас личный кабинет не открывается с утра.", LOGIN),
    ("ru: no access to lk.kilbil.ru", "Доступ", "Нет доступа к личному кабинету lk.kilbil.ru", LOGIN),
    ("ru: 'если честно' is not a hypothetical", "Вход", "Если честно, не могу войти уже час.", LOGIN),
    ("ru: 'в любом случае' is not a hypothetical", "Вход", "В любом случае, не могу войти в ЛК.", LOGIN),
    ("ru: the POS does not work", "Касса", "Касса не работает, бонусы не списываются.", POS),
    ("ru: system unavailable at the cashier's workstation", "РМК", "На РМК недоступна система лояльности.", POS),
    ("ru: still failing after a short-lived fix", "Вход",
     "Не могу войти в ЛК. Теперь снова не работает.", LOGIN),
    ("ru: another problem solved, now no login", "Вход",
     "Проблема с отчётом решена, но теперь не могу войти в ЛК.", LOGIN),
    ("ru near miss: cannot open a section, not the account", "Акции", "Не могу зайти в раздел Акции.", None),
    ("ru near miss: something inside the account fails, not the login", "Рассылка",
     "В ЛК не работает рассылка.", None),
    ("ru near miss: resolved in the same mail", "Вход", "Не могу войти в ЛК. Уже всё работает, спасибо!", None),
    ("ru near miss: 'уже могу войти, спасибо'", "Вход", "Уже могу войти, спасибо.", None),
    ("ru near miss: 'вход работает'", "Вход", "Вход работает, вопрос про бонусы.", None),
    ("ru near miss: 'проблема решена'", "Касса", "Проблема решена, касса снова в строю.", None),
    ("ru near miss: past tense, fixed since", "Вход", "Вчера не могли войти в ЛК, сейчас всё работает.", None),
    ("ru near miss: a hypothetical question", "Касса", "Что делать, если касса не работает?", None),
    ("ru near miss: POS fine, a report in the account is not", "Отчёт",
     "Касса работает, а в ЛК не открывается отчёт.", None),
    ("ru near miss: a how-to question about the POS", "Касса", "Как настроить кассу?", None),
    ("ru near miss: 'не входит в тариф' is not a login", "Тариф", "Это не входит в тариф?", None),
    ("ru: login told by its symptom, a spinner", "ЛК", "Захожу в личный кабинет, крутится колесико и всё.", LOGIN),
    ("ru: the symptom in the sentence after the account", "Вход",
     "Пробую зайти в ЛК с утра. Бесконечная загрузка.", LOGIN),
    ("ru: thrown back to the login page", "", "После ввода пароля выкидывает обратно, и так по кругу.", LOGIN),
    ("ru near miss: a report spins inside the account", "Отчёт",
     "В кабинете долго грузится отчёт, крутится колесико.", None),
    ("ru near miss: a spinner yesterday, fine today", "", "Вчера в кабинете крутилось колесико, сегодня всё ок.", None),
    ("ru near miss: a spinner, nothing about the account", "Касса", "У кассира крутится колесико в приложении банка?",
     None),
    ("ru: the till does not redeem points", "Касса", "Касса не списывает баллы, покупатели ждут.", POS),
    ("ru: points not accrued at the tills for anybody", "",
     "На кассах не начисляются бонусы ни одному покупателю.", POS),
    ("ru: the till by its software stopped redeeming", "", "На эвоторе перестали списываться бонусы.", POS),
    ("ru: cashiers cannot redeem points", "", "Кассиры не могут списать баллы, списание не проходит.", POS),
    ("ru near miss: one customer's points, not the till", "",
     "У одного покупателя на кассе не списываются баллы, у остальных нормально.", None),
    ("ru near miss: points not accrued to some customers", "", "На кассе бонусы не начисляются некоторым клиентам.",
     None),
    ("ru near miss: a report of redemptions", "", "Касса работает, но в отчёте списания не отображаются.", None),
    ("ru near miss: some purchases, a rule of the programme", "",
     "Почему на кассе не начисляются бонусы за покупку подарочных карт?", None),
    ("ru near miss: a limit", "", "Касса не списывает баллы больше 50% от чека, как поменять лимит?", None),
    ("ru near miss: is it meant so", "", "Касса не начисляет бонусы при оплате сертификатом, это нормально?", None),
    ("ru: narrowed, yet an error blocks the sale", "",
     "При оплате баллами касса выдает ошибку и не списывает их, чек не закрыть.", POS),
    ("ru: a typo across the end of a stem", "", "банковсикй терминал завис", None),
    ("en: cannot log in to the personal account", "Login", "I cannot log in to the personal account.", LOGIN),
    ("en: the dashboard spins", "Login", "The dashboard is stuck on the loading spinner after the password.", LOGIN),
    ("en: no punctuation, the address as one word", "", "cannot sign in to lkkilbilru the page just reloads", LOGIN),
    ("en near miss: the report page keeps loading", "", "The report page in the dashboard keeps loading forever.",
     None),
    ("en: 'login is not working' (a noun, not the verb last)", "", "Login is not working.", LOGIN),
    ("en near miss: stuck yesterday, fine now", "", "I was stuck on the login page yesterday, now it is fine.", None),
    ("en near miss: kept loading, all good today", "",
     "Yesterday the dashboard kept loading forever, today all good.", None),
    ("en: the till won't redeem points", "POS", "Our till won't redeem points since this morning.", POS),
    ("en: points not being deducted at the checkout", "", "Points are not being deducted at the checkout.", POS),
    ("en near miss: one customer's points", "", "For one customer the till doesn't add points, others are fine.",
     None),
    ("en near miss: some purchases", "", "The till does not add points for gift card purchases, is that intended?",
     None),
    ("en: login failed", "Help", "Login failed again and again.", LOGIN),
    ("en: still not resolved", "Login", "Can't log in. Still not resolved.", LOGIN),
    ("en: POS terminal down", "POS", "The POS terminal is down.", POS),
    ("en: tills not working", "Tills", "Our tills are not working since 9am.", POS),
    ("en near miss: a hypothetical question", "POS", "In case the POS is down, what do we do?", None),
    ("en near miss: the reports section, not the account", "Reports", "I can't log in to the reports section.", None),
    ("en near miss: 'I can log in now'", "Login", "I can log in now, thank you.", None),
    ("en near miss: 'login works again'", "Login", "Login works again.", None),
    ("en near miss: past tense, fixed now", "Login", "I couldn't log in yesterday but it is fixed now.", None),
    ("en near miss: a report inside the account", "Report", "In my account the report doesn't load.", None),
    ("ru: the verb last", "Вход", "Зайти в кабинет не могу с утра, кассиры без бонусов сидят", LOGIN),
    ("ru: the verb last, 'войти не получается'", "ЛК", "В ЛК войти не получается уже час.", LOGIN),
    ("ru near miss: the verb last, another place", "Акции", "Зайти в раздел акции не могу, нет прав.", None),
    ("ru: the till named by its software", "Касса", "Frontol не видит kilbil с утра, очередь.", POS),
    ("ru: Эвотор stopped connecting", "Эвотор", "Эвотор перестал подключаться, пишет нет соединения.", POS),
    ("ru: the till hangs", "Касса", "Касса висит при поиске клиента, работать невозможно.", POS),
    ("ru: a typo with two letters swapped", "Касса", "касса не рабтоает уже 2 часа", POS),
    ("ru near miss: a bank card terminal", "Терминал", "Терминал эквайринга не работает, картой не платят.", None),
    ("en near miss: a bank card terminal", "Terminal", "The card payment terminal from the bank is not working.",
     None),
    ("ru near miss: a report on cashiers is not the till", "Отчёт", "В ЛК не открывается отчет по кассирам.", None),
    ("ru: a question from the quoted history is no resolution", "Касса",
     "Касса не работает с kilbil.\n\nОльга\n\n-------- Пересылаемое сообщение --------\n\nТема: вопрос\n\n"
     "Вопрос решен? Если да, закроем обращение.", POS),
    ("ru: the account throws one out", "ЛК", "Личный кабинет выкидывает на страницу входа по кругу.", LOGIN),
    ("ru: nobody can log in", "ЛК", "С обеда никто из администраторов не может войти.", LOGIN),
    ("en: nobody can log in", "Login", "Nobody in our team can log in to the dashboard.", LOGIN),
    ("ru: the till software crashes", "iiko", "iiko падает при применении карты, кассы стоят.", POS),
    ("en: the tills keep crashing", "Tills", "Our tills keep crashing when a loyalty card is scanned.", POS),
    ("ru: the till shows an error", "Касса", "Касса выдает ошибку при поиске карты клиента.", POS),
    ("ru: no receipt can be rung up", "Чеки", "Не можем пробить ни один чек, на кассе ошибка.", POS),
    ("ru: login impossible", "ЛК", "Вход в ЛК невозможен, пишет что аккаунт заблокирован.", LOGIN),
    ("ru near miss: a till that will stop working", "Касса", "Если вдруг касса перестанет работать ночью, куда звонить?",
     None),
]


@pytest.mark.parametrize("subject,body,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_critical_problems(subject, body, expected):
    assert _problem(critical.check(_ctx(subject, body))) == expected


def test_a_follow_up_can_make_a_ticket_critical_and_its_old_subject_does_not():
    assert _problem(critical.check(_ctx("Re: Бонусы [KB-000003]", "Теперь не можем зайти в ЛК!",
                                        ticket=TICKET))) == LOGIN
    assert _problem(critical.check(_ctx("Re: Не могу войти в ЛК [KB-000003]", "Спасибо, уже могу войти.",
                                        ticket=TICKET))) is None


def test_quoted_text_of_the_earlier_mail_does_not_count():
    body = "Спасибо, всё получилось.\n\n27.11.2026, 12:00, Support пишет:\n> Не могу войти в личный кабинет"
    assert _problem(critical.check(_ctx("Re: Вход [KB-000003]", body, ticket=TICKET))) is None


def test_agents_never_raise_the_priority():
    assert run_rule(critical.check, _ctx("Касса", "Касса не работает", from_=AGENT, agent=True)) == []


def test_extra_phrases_come_from_the_config():
    settings = dataclasses.replace(SETTINGS, critical=Critical(extra_phrases=("не проходят продажи",)))
    assert _problem(critical.check(_ctx("Продажи", "У нас не проходят продажи!", settings=settings))) == OTHER
    assert _problem(critical.check(_ctx("Продажи", "У нас не проходят продажи!"))) is None


def _reply_text(ctx) -> str:
    decision = decide(ctx)
    assert decision.priority == Priority.CRITICAL and Label.CRITICAL in decision.labels
    terms = sla.promise(SETTINGS, ctx.mail.arrived_at, decision.priority)
    return render.render_auto_reply(SETTINGS, b"s", render.ReplyRequest(
        tag="KB-000003", subject=ctx.mail.subject, language=ctx.language, blocks=decision.reply_blocks,
        first_response_due=terms.first_response_due, resolution_due=terms.resolution_due,
        on_call=bool(terms.on_call), recipient=ctx.mail.from_addr), ctx.now).text


@pytest.mark.parametrize("arrived,language,body,line", [
    ("2026-11-27 12:00", "ru", "Не могу войти в личный кабинет",
     "Проблема отнесена к критическим (п. 2.4 регламента): мы решим её до 27 ноября в 14:00 по московскому времени."),
    ("2026-11-27 20:30", "ru", "Касса не работает",
     "Проблема отнесена к критическим (п. 2.4 регламента): дежурный специалист уже получил сообщение о ней, "
     "мы решим её до 28 ноября в 00:30."),
    ("2026-11-27 12:00", "en", "I cannot log in to the personal account",
     "This is a critical problem (section 2.4 of our support policy): we will solve it by 14:00 on 27 November "
     "Moscow time."),
], ids=["ru, in working hours: 2 hours", "ru, after hours: 4 hours", "en, in working hours: 2 hours"])
def test_the_reply_states_the_resolution_term(arrived, language, body, line):
    text = _reply_text(_ctx("Срочно", body, arrived=moscow(arrived), language=language))
    assert line in " ".join(text.split())
    assert text.index("KB-000003") < text.index(line)  # after the acknowledgement


def test_a_ticket_already_critical_is_not_told_again():
    from mailproc.rules import critical
    from mailproc.rules.context import Context
    from mailproc.thread import TicketView
    from tests.pure import default_settings, inbound, moscow

    mail = inbound(subject="Re: вход", body="Всё ещё не могу войти в личный кабинет.")
    for priority, expected in (("normal", True), ("critical", False)):
        ticket = TicketView(id=1, tag="KB-000001", client="client@example.test", priority=priority)
        ctx = Context(mail=mail, ticket=ticket, settings=default_settings(), now=moscow("2026-11-27 12:00"),
                      new_text=mail.text)
        assert bool(critical.check(ctx)) is expected
