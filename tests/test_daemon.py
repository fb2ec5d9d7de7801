"""`mailproc run`: polls on its schedule, survives a bad config edit, stops cleanly on SIGTERM."""
import signal
import time

from tests.mailfactory import make_mail


def _wait_for_log(proc, text, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = proc.stderr_path.read_text()
        if text in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {timeout}s:\n{proc.stderr_path.read_text()}")


def test_daemon_polls_reloads_config_and_stops_on_sigterm(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_="client@example.test", subject="первое", body="Первое письмо демону."))
    mail.wait_for("client@example.test", "KB-000001")

    good = config.read_text()
    config.write_text(good.replace("poll_seconds = 1", 'poll_seconds = "often"'))
    _wait_for_log(proc, "keeping the running one")
    mail.deliver(make_mail(from_="client@example.test", subject="второе", body="Второе письмо демону."))
    mail.wait_for("client@example.test", "KB-000002")  # still polling with the old config

    config.write_text(good.replace('name = "Support"', 'name = "Helpdesk"'))
    _wait_for_log(proc, "config reloaded")
    mail.deliver(make_mail(from_="client@example.test", subject="третье", body="Третье письмо демону."))
    third = mail.wait_for("client@example.test", "KB-000003")
    assert "Helpdesk" in third["From"]

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert "stopped" in proc.stderr_path.read_text()


def test_new_mail_is_answered_from_imap_idle_without_waiting_for_the_poll(mail, mailproc_config, mailproc_cli,
                                                                         smtp_server):
    config = mailproc_config(mailbox={"poll_seconds": 3600})
    proc = mailproc_cli.popen(config, "run")
    _wait_for_log(proc, "waiting for new mail in IMAP IDLE")
    mail.append("support@example.test", make_mail(from_="client@example.test", subject="сразу",
                                                  body="Письмо, пришедшее во время ожидания."))
    ack = mail.wait_for("client@example.test", "KB-000001", timeout=120)  # the next poll is an hour away
    assert "сразу" in ack["Subject"]
    assert any("client@example.test" in e.rcpt_tos for e in smtp_server.envelopes)

    config.write_text(config.read_text().replace('name = "Support"', 'name = "Helpdesk"'))
    proc.send_signal(signal.SIGHUP)  # wakes the wait in IDLE: the new name is used for the next mail
    _wait_for_log(proc, "config reloaded")
    mail.append("support@example.test", make_mail(from_="client@example.test", subject="ещё",
                                                  body="Второе письмо после перезагрузки настроек."))
    assert "Helpdesk" in mail.wait_for("client@example.test", "KB-000002", timeout=120)["From"]

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0  # not after the IDLE refresh or the hour-long poll
    assert "stopped" in proc.stderr_path.read_text()


def test_without_idle_run_polls_on_a_connection_per_cycle(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(mailbox={"poll_seconds": 1, "idle": False})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_="client@example.test", subject="опрос", body="Письмо при опросе."))
    mail.wait_for("client@example.test", "KB-000001", timeout=60)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert "IMAP IDLE" not in proc.stderr_path.read_text()
