"""One reply, one promise: the times of §2.1, §2.3, §2.4 for a mail, under each way of handling critical
problems outside hours ([sla].critical_out_of_hours), and the reply that states them. Pure, table-driven.

Hours are the regulation's: 07:00-19:00 Moscow time, every day (§2.1). 1 December 2026 is a Tuesday.
"""
import dataclasses
import datetime as dt

import pytest

from mailproc import render, sla
from mailproc.config import NEXT_OPENING, ON_CALL
from mailproc.decide import decide
from mailproc.rules.context import Context
from tests.pure import default_settings, inbound, moscow

AGENTS = ("agent1@example.test", "agent2@example.test")
WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")
NEW_YEAR = frozenset({dt.date(2026, 12, 31)})


def settings(how: str, on_call: tuple[str, ...] = (), days: tuple[str, ...] | None = None, closed=frozenset()):
    base = default_settings()
    hours = dataclasses.replace(base.hours, days=days or base.hours.days, closed_dates=closed)
    return dataclasses.replace(base, hours=hours,
                               sla=dataclasses.replace(base.sla, critical_out_of_hours=how, on_call=on_call))


# (case, setting, arrival, priority, first reaction due, fix due, desk opens, paged)
TERMS = [
    # on_call: the regulation's literal terms, the on-call agents cover what lies outside hours
    ("on_call: critical at 22:10 is fixed within 4 hours, by 02:10; the on-call agents are paged",
     settings(ON_CALL), "2026-12-01 22:10", "critical", "2026-12-02 02:10", "2026-12-02 02:10", "2026-12-02 07:00",
     AGENTS),
    ("on_call: critical at 18:30 gets its 2 hours, to 20:30 after closing: the on-call agents cover it",
     settings(ON_CALL), "2026-12-01 18:30", "critical", "2026-12-01 19:00", "2026-12-01 20:30", None, AGENTS),
    ("on_call: critical at 06:50, before opening, is fixed within 4 hours, by 10:50; paged",
     settings(ON_CALL), "2026-12-01 06:50", "critical", "2026-12-01 07:30", "2026-12-01 10:50", "2026-12-01 07:00",
     AGENTS),
    ("on_call: critical at 12:00 within hours: 2 hours, nobody paged",
     settings(ON_CALL), "2026-12-01 12:00", "critical", "2026-12-01 12:30", "2026-12-01 14:00", None, ()),
    ("on_call: critical at 16:59: fixed by 18:59, before closing, nobody paged",
     settings(ON_CALL), "2026-12-01 16:59", "critical", "2026-12-01 17:29", "2026-12-01 18:59", None, ()),
    ("on_call: critical on a closed date (31 December, 12:00): 4 hours, the listed on-call agent paged",
     settings(ON_CALL, on_call=("agent2@example.test",), closed=NEW_YEAR), "2026-12-31 12:00", "critical",
     "2026-12-31 16:00", "2026-12-31 16:00", "2027-01-01 07:00", ("agent2@example.test",)),
    ("on_call: critical on a Saturday of a Monday-to-Friday desk: 4 hours, paged",
     settings(ON_CALL, days=WEEKDAYS_ONLY), "2026-12-05 12:00", "critical", "2026-12-05 16:00",
     "2026-12-05 16:00", "2026-12-07 07:00", AGENTS),
    ("on_call: a normal problem at 22:10 is answered from the next opening (§2.3), nobody paged",
     settings(ON_CALL), "2026-12-01 22:10", "normal", "2026-12-02 07:30", None, "2026-12-02 07:00", ()),
    # next_opening: nobody works outside hours; terms count working time only
    ("next_opening: critical at 22:10: 4 hours from the opening at 07:00, by 11:00",
     settings(NEXT_OPENING), "2026-12-01 22:10", "critical", "2026-12-02 07:30", "2026-12-02 11:00",
     "2026-12-02 07:00", ()),
    ("next_opening: critical at 18:30: 30 minutes today, 90 from the opening, by 08:30",
     settings(NEXT_OPENING), "2026-12-01 18:30", "critical", "2026-12-01 19:00", "2026-12-02 08:30", None, ()),
    ("next_opening: critical at 06:50: 4 hours from the opening, by 11:00",
     settings(NEXT_OPENING), "2026-12-01 06:50", "critical", "2026-12-01 07:30", "2026-12-01 11:00",
     "2026-12-01 07:00", ()),
    ("next_opening: critical at 12:00 within hours: 2 hours",
     settings(NEXT_OPENING), "2026-12-01 12:00", "critical", "2026-12-01 12:30", "2026-12-01 14:00", None, ()),
    ("next_opening: critical on a closed date: from the opening the next day, by 11:00",
     settings(NEXT_OPENING, closed=NEW_YEAR), "2026-12-31 12:00", "critical", "2027-01-01 07:30",
     "2027-01-01 11:00", "2027-01-01 07:00", ()),
    ("next_opening: critical on a Saturday of a Monday-to-Friday desk: from Monday's opening",
     settings(NEXT_OPENING, days=WEEKDAYS_ONLY), "2026-12-05 12:00", "critical", "2026-12-07 07:30",
     "2026-12-07 11:00", "2026-12-07 07:00", ()),
]


