"""One reply, one promise, through Dovecot and the SMTP sink: a till down at 22:10 and at 18:30
yesterday, under each way of handling critical problems outside hours ([sla].critical_out_of_hours)."""
import datetime as dt

import pytest

from mailproc.templating import _when as when
from tests.mailfactory import make_mail, text_of

MOSCOW = dt.timezone(dt.timedelta(hours=3))
YESTERDAY = dt.datetime.now(MOSCOW).date() - dt.timedelta(days=1)
TODAY = YESTERDAY + dt.timedelta(days=1)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), MOSCOW)


PAGE = "Вызов дежурного"
# setting -> client -> (arrival, the fix promised, what the reply says of it, words it must not hold)
CASES = {
    "on_call": {
        "client@example.test": (at(YESTERDAY, "22:10"), at(TODAY, "02:10"),
                               "дежурный специалист уже получил сообщение о ней, мы решим её до {fix}.",
                               ("07:30", "Мы ответим", "постараемся ответить")),
        "client2@example.test": (at(YESTERDAY, "18:30"), at(YESTERDAY, "20:30"),
                                 "дежурный специалист уже получил сообщение о ней, мы решим её до {fix} "
                                 "по московскому времени.", ("постараемся ответить",)),
    },
    "next_opening": {
        "client@example.test": (at(YESTERDAY, "22:10"), at(TODAY, "11:00"),
                               f"Мы ответим, когда начнём работу: {when(at(TODAY, '07:00'), 'ru')}. "
                               "Вы сообщили, что система недоступна на рабочем месте кассира. Проблема отнесена к "
                               "критическим (п. 2.4 регламента): мы решим её до {fix}.",
                               ("07:30", "02:10", "дежурный")),
        "client2@example.test": (at(YESTERDAY, "18:30"), at(TODAY, "08:30"),
                                 "мы решим её до {fix} по московскому времени.",
                                 ("20:30", "постараемся ответить", "дежурный")),
    },
}


@pytest.mark.parametrize("how", list(CASES))
def test_an_out_of_hours_critical_problem_gets_one_promise(how, mail, mailproc_config, mailproc_cli):
    config = mailproc_config(sla={"critical_out_of_hours": how, "on_call": ["agent2@example.test"]})
    for client, (arrived, *_) in CASES[how].items():
        mail.append("support@example.test", make_mail(from_=client, subject=f"Касса {client}",
                                                      body="Касса не работает, продажи стоят. ID аккаунта: 10452"),
                    date=arrived)
    mailproc_cli(config, "poll")
    tickets = {t["client"]: t for t in mailproc_cli(config, "tickets", "--json", json=True)}

    for client, (_arrived, fix, promise, not_said) in CASES[how].items():
        ticket = tickets[client]
        assert ticket["priority"] == "critical"
        assert dt.datetime.fromisoformat(ticket["resolution_due"]) == fix
        assert dt.datetime.fromisoformat(ticket["first_response_due"]) <= fix
        reply = " ".join(text_of(mail.wait_for(client, lambda m: True)).split())
        assert promise.format(fix=when(fix, "ru")) in reply, reply
        assert reply.count("по московскому времени") == 1, reply
        for words in not_said:
            assert words not in reply, (words, reply)

    # The on-call agent is paged for each, marked urgent; nobody is paged under next_opening.
    def pages_of(agent):
        for client in CASES[how]:  # every agent is notified of both tickets
            mail.wait_for(agent, lambda m, c=client: f"Касса {c}" in (m["Subject"] or "")
                          and PAGE not in text_of(m))
        return [m for m in mail.messages(agent) if PAGE in text_of(m)]

    pages = pages_of("agent2@example.test")
    assert pages_of("agent1@example.test") == []
    if how == "on_call":
        assert sorted(m["Subject"] for m in pages) == sorted(f"[{tickets[c]['tag']}] Касса {c}" for c in CASES[how])
        assert all(m["X-Priority"] == "1" for m in pages)
        night = next(text_of(m) for m in pages if "client@" in m["Subject"])
        assert f"решение до {when(at(TODAY, '02:10'), 'ru')} по московскому времени" in night
    else:
        assert pages == []
