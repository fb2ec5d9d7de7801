"""§2.1, §2.3 — after-hours mail: labelled, and told when support opens again."""
import pytest

from mailproc import render
from mailproc.decide import decide
from mailproc.rules import hours
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from tests.pure import default_settings, inbound, moscow, run_rule

CASES = [
    ("mail at 12:00 Friday: in hours", "2026-11-27 12:00", None),
    ("mail at 07:00 sharp: in hours", "2026-11-27 07:00", None),
    ("mail at 18:59: in hours", "2026-11-27 18:59", None),
    ("mail at 19:00 Friday: answered from 07:00 Saturday", "2026-11-27 19:00", "2026-11-28 07:00"),
    ("mail at 23:30 Saturday: answered from 07:00 Sunday", "2026-11-28 23:30", "2026-11-29 07:00"),
    ("mail at 06:59: answered from 07:00 the same day", "2026-11-27 06:59", "2026-11-27 07:00"),
    ("mail at 00:00 on 1 January: holidays are working days (§2.1)", "2027-01-01 00:00", "2027-01-01 07:00"),
    ("mail at 03:00 on 31 December: answered from 07:00", "2026-12-31 03:00", "2026-12-31 07:00"),
]


def _ctx(arrived, ticket=None, agent=False):
    mail = inbound(arrived_at=moscow(arrived), body="Не могу настроить акцию.")
    return Context(mail=mail, ticket=ticket, settings=default_settings(), now=moscow(arrived), sender_is_agent=agent)


@pytest.mark.parametrize("arrived,opens", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_after_hours(arrived, opens):
    actions = hours.check(_ctx(arrived))
    if opens is None:
        assert actions == []
    else:
        label, block = actions
        assert label.label == "after_hours" and block.name == "after_hours"
        assert block.data["opens_at"] == moscow(opens)


def test_follow_ups_and_agents_get_no_after_hours_notice():
    ticket = TicketView(id=1, tag="KB-000001", client="client@example.test")
    assert run_rule(hours.check, _ctx("2026-11-27 23:00", ticket=ticket)) == []
    assert run_rule(hours.check, _ctx("2026-11-27 23:00", agent=True)) == []


def test_the_client_reads_when_we_answer():
    ctx = _ctx("2026-11-27 21:15")
    decision = decide(ctx)
    for language, expected in [("ru", "Служба поддержки работает с 07:00 до 19:00 по московскому времени, а ваше "
                                      "письмо пришло вне рабочего времени. Мы ответим, когда начнём работу: 28 ноября в 07:00."),
                               ("en", "Our working hours are 07:00 to 19:00 Moscow time, and your mail arrived outside "
                                      "them. We will reply after we open at 07:00 on 28 November.")]:
        text = render.render_auto_reply(ctx.settings, b"s", render.ReplyRequest(
            tag="KB-000001", subject="x", language=language, blocks=decision.reply_blocks,
            first_response_due=moscow("2026-11-28 07:30"), recipient=ctx.mail.from_addr), ctx.now).text
        assert expected in " ".join(text.split())
        assert text.count("07:") == 2 and ":30" not in text  # the hours and the opening; no first-reaction time
        assert text.count("по московскому времени" if language == "ru" else "Moscow time") == 1
