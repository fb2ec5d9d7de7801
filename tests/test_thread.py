"""Threading choice (SPEC §3), table-driven: which ticket a mail joins, and who may not."""
import dataclasses
import datetime as dt

import pytest

from mailproc.thread import Pointers, TicketView, bare_subject, closed_too_long, match_ticket, subject_tags

AGENTS = frozenset({"agent1@example.test"})
T1 = TicketView(id=1, tag="KB-000001", client="client@example.test", cc=("boss@example.test",))
T2 = TicketView(id=2, tag="KB-000002", client="other@example.test")

CASES = [
    # (name, sender, pointers, expected ticket id or None, expected via, refused id)
    ("client replies in the thread", "client@example.test", Pointers(by_reference=T1), 1, "reference", None),
    ("client changed the subject but replies in the thread", "client@example.test",
     Pointers(by_reference=T1, by_tag=None), 1, "reference", None),
    ("client writes only the tag", "client@example.test", Pointers(by_tag=T1), 1, "tag", None),
    ("CC'd colleague uses the tag", "boss@example.test", Pointers(by_tag=T1), 1, "tag", None),
    ("agent uses the tag", "agent1@example.test", Pointers(by_tag=T1), 1, "tag", None),
    ("sender case does not matter", "Client@Example.TEST", Pointers(by_tag=T1), 1, "tag", None),
    ("stranger guesses the tag: new ticket", "stranger@example.test", Pointers(by_tag=T1), None, None, 1),
    ("stranger replies in the thread: new ticket", "stranger@example.test", Pointers(by_reference=T1),
     None, None, 1),
    ("reference wins over tag", "client@example.test", Pointers(by_reference=T1, by_tag=T2), 1, "reference", None),
    ("reference of someone else's ticket, own tag", "other@example.test", Pointers(by_reference=T1, by_tag=T2),
     2, "tag", None),
    ("reply address when nothing else matches", "client@example.test", Pointers(by_reply_address=T1),
     1, "reply_address", None),
    ("nothing points anywhere: new ticket", "client@example.test", Pointers(), None, None, None),
]


@pytest.mark.parametrize("sender,pointers,ticket_id,via,refused", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_match_ticket(sender, pointers, ticket_id, via, refused):
    choice = match_ticket(sender.lower(), pointers, AGENTS)
    assert (choice.ticket.id if choice.ticket else None) == ticket_id
    assert choice.via == via
    assert (choice.refused.id if choice.refused else None) == refused


@pytest.mark.parametrize("subject,tags", [
    ("[KB-000123] Не могу войти", ["KB-000123"]),
    ("Re: вопрос [kb-42]", ["KB-42"]),
    ("Re: [ KB-000007 ] and [KB-000008]", ["KB-000007", "KB-000008"]),
    ("Ticket#123 KB-000123 without brackets", []),
    ("[XY-000123] other prefix", []),
], ids=["plain", "lower case", "two tags", "no brackets", "other prefix"])
def test_subject_tags(subject, tags):
    assert subject_tags(subject, "KB") == tags


@pytest.mark.parametrize("subject,bare", [
    ("Re: RE: Fwd: [KB-000012] Не могу войти", "Не могу войти"),
    ("Ответ: Вопрос по бонусам", "Вопрос по бонусам"),
    ("Re[2]: Points", "Points"),
    ("Regarding the invoice", "Regarding the invoice"),
], ids=["reply prefixes and tag", "russian prefix", "counted prefix", "word starting with re"])
def test_bare_subject(subject, bare):
    assert bare_subject(subject, "KB") == bare


CLOSED = TicketView(id=3, tag="KB-000003", client="client@example.test", status="closed",
                    closed_at=dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc))


@pytest.mark.parametrize("sender,days_later,joins,follows", [
    ("client@example.test", 3, True, False),
    ("client@example.test", 14, True, False),
    ("client@example.test", 15, False, True),
    ("agent1@example.test", 40, True, False),
], ids=["client 3 days after closing: reopens", "client 14 days after: still reopens",
        "client 15 days after: new ticket following the old", "agents may always add to a closed ticket"])
def test_closed_tickets_reopen_within_the_window(sender, days_later, joins, follows):
    choice = match_ticket(sender, Pointers(by_reference=CLOSED), AGENTS,
                          now=CLOSED.closed_at + dt.timedelta(days=days_later, minutes=-1), reopen_days=14)
    assert (choice.ticket is not None) is joins
    assert (choice.follows is not None) is follows


@pytest.mark.parametrize("pointer", ["by_reference", "by_tag", "by_reply_address"])
@pytest.mark.parametrize("sender,days_later,ticket,follows", [
    ("client@example.test", 13, 3, None),
    ("client@example.test", 15, None, 3),
    ("boss@example.test", 15, None, 3),
    ("agent1@example.test", 15, 3, None),
], ids=["client within the window: reopens", "client after it: new ticket following the old",
        "CC'd colleague after it: new ticket following the old", "agent after it: joins, to be recorded only"])
def test_a_ticket_closed_too_long_ago_is_not_reopened_whatever_points_at_it(pointer, sender, days_later, ticket,
                                                                             follows):
    closed = dataclasses.replace(CLOSED, cc=("boss@example.test",))
    now = closed.closed_at + dt.timedelta(days=days_later)
    choice = match_ticket(sender, Pointers(**{pointer: closed}), AGENTS, now=now, reopen_days=14)
    assert (choice.ticket.id if choice.ticket else None, choice.follows.id if choice.follows else None) == (
        ticket, follows)
    assert closed_too_long(closed, now, 14) is (days_later > 14)


@pytest.mark.parametrize("closed_at,days_later,reopen_days,expected", [
    (None, 100, 14, False),
    (CLOSED.closed_at, 14, 14, False),
    (CLOSED.closed_at, 15, 14, True),
    (CLOSED.closed_at, 1, 0, True),
], ids=["never closed", "exactly reopen_days: not yet", "a day more: expired", "reopen_days 0: at once"])
def test_closed_too_long(closed_at, days_later, reopen_days, expected):
    ticket = dataclasses.replace(CLOSED, closed_at=closed_at)
    assert closed_too_long(ticket, CLOSED.closed_at + dt.timedelta(days=days_later), reopen_days) is expected


def test_a_bounce_joins_the_ticket_of_the_mail_it_returns_whoever_sends_it():
    choice = match_ticket("mailer-daemon@mx.example.test", Pointers(by_bounce=T1, by_tag=T2), AGENTS)
    assert (choice.ticket, choice.via) == (T1, "bounce")


@pytest.mark.parametrize("sender,subject,pointers,expected", [
    ("agent1@example.test", "queue", Pointers(), True),
    ("agent1@example.test", "Очередь", Pointers(), True),
    ("agent1@example.test", "Re: queue", Pointers(), True),
    ("agent1@example.test", "queue", Pointers(by_tag=T1), False),
    ("agent1@example.test", "queue of customers at the till", Pointers(), False),
    ("client@example.test", "queue", Pointers(), False),
], ids=["agent asks", "in Russian", "as a reply", "about a ticket: an ordinary reply", "a longer subject",
        "a client asks: an ordinary ticket"])
def test_queue_requests(sender, subject, pointers, expected):
    from mailproc.thread import is_queue_request

    assert is_queue_request(sender, subject, pointers, AGENTS, "KB") is expected
