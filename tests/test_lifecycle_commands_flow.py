"""Agents' lifecycle commands end to end (§2.2, §4.7): what the client receives, the ticket after."""
import datetime as dt

from tests.mailfactory import make_mail, text_of
from tests.test_agents import AGENT1, AGENT2, CLIENT, SUPPORT, _open_ticket, _reply_to_notification, _ticket


def _agent_says(mail, notification, body, at=None):
    raw = _reply_to_notification(notification, AGENT1, body)
    if at is None:
        mail.deliver(raw, to=str(notification["Reply-To"]))
    else:
        mail.append(SUPPORT, raw, date=at)


def test_suspend_needs_a_ground_and_resume_gives_back_the_suspended_time(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    to_client = len(mail.messages(CLIENT))

    _agent_says(mail, notification, "#suspend\nК сожалению, повторить не удалось.")
    mailproc_cli(config, "poll")
    feedback = mail.wait_for(AGENT1, lambda m: "which ground" in text_of(m))
    assert "#suspend repro" in text_of(feedback) and "#suspend abuse" in text_of(feedback)
    assert len(mail.messages(CLIENT)) == to_client  # the client got nothing
    assert _ticket(mailproc_cli, config)["status"] == "new"

    _agent_says(mail, notification, "#critical\n#suspend repro")
    mailproc_cli(config, "poll")
    notice = text_of(mail.wait_for(CLIENT, lambda m: "приостановлена" in text_of(m)))
    assert "не удалось повторить" in notice and "п. 4.7" in notice and "нецензурн" not in notice
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "suspended" and ticket["priority"] == "critical"
    due = dt.datetime.fromisoformat(ticket["resolution_due"])

    # Two hours later by the server's clock the agent resumes: the §2.4 term moves by the suspension.
    _agent_says(mail, notification, "#resume", at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    mailproc_cli(config, "poll")
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "open"
    shift = dt.datetime.fromisoformat(ticket["resolution_due"]) - due
    assert dt.timedelta(hours=1, minutes=55) < shift < dt.timedelta(hours=2, minutes=5)


def test_suspend_scope_sends_the_client_to_its_partner(mail, mailproc_config, mailproc_cli, tmp_path):
    config = mailproc_config()
    csv = tmp_path / "accounts.csv"
    csv.write_text("account_id,name,status,partner,partner_contact\n"
                   "10452,Уют,active,ООО «Интегратор»,help@integrator.example.test\n", encoding="utf-8")
    mailproc_cli(config, "accounts", "import", csv)
    notification = _open_ticket(mail, mailproc_cli, config)
    _agent_says(mail, notification, "#suspend scope")
    mailproc_cli(config, "poll")
    notice = text_of(mail.wait_for(CLIENT, lambda m: "приостановлена" in text_of(m)))
    assert "выходит за рамки технической поддержки" in notice and "п. 3.2" in notice
    assert "ООО «Интегратор»" in notice and "help@integrator.example.test" in notice and "п. 5.2" in notice
    assert _ticket(mailproc_cli, config)["status"] == "suspended"


def test_an_english_client_is_told_in_english(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Report export fails", body="Hello, the export of the sales "
                           "report fails since Monday. Account ID: 10452"))
    mailproc_cli(config, "poll")
    notification = mail.wait_for(AGENT1, "KB-000001")
    _agent_says(mail, notification, "#suspend outdated")
    mailproc_cli(config, "poll")
    notice = text_of(mail.wait_for(CLIENT, lambda m: "suspended" in text_of(m)))
    assert "outdated browser or operating system" in notice and "section 4.7" in notice
    assert notice.rstrip().endswith("Kind regards,\nkilbil Support")  # signed in the reply's language


def test_dev_tells_the_client_stops_the_clock_and_has_its_own_queue_section(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    _agent_says(mail, notification, "#critical\n#dev")
    mailproc_cli(config, "poll")
    notice = text_of(mail.wait_for(CLIENT, lambda m: "отдел разработки" in text_of(m)))
    assert "п. 2.2" in notice and "плану разработки" in notice
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "development"
    due = dt.datetime.fromisoformat(ticket["resolution_due"])
    queue = mailproc_cli(config, "queue").stdout
    assert "Handed to development (§2.2): resolution clock stopped: 1" in queue

    _agent_says(mail, notification, "#dev done", at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    mailproc_cli(config, "poll")
    ticket = _ticket(mailproc_cli, config)
    assert ticket["status"] == "open"
    shift = dt.datetime.fromisoformat(ticket["resolution_due"]) - due
    assert dt.timedelta(hours=1, minutes=55) < shift < dt.timedelta(hours=2, minutes=5)


def test_remote_asks_the_client_with_the_configured_tool(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(remote={"tool": "RustDesk", "download_url": "https://rustdesk.example.test/get"})
    notification = _open_ticket(mail, mailproc_cli, config)
    _agent_says(mail, notification, "#remote")
    mailproc_cli(config, "poll")
    notice = text_of(mail.wait_for(CLIENT, lambda m: "удалённое подключение" in text_of(m)))
    assert "RustDesk" in notice and "https://rustdesk.example.test/get" in notice and "п. 4.4" in notice
    assert "когда вам удобно" in notice
    assert _ticket(mailproc_cli, config)["status"] == "waiting"


def test_split_opens_a_second_ticket_and_tells_the_client_both_numbers(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    notification = _open_ticket(mail, mailproc_cli, config)
    _agent_says(mail, notification, "#split Не печатается чек\nПо бонусам: перезапустите кассу.")
    mailproc_cli(config, "poll")
    notice = mail.wait_for(CLIENT, lambda m: "п. 2.5" in text_of(m))
    assert "«Не печатается чек»" in text_of(notice) and "KB-000002" in text_of(notice)
    assert "KB-000001" in text_of(notice) and "[KB-000001]" in notice["Subject"]
    assert "<orig@c.test>" in notice["References"]  # in the client's thread of the first ticket
    mail.wait_for(CLIENT, lambda m: "перезапустите кассу" in text_of(m))  # the answer itself went too
    tickets = {t["tag"]: t for t in mailproc_cli(config, "tickets", "--json", json=True)}
    assert tickets["KB-000002"]["client"] == CLIENT and tickets["KB-000002"]["status"] == "new"
    assert tickets["KB-000002"]["subject"] == "Не печатается чек"
    assert tickets["KB-000002"]["first_response_due"] is not None
    assert tickets["KB-000001"]["status"] == "waiting"

    # Every agent hears of the new ticket like of any other, with the one it came from.
    for agent in (AGENT1, AGENT2):
        announced = mail.wait_for(agent, "[KB-000002]")
        assert "Новое обращение KB-000002 (вторая проблема из KB-000001, п. 2.5)" in text_of(announced)
        assert "Не печатается чек" in text_of(announced)
    assert announced["Reply-To"].addresses[0].addr_spec.startswith("support+kb-000002-")

    # Both threads stay: the client writes about the receipts with the new number...
    mail.deliver(make_mail(from_=CLIENT, subject="[KB-000002] чек", body="Чек не печатается на второй кассе.",
                           message_id="<receipts@c.test>"))
    mailproc_cli(config, "poll")
    second = mailproc_cli(config, "show", "KB-000002", "--json", json=True)
    assert [m["kind"] for m in second["messages"]][:3] == ["note", "notification", "client"]
    # ...and an agent answering the announcement answers it there, not on the first ticket.
    _agent_says(mail, announced, "Проверьте бумагу во второй кассе.")
    mailproc_cli(config, "poll")
    answer = mail.wait_for(CLIENT, lambda m: "бумагу во второй кассе" in text_of(m))
    assert "[KB-000002]" in answer["Subject"] and "<receipts@c.test>" in answer["References"]
    assert "<orig@c.test>" not in answer["References"]
    assert mailproc_cli(config, "show", "KB-000002", "--json", json=True)["status"] == "waiting"
    assert _ticket(mailproc_cli, config)["status"] == "waiting"


def test_a_mail_that_brings_several_problems_gets_a_note_and_a_review_never_a_split(mail, mailproc_config,
                                                                                   mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Бонусы и отчёт", body="Здравствуйте! С утра не начисляются "
                           "бонусы на кассе. Ещё один вопрос: как выгрузить отчёт по клиентам? ID аккаунта: 10452"))
    mailproc_cli(config, "poll")
    ack = text_of(mail.wait_for(CLIENT, "KB-000001"))
    assert "Вы пишете о нескольких вопросах" in ack and "п. 2.5" in ack
    assert ack.rstrip().endswith("С уважением,\nСлужба поддержки kilbil")
    assert ack.index("зарегистрировано") < ack.index("нескольких вопросах")  # after the acknowledgement
    notification = text_of(mail.wait_for(AGENT1, "KB-000001"))
    assert "review_several_problems" in notification and "#split <о чём она>" in notification
    tickets = mailproc_cli(config, "tickets", "--json", json=True)
    assert [t["tag"] for t in tickets] == ["KB-000001"]  # never split by itself
    assert "review_several_problems" in tickets[0]["labels"]


def _waiting_since(mail, mailproc_cli, config, days_ago):
    notification = _open_ticket(mail, mailproc_cli, config)
    _agent_says(mail, notification, "Уточните, пожалуйста, модель кассы.",
                at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago))
    mailproc_cli(config, "poll")


def test_a_silent_client_is_reminded_once_then_the_ticket_closes(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()  # shipped defaults: reminder after 3 working days, closed 4 after that
    _waiting_since(mail, mailproc_cli, config, days_ago=10)
    reminder = text_of(mail.wait_for(CLIENT, lambda m: "Напоминаем" in text_of(m)))
    assert "ждём вашего ответа" in reminder and "4 рабочих дней" in reminder
    assert _ticket(mailproc_cli, config)["status"] == "waiting"

    mailproc_cli(config, "poll")
    closing = text_of(mail.wait_for(CLIENT, lambda m: "не получили ответа" in text_of(m)))
    assert "п. 4.7" in closing and "в течение 14 дней" in closing and "п. 4.4" in closing
    assert _ticket(mailproc_cli, config)["status"] == "closed"
    mailproc_cli(config, "poll")
    assert sum("Напоминаем" in text_of(m) for m in mail.messages(CLIENT)) == 1  # once


def test_waiting_reminders_can_be_switched_off(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(sla={"waiting_reminder_days": 0})
    _waiting_since(mail, mailproc_cli, config, days_ago=10)
    mailproc_cli(config, "poll")
    assert not any("Напоминаем" in text_of(m) or "не получили ответа" in text_of(m)
                   for m in mail.messages(CLIENT))
    assert _ticket(mailproc_cli, config)["status"] == "waiting"
