"""Is the desk alive? (edge: database, one metrics file)

`run` and `poll` note after every cycle whether polling and sending worked (table Liveness);
`mailproc status` reads that beside the outbox, the quarantine and the queue, and judges it
the way monitoring plugins do: exit 0 ok, 1 warning, 2 critical. The same figures go, when
configured, to a Prometheus text-format file for node_exporter's textfile collector.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import pathlib

import peewee

from mailproc.config import Monitoring, Settings
from mailproc.send import SendReport
from mailproc.store import queries, sla_report
from mailproc.store.models import Liveness, Message, Outbox, Quarantined, Ticket
from mailproc.vocab import Direction, Status

log = logging.getLogger(__name__)

OK, WARNING, CRITICAL = 0, 1, 2
STATE_NAMES = ("ok", "warning", "critical")
POLL, SEND = "poll", "send"
METRICS_MODE = 0o644  # counts only, no client data: node_exporter runs as its own user


def note_cycle(settings: Settings, now: dt.datetime, *, polled: bool, poll_error: str | None,
               send: SendReport | None) -> None:
    """After a cycle of `run` or `poll`. An empty outbox proves nothing about the SMTP server: no note.
    Never raises: a desk that cannot note its health goes on answering mail."""
    try:
        if polled:
            _note(POLL, now, poll_error)
        if send and (send.error or send.sent or send.deferred or send.failed):
            _note(SEND, now, send.error)
        if settings.monitoring.metrics_file:
            write_metrics(settings.monitoring.metrics_file, gather(settings, now))
    except (peewee.DatabaseError, OSError) as exc:
        log.error("could not note the cycle for `mailproc status`: %s", exc)


def _note(activity: str, now: dt.datetime, error: str | None) -> None:
    row = Liveness.get_or_none(Liveness.activity == activity) or Liveness(activity=activity)
    if error is None:
        row.last_ok_at, row.failing_since, row.last_error = now, None, ""
    else:
        row.failing_since, row.last_error = row.failing_since or now, error
    row.save()


@dataclasses.dataclass(frozen=True)
class Figures:
    """What `status` shows, read from the database at one instant."""

    now: dt.datetime
    liveness: dict[str, Liveness]
    outbox: dict[str, int]  # pending, failed, held
    quarantined: int
    oldest_unanswered: Ticket | None  # new or open, no first reaction yet
    breached_tickets: int
    received: int
    sent: int
    escalations: int


def gather(settings: Settings, now: dt.datetime) -> Figures:
    outbox = dict(Outbox.select(Outbox.status, peewee.fn.COUNT(Outbox.id)).where(Outbox.status.in_(queries.UNSENT))
                  .group_by(Outbox.status).tuples())
    return Figures(
        now=now,
        liveness={row.activity: row for row in Liveness.select()},
        outbox={status: outbox.get(status, 0) for status in queries.UNSENT},
        quarantined=Quarantined.select().count(),
        oldest_unanswered=(Ticket.select().where(Ticket.status.in_((Status.NEW, Status.OPEN)),
                                                 Ticket.first_response_at.is_null())
                           .order_by(Ticket.created_at, Ticket.id).first()),
        breached_tickets=sum(1 for row in sla_report.queue(settings.hours.timezone, now) if row["breached"]),
        received=Message.select().where(Message.direction == Direction.IN).count(),
        sent=Outbox.select().where(Outbox.status == "sent").count(),
        escalations=Ticket.select(peewee.fn.COALESCE(peewee.fn.SUM(Ticket.escalations.length()),
                                                      0)).scalar(),
    )


def verdict(figures: Figures, limits: Monitoring) -> tuple[int, list[str]]:
    """(exit code, what is wrong, worst first). Pure."""
    found = []
    poll = figures.liveness.get(POLL)
    if poll is None:
        found.append((CRITICAL, "no poll has run yet: is `mailproc run` running?"))
    for activity in (POLL, SEND):
        row = figures.liveness.get(activity)
        if row and row.failing_since:
            minutes = _minutes(figures.now - row.failing_since)
            found.append((_level(minutes, limits), f"{activity} failing for {minutes} min: {row.last_error}"))
    if poll and poll.last_ok_at and not poll.failing_since:
        minutes = _minutes(figures.now - poll.last_ok_at)
        found.append((_level(minutes, limits), f"no poll for {minutes} min: is `mailproc run` running?"))
    found = sorted((item for item in found if item[0] != OK), key=lambda item: -item[0])
    return (found[0][0] if found else OK), [text for _, text in found]


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _level(minutes: int, limits: Monitoring) -> int:
    if minutes >= limits.critical_minutes:
        return CRITICAL
    return WARNING if minutes >= limits.warning_minutes else OK


def as_json(figures: Figures, code: int, reasons: list[str], zone) -> dict:
    def activity(name: str) -> dict:
        row = figures.liveness.get(name) or Liveness()
        return {"last_ok": queries.iso(row.last_ok_at, zone), "failing_since": queries.iso(row.failing_since, zone),
                "last_error": row.last_error or ""}

    oldest = figures.oldest_unanswered
    return {
        "state": STATE_NAMES[code], "reasons": reasons, "checked_at": queries.iso(figures.now, zone),
        POLL: activity(POLL), SEND: activity(SEND), "outbox": figures.outbox, "quarantined": figures.quarantined,
        "oldest_unanswered": oldest and {"tag": oldest.tag, "created_at": queries.iso(oldest.created_at, zone),
                                         "waiting_minutes": _minutes(figures.now - oldest.created_at)},
        "breached_tickets": figures.breached_tickets,
    }


def text_lines(data: dict) -> list[str]:
    """First line as monitoring plugins print it: STATE: the worst problem."""
    lines = [f"{data['state'].upper()}: {data['reasons'][0] if data['reasons'] else 'polling and sending work'}"]
    lines += [f"  also: {reason}" for reason in data["reasons"][1:]]
    for name in (POLL, SEND):
        row = data[name]
        lines.append(f"{name:<18} last ok {row['last_ok'] or '-'}"
                     + (f", failing since {row['failing_since']}: {row['last_error']}" if row["failing_since"] else ""))
    lines.append("outbox             " + ", ".join(f"{n} {status}" for status, n in data["outbox"].items()))
    lines.append(f"quarantined        {data['quarantined']}")
    oldest = data["oldest_unanswered"]
    lines.append("oldest unanswered  " + (f"{oldest['tag']}, {oldest['waiting_minutes']} min" if oldest else "-"))
    lines.append(f"breached tickets   {data['breached_tickets']}")
    return lines


def metrics_text(figures: Figures) -> str:
    """Prometheus text exposition format."""
    oldest = figures.oldest_unanswered
    families = [
        ("mailproc_mails_received_total", "counter", "Mails received and recorded.", [("", figures.received)]),
        ("mailproc_mails_sent_total", "counter", "Mails sent (replies, notifications, escalations).",
         [("", figures.sent)]),
        ("mailproc_escalations_total", "counter", "Deadline escalations sent to the agents.",
         [("", figures.escalations)]),
        ("mailproc_quarantined_mails", "gauge", "Mails in quarantine (see `mailproc quarantine list`).",
         [("", figures.quarantined)]),
        ("mailproc_outbox_mails", "gauge", "Outgoing mails not sent, by status.",
         [(f'{{status="{status}"}}', n) for status, n in figures.outbox.items()]),
        ("mailproc_oldest_unanswered_seconds", "gauge", "Wait of the oldest ticket with no first reaction.",
         [("", int((figures.now - oldest.created_at).total_seconds()) if oldest else 0)]),
        ("mailproc_breached_tickets", "gauge", "Open tickets past a deadline.", [("", figures.breached_tickets)]),
        ("mailproc_last_success_timestamp_seconds", "gauge", "When polling or sending last worked (Unix time).",
         [(f'{{activity="{name}"}}', int(row.last_ok_at.timestamp()))
          for name, row in sorted(figures.liveness.items()) if row.last_ok_at]),
        ("mailproc_failing", "gauge", "1 while polling or sending fails.",
         [(f'{{activity="{name}"}}', int(row.failing_since is not None))
          for name, row in sorted(figures.liveness.items())]),
    ]
    lines = []
    for name, kind, help_text, samples in families:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{labels} {value}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def write_metrics(path: pathlib.Path, figures: Figures) -> None:
    """Atomically: the collector never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(metrics_text(figures), encoding="utf-8")
    os.chmod(tmp, METRICS_MODE)
    os.replace(tmp, path)
