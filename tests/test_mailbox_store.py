"""The database side of several mailboxes: numbering per tag prefix, folder progress per mailbox."""
from __future__ import annotations

import datetime as dt

from mailproc.config import Database
from mailproc.store import migrations, record
from mailproc.store.db import open_database
from mailproc.store.models import FolderState, MovedCount, NumberingFloor, Ticket
from mailproc.store.models import database as database_proxy
from tests.conftest import ON_BOTH_DATABASES, sqlite_at

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def _ticket(tag: str) -> None:
    Ticket.create(tag=tag, status="new", priority="normal", client="c@x.test", subject="s", language="ru",
                  created_at=NOW, updated_at=NOW)


def test_each_prefix_numbers_its_tickets_after_its_floor_and_every_older_floor(tmp_path):
    open_database(sqlite_at(tmp_path / "mailproc.db"))
    NumberingFloor.create(number=30, mails_scanned=0, created_at=NOW)  # from before prefixes: every one's
    _ticket("KB-000001")
    _ticket("KB-1000000")  # past six digits: compared as a number, not as text
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-1000001", "BL-000031")
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-1000002", "BL-000032")  # counted on
    assert record.set_numbering_floor("BL", 40, 0, NOW) == 40
    assert record.set_numbering_floor("KB", 40, 0, NOW) == 1_000_002  # below the count: changes nothing
    assert record.set_numbering_floor("AB", 7, 0, NOW) == 30  # below the older floor
    assert record.set_numbering_floor("CD", 70, 0, NOW) == 70  # before the prefix's first ticket
    assert [record.next_tag(prefix) for prefix in ("KB", "BL", "AB", "CD")] == [
        "KB-1000003", "BL-000041", "AB-000031", "CD-000071"]


@ON_BOTH_DATABASES
def test_a_number_taken_in_a_transaction_rolled_back_is_taken_again(database, tmp_path):
    place = (sqlite_at(tmp_path / "mailproc.db") if database.startswith("sqlite") else
             Database(url=database, password_env="MAILPROC_DATABASE_PASSWORD", data_dir=tmp_path, path=None))
    open_database(place)
    _ticket("KB-000005")
    with database_proxy.atomic() as transaction:
        assert record.next_tag("KB") == "KB-000006"
        transaction.rollback()
    with database_proxy.atomic():
        assert (record.next_tag("KB"), record.next_tag("KB")) == ("KB-000006", "KB-000007")
    assert record.last_number("KB") == 7


def test_one_mailbox_adopts_the_progress_written_before_mailboxes_were_told_apart(tmp_path):
    open_database(sqlite_at(tmp_path / "mailproc.db"))
    FolderState.create(mailbox="", folder="INBOX", uidvalidity=7, last_uid=12)
    MovedCount.create(mailbox="", folder="Processed", mails=12)
    record.adopt_progress("KB")
    assert record.folder_state("KB", "INBOX", 7).last_uid == 12 and record.mails_moved("KB", "Processed") == 12
    assert record.folder_state("BL", "INBOX", 7).last_uid == 0 and record.mails_moved("BL", "Processed") is None
    record.advance_folder("BL", "INBOX", 3)
    assert (record.folder_state("KB", "INBOX", 7).last_uid, record.folder_state("BL", "INBOX", 7).last_uid) == (12, 3)


DOWN_TO_2 = ["DROP INDEX folderstate_mailbox_folder", "DROP INDEX movedcount_mailbox_folder",
             "ALTER TABLE folderstate DROP COLUMN mailbox", "ALTER TABLE movedcount DROP COLUMN mailbox",
             "ALTER TABLE quarantined DROP COLUMN mailbox", "ALTER TABLE numberingfloor DROP COLUMN tag_prefix",
             "CREATE UNIQUE INDEX folderstate_folder ON folderstate (folder)",
             "CREATE UNIQUE INDEX movedcount_folder ON movedcount (folder)"]


@ON_BOTH_DATABASES
def test_a_version_2_database_is_upgraded_and_its_progress_adopted(database, tmp_path):
    place = (sqlite_at(tmp_path / "mailproc.db") if database.startswith("sqlite") else
             Database(url=database, password_env="MAILPROC_DATABASE_PASSWORD", data_dir=tmp_path, path=None))
    db = open_database(place)
    for statement in DOWN_TO_2:
        db.execute_sql(statement)
    db.execute_sql("INSERT INTO folderstate (folder, uidvalidity, last_uid, inflight_attempts) VALUES ('INBOX', 7, 12, 0)")
    db.execute_sql("INSERT INTO movedcount (folder, mails) VALUES ('Processed', 12)")
    db.execute_sql("INSERT INTO numberingfloor (number, mails_scanned, created_at) VALUES (30, 12, '2026-12-01')")
    if database.startswith("sqlite"):
        db.pragma("user_version", 2)
    else:
        db.execute_sql(f"UPDATE {migrations.VERSION_TABLE} SET version = 2")
    db.close()

    open_database(place)
    assert migrations.version(database_proxy.obj) == migrations.CURRENT
    record.adopt_progress("KB")
    assert record.folder_state("KB", "INBOX", 7).last_uid == 12 and record.mails_moved("KB", "Processed") == 12
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-000031", "BL-000031")
    record.set_mails_moved("BL", "Processed", 3)  # the same folder name in another mailbox
    assert (record.mails_moved("KB", "Processed"), record.mails_moved("BL", "Processed")) == (12, 3)
