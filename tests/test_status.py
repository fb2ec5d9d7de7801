"""`mailproc status`: is the desk alive, in the exit codes of monitoring plugins; `poll` exits 1
when it could not send; the Prometheus textfile."""
from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from mailproc import status
from mailproc.config import Monitoring
from mailproc.store.models import Liveness
from tests.mailfactory import make_mail

CLIENT = "client@example.test"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)
LIMITS = Monitoring(warning_minutes=10, critical_minutes=30, metrics_file=None)


def _ago(minutes: int) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def _figures(**liveness: tuple[int | None, int | None]) -> status.Figures:
    """activity=(minutes since the last success, minutes since failing began), None for never/not failing."""
    rows = {name: Liveness(activity=name, last_ok_at=ok and _ago(ok), failing_since=failing and _ago(failing),
                           last_error="Connection refused" if failing else "")
            for name, (ok, failing) in liveness.items()}
    return status.Figures(now=NOW, liveness=rows, outbox={}, quarantined=0, oldest_unanswered=None,
                          breached_tickets=0, received=0, sent=0, escalations=0)


@pytest.mark.parametrize("liveness,code,first_reason", [
    ({"poll": (1, None), "send": (1, None)}, status.OK, None),
    ({"poll": (1, None)}, status.OK, None),  # nothing sent yet: an empty outbox proves nothing
    ({}, status.CRITICAL, "no poll has run yet"),
    ({"poll": (12, None)}, status.WARNING, "no poll for 12 min"),
    ({"poll": (45, None)}, status.CRITICAL, "no poll for 45 min"),
    ({"poll": (1, None), "send": (20, 9)}, status.OK, None),
    ({"poll": (1, None), "send": (20, 10)}, status.WARNING, "send failing for 10 min: Connection refused"),
    ({"poll": (1, None), "send": (None, 31)}, status.CRITICAL, "send failing for 31 min"),
    ({"poll": (40, 35), "send": (1, 15)}, status.CRITICAL, "poll failing for 35 min"),
], ids=["healthy", "nothing-sent-yet", "never-polled", "poll-stale", "poll-dead", "send-failing-briefly",
        "send-failing", "send-down", "both"])
def test_verdict(liveness, code, first_reason):
    found, reasons = status.verdict(_figures(**liveness), LIMITS)
    assert found == code
    assert (reasons[0].startswith(first_reason) if first_reason else reasons == [])


def test_a_desk_whose_smtp_is_down_is_failing_until_it_sends_again(mail, mailproc_config, mailproc_cli,
                                                                      smtp_server):
    config = mailproc_config(monitoring={"metrics_file": "mailproc.prom"})
    strict = mailproc_config(monitoring={"warning_minutes": 0, "critical_minutes": 0},
                             database={"url": f"sqlite:///{config.parent / 'mailproc.db'}",
                                       "data_dir": str(config.parent / "mailproc-data")})
    never = mailproc_cli(config, "status", check=False)
    assert never.returncode == 2 and never.stdout.startswith("CRITICAL: no poll has run yet")

    mail.deliver(make_mail(from_=CLIENT, subject="SMTP лежит", body="Ответ подождёт."))
    smtp_server.stop()
    polled = mailproc_cli(config, "poll", check=False)
    assert polled.returncode == 1 and "error:" in polled.stderr and "stay in the outbox" in polled.stderr

    down = mailproc_cli(strict, "status", "--json", check=False)
    data = json.loads(down.stdout)
    assert down.returncode == 2 and data["state"] == "critical"
    assert data["send"]["failing_since"] and data["send"]["last_error"] and data["send"]["last_ok"] is None
    assert any(r.startswith("send failing for 0 min") for r in data["reasons"])
    assert data["outbox"]["pending"] == 2 and data["poll"]["last_ok"] and data["poll"]["failing_since"] is None
    assert data["oldest_unanswered"]["tag"] == "KB-000001"
    assert mailproc_cli(config, "status", check=False).returncode == 0  # failing, but not yet for 10 minutes

    metrics = config.parent / "mailproc.prom"
    assert stat.S_IMODE(metrics.stat().st_mode) == 0o644
    text = metrics.read_text()
    assert 'mailproc_failing{activity="send"} 1' in text and "mailproc_mails_received_total 1" in text
    assert 'mailproc_outbox_mails{status="pending"} 2' in text

    smtp_server.start()
    assert mailproc_cli(config, "poll").returncode == 0
    mail.wait_for(CLIENT, "KB-000001")
    back = mailproc_cli(config, "status", "--json", json=True)
    assert back["state"] == "ok" and back["reasons"] == [] and back["send"]["failing_since"] is None
    assert back["send"]["last_ok"] and back["outbox"]["pending"] == 0
    assert 'mailproc_failing{activity="send"} 0' in metrics.read_text()