@pytest.mark.parametrize("config,arrived,priority,first,fix,opens,paged", [c[1:] for c in TERMS],
                         ids=[c[0] for c in TERMS])
def test_one_set_of_times(config, arrived, priority, first, fix, opens, paged):
    terms = sla.promise(config, moscow(arrived), priority)
    assert terms.first_response_due == moscow(first)
    assert terms.resolution_due == (moscow(fix) if fix else None)
    assert terms.opens_at == (moscow(opens) if opens else None)
    assert terms.on_call == paged


@pytest.mark.parametrize("how", [ON_CALL, NEXT_OPENING])
def test_no_fix_promised_while_closed_unless_someone_is_on_call(how):
    """Every arrival, every 10 minutes over two days, one of them closed."""
    config = settings(how, closed=NEW_YEAR)
    arrived = moscow("2026-12-30 00:00")
    while arrived < moscow("2027-01-01 00:00"):
        terms = sla.promise(config, arrived, "critical")
        assert terms.first_response_due <= terms.resolution_due
        fixed_while_open = sla.workhours.is_open(config.hours, terms.resolution_due - dt.timedelta(seconds=1))
        assert fixed_while_open or terms.on_call, arrived
        assert not terms.on_call or how == ON_CALL
        arrived += dt.timedelta(minutes=10)


def reply(config, arrived: str, body: str, language: str) -> str:
    ctx = Context(mail=inbound(arrived_at=moscow(arrived), subject="Срочно", body=body), ticket=None,
                  settings=config, now=moscow(arrived), new_text=body, language=language)
    decision = decide(ctx)
    terms = sla.promise(config, ctx.mail.arrived_at, decision.priority or "normal")
    text = render.render_auto_reply(config, b"s", render.ReplyRequest(
        tag="KB-000001", subject="Срочно", language=language, blocks=decision.reply_blocks,
        first_response_due=terms.first_response_due, resolution_due=terms.resolution_due,
        on_call=bool(terms.on_call), recipient=ctx.mail.from_addr), ctx.now).text
    return " ".join(text.split())


TILL_DOWN = {"ru": "Касса не работает, продажи стоят. Аккаунт 12345.", "en": "The till is down. Account 12345."}
ZONE = {"ru": "по московскому времени", "en": "Moscow time"}

