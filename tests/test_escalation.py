"""Escalations against the real mailboxes, with an injected clock: as time passes a deadline,
the agents get exactly one warning and exactly one breach mail."""
import dataclasses
import datetime as dt

from mailproc import lifecycle
from mailproc.cli import make_desks
from mailproc.config import load_settings
from mailproc.cycle import run_cycle
from mailproc.store.models import Ticket, database
from tests.conftest import desk_database
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


def test_a_write_by_the_sender_between_reading_and_escalating_does_not_fail_the_cycle(mail, mailproc_config,
                                                                                      monkeypatch):
    """The sender process writes its marks while the poll works. A cycle that still held the read
    of its candidate tickets when it began its transaction failed with "database is locked"
    (SQLite's snapshot rule): the candidates are read in full first."""
    config = mailproc_config()
    desk = make_desks(load_settings(config))[0]
    for n, client in enumerate(("client@example.test", "client2@example.test")):
        mail.deliver(make_mail(from_=client, subject=f"Не приходят бонусы {n}",
                               body="Бонусы не начисляются с утра. ID аккаунта: 10452"))
    run_cycle(desk)
    due = Ticket.get(Ticket.tag == "KB-000001").first_response_due
    sender = desk_database(config)
    real_due = lifecycle.escalations_due

    def due_after_a_write(*args, **kwargs):
        if not database.in_transaction():  # the sender marks a row while the cycle reads its candidates
            for change in ("+ 1", "- 1"):  # a real change: SQLite writes nothing for "attempts = attempts"
                sender.execute_sql(f"UPDATE outbox SET attempts = attempts {change}")
        return real_due(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "escalations_due", due_after_a_write)
    assert run_cycle(dataclasses.replace(desk, clock=lambda: due + dt.timedelta(minutes=1))).escalations == 2
    sender.close()
