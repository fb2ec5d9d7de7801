"""The lifecycle seen from outside: what a client receives when two verdicts meet, through Dovecot."""

import datetime as dt

from tests.mailfactory import make_mail, text_of

MOSCOW = dt.timezone(dt.timedelta(hours=3))


def test_inactive_licence_and_abuse_get_one_verdict(mail, mailproc_config, mailproc_cli, tmp_path):
    """A client whose licence is not paid and who also swears gets the §4.7 refusal alone: not a
    refusal and a suspension in one reply; the ticket is closed."""
    config = mailproc_config()
    csv = tmp_path / "accounts.csv"
    csv.write_text("account_id,name,status,partner,partner_contact\n30777,Кафе,inactive,,\n", encoding="utf-8")
    mailproc_cli(config, "accounts", "import", csv)
    mail.append(
        "support@example.test",
        make_mail(
            from_="client@example.test",
            subject="Продление",
            body="Почему не работает, блять, сколько можно ждать? ID аккаунта: 30777",
        ),
        date=dt.datetime.now(MOSCOW) - dt.timedelta(hours=1),
    )
    mailproc_cli(config, "poll")

    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert ticket["status"] == "closed"
    reply = text_of(mail.wait_for("client@example.test", lambda m: "Продление" in (m["Subject"] or "")))
    assert "не активен" in reply  # the refusal
    assert "приостановлена" not in reply and "нецензурная" not in reply  # and nothing of the suspension
    assert len(mail.messages("client@example.test")) == 1
