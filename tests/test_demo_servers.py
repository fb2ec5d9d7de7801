"""The servers and sample mail behind `mailproc demo`.

Starts the demo's own pymap IMAP server and SMTP sink (mailproc.demo's
context managers) and checks that they do what one poll cycle needs: fetch
by UID with INTERNALDATE, create a folder, move a mail there, accept a mail
over SMTP. Needs the `demo` extra (pymap, aiosmtpd), which `make test` installs.
"""

from __future__ import annotations

import asyncio
import email.policy
import imaplib
import io
import re
import socket
import tomllib
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

pytest.importorskip(
    "pymap", reason="pymap is not installed (it comes with the `demo` extra: "
    "pip install -e '.[demo]'; `make test` installs it)")
pytest.importorskip(
    "aiosmtpd", reason="aiosmtpd is not installed (`demo` or `test` extra)")

from imap_tools import MailBoxUnencrypted  # noqa: E402

from mailproc import demo  # noqa: E402
from tests.mailfactory import text_of  # noqa: E402

MOSCOW = timezone(timedelta(hours=3))
ARRIVAL = datetime(2026, 11, 27, 18, 55, 12, tzinfo=MOSCOW)
CLIENT_MAIL = (
    b"From: Ivan <ivan@shop.example.test>\r\n"
    b"To: support@example.test\r\n"
    b"Subject: test mail for the demo server\r\n"
    b"Message-ID: <demo-server-test@shop.example.test>\r\n"
    b"\r\n"
    b"Account ID 10452\r\n"
)
FETCH_ITEM = re.compile(rb'UID (\d+) INTERNALDATE "([^"]+)"')


@pytest.fixture(scope="module")
def imap_server(tmp_path_factory):
    with demo.pymap_server(tmp_path_factory.mktemp("pymap")) as server:
        yield server


@pytest.fixture
def smtp_sink():
    with demo.smtp_sink() as sink:
        yield sink


def fetch_by_uid(client: imaplib.IMAP4, uid: int) -> tuple[int, datetime, bytes]:
    """UID FETCH one mail; return (uid, INTERNALDATE, raw bytes).

    Only items that carry the body count: pymap may interleave unsolicited
    FETCH responses (flag updates) with the ones asked for.
    """
    typ, data = client.uid("FETCH", str(uid), "(UID INTERNALDATE BODY.PEEK[])")
    assert typ == "OK", data
    [(head, raw)] = [item for item in data if isinstance(item, tuple)]
    found_uid, internaldate = FETCH_ITEM.search(head).groups()
    when = datetime.strptime(internaldate.decode(), "%d-%b-%Y %H:%M:%S %z")
    return int(found_uid), when, raw


def test_appended_mail_is_fetched_by_uid_and_moved(imap_server):
    [uid] = demo.append_mails(imap_server, [CLIENT_MAIL], [ARRIVAL])

    with MailBoxUnencrypted(imap_server.host, imap_server.port).login(
        imap_server.user, imap_server.password, initial_folder=None
    ) as mailbox:
        client = mailbox.client
        typ, _ = client.select("INBOX")
        assert typ == "OK"
        assert uid in map(int, client.uid("SEARCH", None, "ALL")[1][0].split())

        assert fetch_by_uid(client, uid) == (uid, ARRIVAL, CLIENT_MAIL)

        assert client.create("Processed")[0] == "OK"
        assert client.uid("MOVE", str(uid), "Processed")[0] == "OK"
        assert uid not in map(int, client.uid("SEARCH", None, "ALL")[1][0].split())

        client.select("Processed")
        [moved_uid] = map(int, client.uid("SEARCH", None, "ALL")[1][0].split())
        _, moved_arrival, moved_raw = fetch_by_uid(client, moved_uid)
        assert (moved_arrival, moved_raw) == (ARRIVAL, CLIENT_MAIL)


def test_inbox_holds_only_what_was_appended(tmp_path):
    with demo.pymap_server(tmp_path) as server:
        with MailBoxUnencrypted(server.host, server.port).login(
            server.user, server.password
        ) as mailbox:
            assert mailbox.folder.status("INBOX")["MESSAGES"] == 0
            assert [f.name for f in mailbox.folder.list()] == ["INBOX"]


def test_wrong_password_is_refused(imap_server):
    client = imaplib.IMAP4(imap_server.host, imap_server.port)
    try:
        with pytest.raises(imaplib.IMAP4.error):
            client.login(imap_server.user, "not-the-password")
    finally:
        client.shutdown()


