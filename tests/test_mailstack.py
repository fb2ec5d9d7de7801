"""The test fixtures themselves, against the real Dovecot and relay."""
import asyncio
import datetime as dt
import ssl
import sys
import time
import tomllib

import aiosmtplib
import pytest
from imap_tools import MailBox

from tests.mailfactory import make_mail


def smtp_send(port, raw, sender, recipients):
    asyncio.run(aiosmtplib.send(raw, sender=sender, recipients=recipients, hostname="127.0.0.1",
                                port=port, start_tls=False, local_hostname="localhost", timeout=10))


def test_deliver_then_read_back(mail):
    raw = make_mail(subject="Drucker kaputt – bitte helfen", references=["<a@x>", "<b@x>"],
                    headers={"X-Priority": "1", "Date": None},
                    attachments=[("log.txt", b"line 1\n", "text/plain"),
                                 ("scan.pdf", b"%PDF-1.4 fake", "application/pdf")])
    mail.deliver(raw)
    [msg] = mail.messages("support@example.test")
    assert msg["Subject"] == "Drucker kaputt – bitte helfen"
    assert msg["Message-ID"].endswith("@client.example.test>")
    assert msg["References"] == "<a@x> <b@x>"
    assert msg["X-Priority"] == "1" and msg["Date"] is None
    assert msg.get_body(("plain",)).get_content() == "Hello,\nI need help.\n"
    assert {a.get_filename(): a.get_content() for a in msg.iter_attachments()} == {
        "log.txt": "line 1\n", "scan.pdf": b"%PDF-1.4 fake"}
    assert mail.messages("client@example.test") == []


def test_deliver_one_transaction_per_recipient(mail):
    mail.deliver(make_mail(subject="to both"), to=["agent1@example.test", "agent2@example.test"])
    assert [m["Subject"] for m in mail.messages("agent1@example.test")] == ["to both"]
    assert [m["Subject"] for m in mail.messages("agent2@example.test")] == ["to both"]
    with pytest.raises(AssertionError, match="550"):
        mail.deliver(make_mail(), to="nobody@example.test")


def test_append_sets_internaldate_and_creates_folder(mail, mailstack):
    when = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    uid = mail.append("support@example.test", make_mail(subject="old"), folder="Archive", date=when)
    assert "Archive" in mail.folders("support@example.test")
    with mailstack.imap("support@example.test") as mb:
        mb.folder.set("Archive")
        typ, data = mb.client.uid("FETCH", str(uid), "(INTERNALDATE)")
    stamp = data[0].decode().split('INTERNALDATE "')[1].split('"')[0]
    assert dt.datetime.strptime(stamp, "%d-%b-%Y %H:%M:%S %z") == when
    assert [m["Subject"] for m in mail.messages("support@example.test", "Archive")] == ["old"]


def test_imaps_with_self_signed_cert(mailstack):
    ctx = ssl.create_default_context(cafile=mailstack.imaps_cafile)
    with MailBox("127.0.0.1", mailstack.imaps_port, ssl_context=ctx).login(
            "support@example.test", "secret") as mb:
        assert mb.folder.exists("INBOX")


def test_relay_delivers_into_client_inbox(mail, smtp_server):
    smtp_send(smtp_server.port, make_mail("support@example.test", "client@example.test", "Re: ticket"),
              "support@example.test", ["client@example.test"])
    msg = mail.wait_for("client@example.test", lambda m: m["Subject"] == "Re: ticket")
    assert msg["From"] == "support@example.test"
    [env] = smtp_server.envelopes
    assert env.mail_from == "support@example.test" and env.rcpt_tos == ["client@example.test"]


def test_relay_stop_refuses_then_restart_works(mail, smtp_server):
    port = smtp_server.port
    smtp_server.stop()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        smtp_send(port, make_mail(subject="lost"), "support@example.test", ["client@example.test"])
    smtp_server.restart()
    assert smtp_server.port == port
    smtp_send(port, make_mail(subject="after restart"), "support@example.test", ["client@example.test"])
    mail.wait_for("client@example.test", "after restart")
    assert [m["Subject"] for m in mail.messages("client@example.test")] == ["after restart"]


