"""Escalations against the real mailboxes, with an injected clock: as time passes a deadline,
the agents get exactly one warning and exactly one breach mail."""
import dataclasses
import datetime as dt

from mailproc.cli import make_desks
from mailproc.config import load_settings
from mailproc.cycle import run_cycle
from mailproc.store.models import Ticket
from tests.mailfactory import make_mail, text_of

AGENT1 = "agent1@example.test"


def test_one_warning_then_one_breach_mail_as_the_clock_passes_the_deadline(mail, mailproc_config):
    config = mailproc_config()
    desk = make_desks(load_settings(config))[0]
    mail.deliver(make_mail(from_="client@example.test", subject="Не приходят бонусы",
                           body="Бонусы не начисляются с утра. ID аккаунта: 10452"))
    run_cycle(desk)
    due = Ticket.get(Ticket.tag == "KB-000001").first_response_due

    def cycle_at(moment: dt.datetime):
        return run_cycle(dataclasses.replace(desk, clock=lambda: moment))

    assert cycle_at(due - dt.timedelta(minutes=20)).escalations == 0
    assert cycle_at(due - dt.timedelta(minutes=5)).escalations == 1
    assert cycle_at(due - dt.timedelta(minutes=1)).escalations == 0
    assert cycle_at(due + dt.timedelta(minutes=1)).escalations == 1
    assert cycle_at(due + dt.timedelta(hours=3)).escalations == 0

    # One subject for every mail agents get about the ticket; the event is the first line of the text.
    escalations = [m for m in mail.messages(AGENT1) if "срок" in text_of(m).splitlines()[0]]
    assert [("ПРОСРОЧЕН" in text_of(m).splitlines()[0]) for m in escalations] == [False, True]
    assert {m["Subject"] for m in mail.messages(AGENT1)} == {"[KB-000001] Не приходят бонусы"}
    assert text_of(escalations[0]).startswith("Через 5 мин истекает срок первой реакции (п. 2.3) по обращению KB-000001")
    assert escalations[1]["X-Loop"] == "support@example.test"
