"""`mailproc db copy --to URL`: an SQLite desk moved to PostgreSQL, every table, counts compared;
the desk goes on there where it stopped; a target holding a desk already is refused."""
from __future__ import annotations

import re

from mailproc.store.models import ALL_MODELS
from tests.conftest import postgres
from tests.mailfactory import make_mail

CLIENT = "client@example.test"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _on(config, url):
    """The same desk's config, pointed at another database."""
    text = re.sub(r'(?m)^url = "sqlite:///mailproc.db"$', f'url = "{url}"', config.read_text())
    assert text != config.read_text()
    moved = config.with_name("moved.toml")
    moved.write_text(text)
    return moved


def test_an_sqlite_desk_is_copied_to_postgresql_and_goes_on_there(mail, mailproc_config, mailproc_cli,
                                                                    postgres_cluster, monkeypatch):
    monkeypatch.setenv("MAILPROC_DATABASE_PASSWORD", postgres.PASSWORD)
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Не печатает чек", body="Касса не печатает чек.",
                           attachments=[("screen.png", PNG, "image/png")]))
    mail.deliver(make_mail(from_=CLIENT, subject="Бонусы", body="Не начисляются бонусы."))
    mailproc_cli(config, "poll")
    before = mailproc_cli(config, "tickets", "--json", json=True)
    shown = mailproc_cli(config, "show", before[0]["tag"], "--json", json=True)

    url = postgres_cluster.fresh_database()
    copied = mailproc_cli(config, "db", "copy", "--to", url)
    counts = dict(line.split() for line in copied.stdout.splitlines())
    assert set(counts) == {model._meta.table_name for model in ALL_MODELS}
    assert int(counts["ticket"]) == 2 and int(counts["attachment"]) == 1 and int(counts["folderstate"]) == 1
    assert int(counts["outbox"]) >= 2 and int(counts["message"]) >= 4  # acknowledgements and notifications
    assert "the same count in every table" in copied.stderr

    moved = _on(config, url)
    assert mailproc_cli(moved, "tickets", "--json", json=True) == before
    assert mailproc_cli(moved, "show", before[0]["tag"], "--json", json=True) == shown
    mail.deliver(make_mail(from_=CLIENT, subject="Третий вопрос", body="Ещё один вопрос."))
    mailproc_cli(moved, "poll")  # the processed folder's count came along: no "lost database" refusal
    after = mailproc_cli(moved, "tickets", "--json", json=True)
    assert [t["tag"] for t in after] == [*(t["tag"] for t in before), "KB-000003"]  # numbered after the copied

    again = mailproc_cli(config, "db", "copy", "--to", url, check=False)
    assert again.returncode == 1 and f"database {url} is not empty (3 ticket" in again.stderr
    assert len(mailproc_cli(moved, "tickets", "--json", json=True)) == 3


def test_a_url_with_its_password_in_it_is_refused(mailproc_config, mailproc_cli):
    refused = mailproc_cli(mailproc_config(), "db", "copy", "--to", "postgresql://desk:s3cr3t@db/desk", check=False)
    assert refused.returncode == 2 and "no password in it" in refused.stderr and "s3cr3t" not in refused.stderr
