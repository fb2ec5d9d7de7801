"""The database side of several mailboxes: numbering per tag prefix, folder progress per mailbox."""
from __future__ import annotations

import datetime as dt

from mailproc.store import record
from mailproc.store.db import open_database
from mailproc.store.models import FolderState, MovedCount, NumberingFloor, Ticket

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def _ticket(tag: str) -> None:
    Ticket.create(tag=tag, status="new", priority="normal", client="c@x.test", subject="s", language="ru",
                  created_at=NOW, updated_at=NOW)


def test_each_prefix_numbers_its_tickets_after_its_floor_and_every_older_floor(tmp_path):
    open_database(tmp_path / "mailproc.db")
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-000001", "BL-000001")
    _ticket("KB-000001")
    _ticket("KB-1000000")  # past six digits: compared as a number, not as text
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-1000001", "BL-000001")
    record.set_numbering_floor("BL", 40, 0, NOW)
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-1000001", "BL-000041")
    NumberingFloor.create(number=2_000_000, mails_scanned=0, created_at=NOW)  # from before prefixes: every one's
    assert (record.next_tag("KB"), record.next_tag("BL")) == ("KB-2000001", "BL-2000001")


def test_one_mailbox_adopts_the_progress_written_before_mailboxes_were_told_apart(tmp_path):
    open_database(tmp_path / "mailproc.db")
    FolderState.create(mailbox="", folder="INBOX", uidvalidity=7, last_uid=12)
    MovedCount.create(mailbox="", folder="Processed", mails=12)
    record.adopt_progress("KB")
    assert record.folder_state("KB", "INBOX", 7).last_uid == 12 and record.mails_moved("KB", "Processed") == 12
    assert record.folder_state("BL", "INBOX", 7).last_uid == 0 and record.mails_moved("BL", "Processed") is None
    record.advance_folder("BL", "INBOX", 3)
    assert (record.folder_state("KB", "INBOX", 7).last_uid, record.folder_state("BL", "INBOX", 7).last_uid) == (12, 3)