def test_wait_for_fails_clearly(mail):
    mail.deliver(make_mail(subject="something else"))
    t0 = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="(?s)no matching message.*something else"):
        mail.wait_for("support@example.test", "never sent", timeout=0.5)
    assert time.monotonic() - t0 < 3


_left_behind = []


def test_cleanup_part1_leave_mail_everywhere(mail, smtp_server):
    for user in ("support@example.test", "stranger@example.test"):
        mail.deliver(make_mail(subject="stale"), to=user)
        for folder in ("Processed", "Quarantine", "Archive/2024", "Sent"):
            mail.append(user, make_mail(subject="stale"), folder=folder)
    assert "Archive/2024" in mail.folders("stranger@example.test")
    smtp_send(smtp_server.port, make_mail(subject="stale"), "client@example.test", ["agent1@example.test"])
    smtp_server.stop()  # left stopped on purpose
    _left_behind.append(True)


def test_cleanup_part2_everything_is_empty(mail, mailstack, smtp_server):
    if not _left_behind:
        pytest.skip("runs after test_cleanup_part1_leave_mail_everywhere")
    for user in mailstack.users:
        assert sorted(mail.folders(user)) == ["INBOX", "Sent", "Trash"], user
        for folder in ("INBOX", "Sent", "Trash"):
            assert mail.messages(user, folder) == [], (user, folder)
    assert smtp_server.running and smtp_server.envelopes == []


def test_mailproc_config(mailproc_config, mailstack, smtp_server):
    path = mailproc_config(mailbox={"poll_seconds": 5, "folder": 'In "box"'},
                           support={"agents": ["agent1@example.test"]},
                           smtp={"user": None}, rules={"spam": {"block": True, "words": ["a", "b"]}})
    assert path.name == "config.toml"
    cfg = tomllib.loads(path.read_text())
    assert cfg["mailbox"]["port"] == mailstack.imap_port
    assert cfg["mailbox"]["poll_seconds"] == 5 and cfg["mailbox"]["folder"] == 'In "box"'
    assert cfg["mailbox"]["processed_folder"] == "Processed"
    assert cfg["smtp"]["port"] == smtp_server.port and "user" not in cfg["smtp"]
    assert cfg["support"]["agents"] == ["agent1@example.test"]
    assert cfg["support"]["tag_prefix"] == "KB"
    assert cfg["database"] == {"url": "sqlite:///mailproc.db"}
    assert cfg["rules"] == {"spam": {"block": True, "words": ["a", "b"]}}
    assert mailproc_config().parent != path.parent


def test_mailproc_cli_harness(mailproc_cli, monkeypatch, tmp_path):
    # Exercises the runner with a stand-in for `python -m mailproc`.
    monkeypatch.setenv("MAILPROC_TOKEN_SECRET", "test-secret")
    script = "import json, os, sys; print(json.dumps([sys.argv[1:], os.environ['MAILPROC_TOKEN_SECRET']]))"
    mailproc_cli.command = lambda config, *args: [sys.executable, "-c", script, str(config), *args]
    assert mailproc_cli("c.toml", "poll", json=True) == [["c.toml", "poll"], "test-secret"]
    failing = [sys.executable, "-c", "import sys; sys.exit('boom')"]
    mailproc_cli.command = lambda config, *args: failing
    assert mailproc_cli("c.toml", check=False).returncode == 1
    with pytest.raises(pytest.fail.Exception, match="(?s)exited 1.*boom"):
        mailproc_cli("c.toml")
    mailproc_cli.command = lambda config, *args: [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
    proc = mailproc_cli.popen("c.toml")
    deadline = time.monotonic() + 10
    while "up" not in proc.stdout_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    assert proc.wait(timeout=5) == -9 and proc.stdout_path.read_text() == "up\n"
