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
