"""SPEC §6: which mails are never answered automatically, and why."""
import pytest

from mailproc.decide import decide
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label
from tests.pure import default_settings, inbound, moscow

MACHINE = [
    ("Auto-Submitted: auto-replied", {"headers": {"Auto-Submitted": "auto-replied"}}),
    ("Auto-Submitted: auto-generated", {"headers": {"Auto-Submitted": "auto-generated"}}),
    ("Precedence: bulk", {"headers": {"Precedence": "bulk"}}),
    ("Precedence: list", {"headers": {"Precedence": "list"}}),
    ("Precedence: junk", {"headers": {"Precedence": "junk"}}),
    ("Precedence: auto_reply", {"headers": {"Precedence": "auto_reply"}}),
    ("List-Id", {"headers": {"List-Id": "<news.example.test>"}}),
    ("List-Unsubscribe", {"headers": {"List-Unsubscribe": "<mailto:unsub@example.test>"}}),
    ("X-Autoreply", {"headers": {"X-Autoreply": "yes"}}),
    ("X-Autorespond", {"headers": {"X-Autorespond": "yes"}}),
    ("X-Loop", {"headers": {"X-Loop": "helpdesk@elsewhere.test"}}),
    ("X-Auto-Response-Suppress: All", {"headers": {"X-Auto-Response-Suppress": "All"}}),
    ("X-Auto-Response-Suppress: OOF, AutoReply", {"headers": {"X-Auto-Response-Suppress": "OOF, AutoReply"}}),
    ("Return-Path: <>", {"headers": {"Return-Path": "<>"}}),
    ("MAILER-DAEMON", {"from_": "Mail Delivery System <MAILER-DAEMON@mx.example.test>"}),
    ("postmaster", {"from_": "postmaster@example.test"}),
    ("noreply", {"from_": "noreply@shop.example.test"}),
    ("no-reply", {"from_": "no-reply@shop.example.test"}),
    ("the support address itself", {"from_": "support@example.test"}),
    ("our own mail came back", {"message_id": "KB-000001.ab12.cd34@example.test"}),
    ("our own mail came back, loop header only", {"headers": {"X-Loop": "support@example.test"}}),
]

HUMAN = [
    ("plain client mail", {}),
    ("Auto-Submitted: no", {"headers": {"Auto-Submitted": "no"}}),
    ("Precedence: first-class", {"headers": {"Precedence": "first-class"}}),
    ("X-Auto-Response-Suppress: OOF only", {"headers": {"X-Auto-Response-Suppress": "OOF"}}),
    ("a name that merely contains 'reply'", {"from_": "replyguy@example.test"}),
    ("a colleague in our own domain", {"from_": "sales@example.test", "message_id": "abc.123@example.test"}),
]


def _decide(ticket=None, auto_replies_today=0, **fields):
    mail = inbound(**fields)
    ctx = Context(mail=mail, ticket=ticket, settings=default_settings(), now=moscow("2026-11-27 12:00"),
                  auto_replies_today=auto_replies_today)
    return decide(ctx)


@pytest.mark.parametrize("fields", [c[1] for c in MACHINE], ids=[c[0] for c in MACHINE])
def test_machine_mail_is_never_answered_and_labelled_automated(fields):
    decision = _decide(**fields)
    assert decision.reply_blocks == ()
    assert decision.vetoes
    assert decision.labels == {Label.AUTOMATED}  # nothing a person's request would get (missing ID, FAQ …)


@pytest.mark.parametrize("fields", [c[1] for c in HUMAN], ids=[c[0] for c in HUMAN])
def test_human_mail_gets_one_acknowledgement(fields):
    decision = _decide(**fields)
    assert decision.vetoes == () and decision.reply_blocks[0].name == "ack"
    assert Label.AUTOMATED not in decision.labels


def test_delivery_report_is_machine_mail():
    raw = (b"From: MAILER-DAEMON@mx.example.test\r\nTo: support@example.test\r\nSubject: Undelivered\r\n"
           b"Message-ID: <dsn1@mx.example.test>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")
    decision = _decide(raw=raw)
    assert any("multipart/report" in v for v in decision.vetoes)


def test_dmarc_failure_stamped_by_our_server_vetoes_the_reply():
    decision = _decide(headers={"Authentication-Results": "mx.example.test; dmarc=fail (p=reject) header.from=bank.test"})
    assert decision.reply_blocks == ()
    assert Label.AUTOMATED not in decision.labels  # a person may still be behind it: agents see the ticket


def test_dmarc_failure_claimed_below_our_stamp_is_ignored():
    decision = _decide(headers={"Authentication-Results": ["mx.example.test; dmarc=pass",
                                                           "evil.test; dmarc=fail"]})
    assert decision.vetoes == () and decision.reply_blocks[0].name == "ack"


@pytest.mark.parametrize("sent_today,answered", [(0, True), (2, True), (3, False), (7, False)],
                         ids=["first mail", "third mail", "fourth mail: cap of 3", "far past the cap"])
def test_daily_cap_per_sender(sent_today, answered):
    decision = _decide(auto_replies_today=sent_today)
    assert bool(decision.reply_blocks) is answered


def test_follow_up_on_existing_ticket_gets_no_acknowledgement():
    ticket = TicketView(id=1, tag="KB-000001", client="client@example.test")
    assert _decide(ticket=ticket).reply_blocks == ()