def test_sink_keeps_a_mail_sent_with_aiosmtplib(smtp_sink):
    aiosmtplib = pytest.importorskip("aiosmtplib")
    reply = EmailMessage()
    reply["From"] = "Support <support@example.test>"
    reply["To"] = "ivan@shop.example.test"
    reply["Subject"] = "[KB-000001] Не могу войти в личный кабинет"
    reply.set_content("Здравствуйте! Ваше обращение зарегистрировано.")

    asyncio.run(aiosmtplib.send(
        reply, hostname=smtp_sink.host, port=smtp_sink.port, start_tls=False))

    [mail] = smtp_sink.mails
    assert mail.mail_from == "support@example.test"
    assert mail.rcpt_tos == ("ivan@shop.example.test",)
    received = BytesParser(policy=email.policy.default).parsebytes(mail.data)
    assert received["Subject"] == "[KB-000001] Не могу войти в личный кабинет"
    shown = demo.format_sent_mail(mail, 1)
    assert "Subject: [KB-000001] Не могу войти в личный кабинет" in shown
    assert "Ваше обращение зарегистрировано." in shown


def test_servers_are_gone_after_the_block(tmp_path):
    with demo.pymap_server(tmp_path) as server, demo.smtp_sink() as sink:
        ports = (server.port, sink.port)
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_sample_mails_tell_the_demo_story():
    mails = [BytesParser(policy=email.policy.default).parsebytes(raw)
             for raw in demo.sample_mails()]
    assert len(mails) == 5
    assert all(not mail.defects for mail in mails)
    ids = [mail["Message-ID"] for mail in mails]
    assert len(set(ids)) == len(ids)
    first, followup, english, no_account, out_of_office = mails
    assert "ID аккаунта: 10452" in first.get_body(("plain",)).get_content()
    assert followup["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in followup["References"]
    assert followup["Subject"] != "Re: " + first["Subject"]
    assert "Account ID 20981" in english.get_body(("plain",)).get_content()
    assert not re.search(r"\d{4,}", no_account.get_body(("plain",)).get_content())
    assert out_of_office["Auto-Submitted"] == "auto-replied"


def test_missing_sample_mails_are_an_error_not_an_empty_demo(tmp_path):
    with pytest.raises(demo.DemoError, match="no sample mails"):
        demo.sample_mails(tmp_path)


def test_date_header_is_restamped_to_the_arrival_time():
    raw = demo.sample_mails()[0]
    stamped = BytesParser(policy=email.policy.default).parsebytes(
        demo.with_date(raw, ARRIVAL))
    assert stamped["Date"].datetime == ARRIVAL
    assert len(stamped.get_all("Date")) == 1


def test_config_names_both_servers(tmp_path):
    server = demo.ImapServer("127.0.0.1", 11143, "support@example.test", "x",
                             tmp_path / "log")
    sink = demo.SmtpSink("127.0.0.1", 11025)
    path = demo.write_config(tmp_path / "config.toml", server, sink)
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    assert config["mailbox"]["port"] == 11143
    assert config["mailbox"]["security"] == "none"
    assert config["mailbox"]["processed_folder"] == "Processed"
    assert config["smtp"]["port"] == 11025
    assert config["smtp"]["user"] == ""
    assert config["support"]["agents"] == ["agent1@example.test"]
    assert config["database"]["url"] == "sqlite:///mailproc.db"


def test_demo_answers_each_client_once_and_not_the_auto_reply(capsys):
    """The whole `mailproc demo`: one acknowledgement per client (§3), none to the auto-reply (§6),
    notifications to the agent, and the agent's answer relayed to the client (SPEC §5)."""
    report = io.StringIO()

    outcome = demo.run(report)

    assert outcome.exit_code == 0, capsys.readouterr().err
    to = [(rcpt, email.message_from_bytes(mail.data, policy=email.policy.default))
          for mail in outcome.sent for rcpt in mail.rcpt_tos]
    for client in ("ivan@shop.example.test", "emily@bakery.example.test", "olga@flowers.example.test"):
        assert [m["Auto-Submitted"] for rcpt, m in to if rcpt == client][0] == "auto-replied"
    assert "dmitry@cafe.example.test" not in {rcpt for rcpt, _ in to}
    relayed = [m for rcpt, m in to if rcpt == "ivan@shop.example.test" and m["Auto-Submitted"] is None]
    assert len(relayed) == 1 and "Забыли пароль" in text_of(relayed[0])
    assert any(rcpt == demo.AGENT_ADDRESS for rcpt, _ in to)
    assert "mailproc relays the answer" in report.getvalue()
