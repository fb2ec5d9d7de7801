"""A broken template is the desk's failure, never the client's: through Dovecot and the SMTP sink,
no client mail is quarantined for it, the client is answered and the agents are told."""
import pathlib
import shutil
import signal

from mailproc import templating
from mailproc.cli import make_desks
from mailproc.config import SHIPPED_TEMPLATES, load_settings
from mailproc.cycle import run_cycle
from tests.mailfactory import make_mail, text_of
from tests.test_daemon import _wait_for_log
from tests.test_template_check import _breaks_on_a_one_word_name, _line_of, _replace

SUPPORT, AGENT = "support@example.test", "agent1@example.test"
CRITICAL = ("Касса не работает", "Касса не работает, система недоступна на РМК, покупатели ждут. ID аккаунта 10452")
NORMAL = ("Бонусы", "Добрый день! Не начисляются бонусы покупателям после покупки, подскажите, что проверить. "
                    "ID аккаунта 10452")


def _templates(tmp_path: pathlib.Path) -> pathlib.Path:
    directory = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, directory)
    return directory


def _quarantined(mailproc_cli, config) -> list:
    return mailproc_cli(config, "tickets", "--status", "quarantined", "--json", json=True)


def test_a_typo_made_while_running_never_reaches_a_client(mail, mailproc_config, mailproc_cli, tmp_path):
    templates = _templates(tmp_path)
    config = mailproc_config(mailbox={"poll_seconds": 1}, templates={"directory": str(templates)})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_="client@example.test", subject=NORMAL[0], body=NORMAL[1]))
    mail.wait_for("client@example.test", "KB-000001")  # running, with the templates as they were
    reply = templates / "ru/reply.txt.j2"
    _replace(reply, "{{ tag }}", "{{ tga }}")
    problem = f"{reply}:{_line_of(reply, 'tga')}: 'tga' is undefined"
    assert "keeping the running ones" in _wait_for_log(proc, problem)

    mail.deliver(make_mail(from_="client3@example.test", subject=CRITICAL[0], body=CRITICAL[1]))
    ack = text_of(mail.wait_for("client3@example.test", "KB-000002"))
    assert "KB-000002" in ack and "Проблема отнесена к критическим" in ack
    notification = text_of(mail.wait_for(AGENT, "KB-000002"))
    assert "[КРИТИЧНО] Новое обращение KB-000002" in notification and "Касса не работает" in notification
    assert _quarantined(mailproc_cli, config) == [] and mail.messages(SUPPORT, "Quarantine") == []

    for command in ("check-config", "poll", "run"):  # a new process refuses the broken template, same line
        result = mailproc_cli(config, command, check=False, timeout=30)
        assert result.returncode == 2 and problem in result.stderr, result.stderr
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0


def test_a_template_failing_on_a_mail_falls_back_to_the_shipped_one_and_agents_are_told_once(
        mail, mailproc_config, mailproc_cli, tmp_path):
    templates = _templates(tmp_path)
    _breaks_on_a_one_word_name(templates)  # passes the check, fails on a client who signs with one word
    config = mailproc_config(templates={"directory": str(templates)})
    assert mailproc_cli(config, "check-config").returncode == 0
    for client in ("client@example.test", "client2@example.test"):
        mail.deliver(make_mail(from_=f"Пётр <{client}>", subject=NORMAL[0], body=NORMAL[1]))
    mailproc_cli(config, "poll")

    for client in ("client@example.test", "client2@example.test"):
        ack = text_of(mail.wait_for(client, "Бонусы"))
        assert ack.startswith("Здравствуйте, Пётр!") and "зарегистрировано под номером KB-00000" in ack
    reply = templates / "ru/reply.txt.j2"
    received = mail.messages(AGENT)
    alerts = [m for m in received if "Шаблон ru/reply.txt.j2 не сработал" in (m["Subject"] or "")]
    assert len(alerts) == 1  # once per template, not once per mail
    alert = text_of(alerts[0])
    assert f"{reply}:{_line_of(reply, 'split')}: " in alert and "стандартный шаблон" in alert
    assert sum("Новое обращение" in text_of(m) for m in received) == 2
    assert _quarantined(mailproc_cli, config) == [] and mail.messages(SUPPORT) == []


def test_a_mail_no_template_can_answer_waits_in_inbox_without_blocking_the_mail_behind(
        mail, mailproc_config, tmp_path, monkeypatch):
    templates = _templates(tmp_path)
    _breaks_on_a_one_word_name(templates)
    shipped = tmp_path / "shipped"
    shutil.copytree(templates, shipped)
    monkeypatch.setattr(templating, "SHIPPED_TEMPLATES", shipped)  # the fallback fails alike
    config = mailproc_config(templates={"directory": str(templates)})
    desk = make_desks(load_settings(config))[0]
    mail.deliver(make_mail(from_="Пётр <client@example.test>", subject=NORMAL[0], body=NORMAL[1]))
    mail.deliver(make_mail(from_="Пётр Иванов <client3@example.test>", subject=CRITICAL[0], body=CRITICAL[1]))

    report = run_cycle(desk)
    assert (report.recorded, report.retry, report.quarantined) == (1, 1, 0)
    assert "KB-000001" in mail.wait_for("client3@example.test", "KB-000001")["Subject"]
    for _ in range(4):  # more cycles than a poison mail is given: still waiting, never quarantined
        report = run_cycle(desk)
        assert (report.recorded, report.retry, report.quarantined) == (0, 1, 0)
    assert len(mail.messages(SUPPORT)) == 1 and mail.messages(SUPPORT, "Quarantine") == []

    shutil.rmtree(templates)
    shutil.copytree(SHIPPED_TEMPLATES, templates)  # the admin repairs the template
    report = run_cycle(make_desks(load_settings(config)))
    assert (report.recorded, report.retry, report.quarantined) == (1, 0, 0)
    assert "KB-000002" in mail.wait_for("client@example.test", "Бонусы")["Subject"]
    assert mail.messages(SUPPORT) == [] and len(mail.messages(SUPPORT, "Processed")) == 2