# (case, setting, arrival, language, what the reply promises, times it must not name)
REPLIES = [
    ("on_call, 22:10: the hours, then the on-call fix by 02:10; no 07:00 or 07:30 promise",
     ON_CALL, "2026-12-01 22:10", "ru",
     "Служба поддержки работает с 07:00 до 19:00 по московскому времени, а ваше письмо пришло вне рабочего времени. "
     "Вы сообщили, что система недоступна на рабочем месте кассира. Проблема отнесена к критическим "
     "(п. 2.4 регламента): дежурный специалист уже получил сообщение о ней, мы решим её до 2 декабря в 02:10.",
     ("07:30", "Мы ответим", "постараемся ответить")),
    ("on_call, 22:10, English", ON_CALL, "2026-12-01 22:10", "en",
     "Our working hours are 07:00 to 19:00 Moscow time, and your mail arrived outside them. You reported that the "
     "system is unavailable at the cashier's workstation. This is a critical problem (section 2.4 of our support "
     "policy): our on-call specialist has been alerted, and we will solve it by 02:10 on 2 December.",
     ("07:30", "We will reply", "aim to reply")),
    ("next_opening, 22:10: we start at 07:00 and fix by 11:00", NEXT_OPENING, "2026-12-01 22:10", "ru",
     "Служба поддержки работает с 07:00 до 19:00 по московскому времени, а ваше письмо пришло вне рабочего времени. "
     "Мы ответим, когда начнём работу: 2 декабря в 07:00. Вы сообщили, что система недоступна на рабочем месте "
     "кассира. Проблема отнесена к критическим (п. 2.4 регламента): мы решим её до 2 декабря в 11:00.",
     ("07:30", "02:10", "дежурный")),
    ("next_opening, 22:10, English", NEXT_OPENING, "2026-12-01 22:10", "en",
     "Our working hours are 07:00 to 19:00 Moscow time, and your mail arrived outside them. We will reply after we "
     "open at 07:00 on 2 December. You reported that the system is unavailable at the cashier's workstation. This "
     "is a critical problem (section 2.4 of our support policy): we will solve it by 11:00 on 2 December.",
     ("07:30", "02:10", "on-call")),
    ("on_call, 18:30: the 2 hours run past closing, the on-call agents cover them", ON_CALL, "2026-12-01 18:30",
     "ru", "Проблема отнесена к критическим (п. 2.4 регламента): дежурный специалист уже получил сообщение о ней, "
     "мы решим её до 1 декабря в 20:30 по московскому времени.", ("19:00", "постараемся ответить")),
    ("next_opening, 18:30: fixed by 08:30 the next morning, never while closed", NEXT_OPENING, "2026-12-01 18:30",
     "en", "This is a critical problem (section 2.4 of our support policy): we will solve it by 08:30 on "
     "2 December Moscow time.", ("20:30", "19:00", "on-call", "aim to reply")),
    ("a normal mail at 22:10 is told once when we reply", ON_CALL, "2026-12-01 22:10", "ru",
     "Служба поддержки работает с 07:00 до 19:00 по московскому времени, а ваше письмо пришло вне рабочего времени. "
     "Мы ответим, когда начнём работу: 2 декабря в 07:00.", ("07:30", "постараемся ответить", "решим")),
    ("a normal mail at 12:00 is told when we aim to reply", ON_CALL, "2026-12-01 12:00", "en",
     "Your request has been registered as KB-000001. We aim to reply by 12:30 on 1 December Moscow time; "
     "when we are very busy it may take longer.", ("working hours", "will solve")),
]


@pytest.mark.parametrize("how,arrived,language,promise,not_named", [c[1:] for c in REPLIES],
                         ids=[c[0] for c in REPLIES])
def test_the_reply_states_one_promise_and_names_the_time_zone_once(how, arrived, language, promise, not_named):
    critical = "решим" in promise or "solve" in promise
    normal = {"ru": "Подскажите, как настроить акцию.", "en": "How do I set up a promotion?"}[language]
    text = reply(settings(how), arrived, TILL_DOWN[language] if critical else normal, language)
    assert promise in text
    assert text.count(ZONE[language]) == 1
    for words in not_named:
        assert words not in text
