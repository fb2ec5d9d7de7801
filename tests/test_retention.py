"""§4.4 retention: `mailproc purge --closed-before DAYS [--yes]` removes the stored raw mails and
attachments of tickets closed before then; the tickets and their texts stay, and a file another
ticket still names stays too."""
from __future__ import annotations

import datetime as dt
import io
import sqlite3

from PIL import Image

from tests.mailfactory import make_mail

CLIENT, CLIENT2 = "client@example.test", "client2@example.test"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _close_long_ago(config, tag: str) -> None:
    closed = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)).isoformat(timespec="microseconds")
    with sqlite3.connect(config.parent / "mailproc.db") as db:
        db.execute("update ticket set status = 'closed', closed_at = ? where tag = ?", (closed, tag))


def _stored(config) -> set[str]:
    return {p.name for p in (config.parent / "mailproc-data" / "blobs").glob("*/*")}


def _names(config, tag: str) -> tuple[set[str], set[str]]:
    """(raw mail files, attachment files) the database names for a ticket."""
    with sqlite3.connect(config.parent / "mailproc.db") as db:
        raw = {r for (r,) in db.execute("select raw_sha256 from message m join ticket t on m.ticket_id = t.id "
                                        "where t.tag = ? and raw_sha256 is not null", (tag,))}
        attached = {a for (a,) in db.execute(
            "select a.sha256 from attachment a join message m on a.message_id = m.id join ticket t "
            "on m.ticket_id = t.id where t.tag = ? and a.sha256 is not null", (tag,))}
    return raw, attached


def test_purge_frees_what_only_old_closed_tickets_name(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    screenshot = [("screen.png", _png(), "image/png")]
    mail.deliver(make_mail(from_=CLIENT, subject="Ошибка в отчёте", body="Отчёт пустой, скриншот во вложении.",
                           attachments=screenshot))
    mail.deliver(make_mail(from_=CLIENT2, subject="Та же ошибка", body="У нас тоже, скриншот приложен.",
                           attachments=screenshot))
    mailproc_cli(config, "poll")
    old_raw, old_attached = _names(config, "KB-000001")
    _, new_attached = _names(config, "KB-000002")
    assert len(old_raw) == 1 and old_attached == new_attached != set()  # one file for the same screenshot
    _close_long_ago(config, "KB-000001")

    dry = mailproc_cli(config, "purge", "--closed-before", "365")
    assert "would purge 1 ticket(s): 1 raw mail(s) and 1 attachment(s) stored, in 1 file(s)" in dry.stderr
    assert old_raw <= _stored(config) and _names(config, "KB-000001") == (old_raw, old_attached)

    assert "purged 1 ticket(s)" in mailproc_cli(config, "purge", "--closed-before", "365", "--yes").stderr
    assert not old_raw & _stored(config) and old_attached <= _stored(config)  # KB-000002 still names it
    assert _names(config, "KB-000001") == (set(), set())
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    assert shown["status"] == "closed" and "Отчёт пустой" in shown["messages"][0]["text"]

    _close_long_ago(config, "KB-000002")
    assert "purge 1 ticket(s)" in mailproc_cli(config, "purge", "--closed-before", "365").stderr
    assert "0 ticket(s)" in mailproc_cli(config, "purge", "--closed-before", "500").stderr
    mailproc_cli(config, "purge", "--closed-before", "365", "--yes")
    assert not new_attached & _stored(config)


def test_purge_needs_a_number_of_days(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text("")
    result = mailproc_cli(config, "purge", "--closed-before", "a year", check=False)
    assert result.returncode == 2 and "expected a number of days" in result.stderr
