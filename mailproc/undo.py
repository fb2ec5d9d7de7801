"""Undoing what the desk did to one mail, after an admin fixed the cause (edge: IMAP, database).

A quarantined mail goes back to the folder it was polled from and its quarantine record
is forgotten, so the next poll processes it afresh (once: poison again, it is quarantined
again). A refused or held outgoing mail goes back to the outbox.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from mailproc import fetch
from mailproc.cycle import one_poller
from mailproc.desk import Desk
from mailproc.errors import MailprocError
from mailproc.store import db, record
from mailproc.store.models import Outbox, Quarantined, database
from mailproc.store.queries import STUCK

log = logging.getLogger(__name__)


def retry_quarantined(desks: Sequence[Desk], quarantined_id: int) -> str:
    """Move the mail back (to the mailbox it came from) and forget its record, in one step: a
    failed move forgets nothing."""
    row = Quarantined.get_or_none(Quarantined.id == quarantined_id)
    if row is None:
        raise MailprocError(f"no quarantined mail {quarantined_id} (see `mailproc quarantine list`)")
    desk = next((desk for desk in desks if desk.mailbox == row.mailbox), None)
    if desk is None:
        raise MailprocError(f"quarantined mail {quarantined_id} came from mailbox {row.mailbox}, which the config "
                            "no longer has: put it back by hand")
    mb = desk.settings.mailbox
    with one_poller(desk.settings.database, [db.poller_key(mb)]), fetch.connect(mb, desk.secrets.imap_password) as imap:
        imap.select(mb.quarantine_folder)
        uid = imap.find(row.raw_sha256, row.message_id)
        with database.atomic():
            record.forget_quarantined(row.id)
            if uid is not None:
                imap.move([uid], row.folder)
                where = f"moved from {mb.quarantine_folder} back to {row.folder}"
            else:  # deleted from the quarantine folder by hand: the desk kept a copy
                imap.append(row.folder, desk.blobs.get(row.raw_sha256), row.arrived_at)
                where = f"not found in {mb.quarantine_folder}; the stored copy was put back in {row.folder}"
    log.info("quarantined mail %d (message-id %s) %s", row.id, row.message_id or "-", where)
    return f"quarantined mail {row.id} {where}: the next poll processes it afresh"


def retry_outbox(row_id: int) -> str:
    row = Outbox.get_or_none(Outbox.id == row_id)
    if row is None or row.status not in STUCK:
        state = f"is {row.status}" if row else "does not exist"
        raise MailprocError(f"outbox row {row_id} {state}: only {' or '.join(STUCK)} rows can be retried "
                            "(see `mailproc outbox list`)")
    record.release_outbox(row.id)
    log.info("outbox row %d (%s, last error: %s) released to pending", row.id, row.status, row.last_error or "-")
    return f"outbox row {row.id} to {', '.join(row.rcpt_to)} goes out with the next send"
