"""Schema versions and the ordered migrations between them (peewee's playhouse.migrate).

The version is SQLite's ``user_version``; on PostgreSQL, the one row of the table ``schema_version``.
Version 1 is the schema of the first releases, which recorded no version (0 on disk). Each later
version has one migration in MIGRATIONS, applied in order; `store.db.open_database` copies an SQLite
database file first and refuses a database newer than this program. A migration changes tables of
the version before it. Tables a database lacks (new in some version) are created after the
migrations with their current definition, so a migration passes over a table that is absent: the
created one has its change already.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import peewee
from playhouse.migrate import Operation, SchemaMigrator, migrate

from mailproc.errors import MailprocError
from mailproc.store.models import ALL_MODELS

Migration = Callable[[SchemaMigrator, set[str]], list[Operation]]
VERSION_TABLE = "schema_version"  # PostgreSQL only
UPGRADE_LOCK = 0x6D61696C73636D61  # PostgreSQL advisory lock key of upgrades: b"mailscma"


def _tickets_by_account(migrator: SchemaMigrator, tables: set[str]) -> list[Operation]:
    """2: an index for `tickets --account`."""
    return [migrator.add_index("ticket", ("account_id",))] if "ticket" in tables else []


def _mailboxes(migrator: SchemaMigrator, tables: set[str]) -> list[Operation]:
    """3: several mailboxes. Folder progress, moved counts and quarantined mail are kept per mailbox
    (rows from before have mailbox "": a desk of one mailbox adopts them); numbering floors per
    tag prefix (those from before, null, hold for every prefix). A table that has the column
    already was created with it."""
    def lacks(table: str, column: str) -> bool:
        return table in tables and column not in {c.name for c in migrator.database.get_columns(table)}

    operations = []
    for table in ("folderstate", "movedcount", "quarantined"):
        if lacks(table, "mailbox"):
            operations.append(migrator.add_column(table, "mailbox", peewee.CharField(default="")))
            if table != "quarantined":  # one row per folder becomes one per mailbox and folder
                operations += [migrator.drop_index(table, f"{table}_folder"),
                               migrator.add_index(table, ("mailbox", "folder"), unique=True)]
    if lacks("numberingfloor", "tag_prefix"):
        operations.append(migrator.add_column("numberingfloor", "tag_prefix", peewee.CharField(null=True)))
    return operations


def _next_checks(migrator: SchemaMigrator, tables: set[str]) -> list[Operation]:
    """4: `ticket.escalation_due`, indexed, so that the deadline check of a cycle reads only the
    tickets near a deadline. Filled with the earlier running deadline; a ticket whose breach was
    already escalated gets its true value at the next check (escalate.py). And indexes for the
    waiting-on-client check (chase.py) and for the automatic replies of the day (store/record.py).
    A table that has them already was created with them."""
    db = migrator.database
    fill = peewee.SQL(
        "UPDATE ticket SET escalation_due = CASE WHEN first_response_at IS NULL AND first_response_due IS NOT NULL"
        " AND (resolution_due IS NULL OR first_response_due < resolution_due) THEN first_response_due"
        " ELSE resolution_due END WHERE status IN ('new', 'open')")
    operations = []
    if "ticket" in tables and "escalation_due" not in {c.name for c in db.get_columns("ticket")}:
        operations += [migrator.add_column("ticket", "escalation_due", peewee.TextField(null=True)),
                       Operation(migrator, lambda _: fill),
                       migrator.add_index("ticket", ("escalation_due",)),
                       migrator.add_index("ticket", ("status", "waiting_since"))]
    if "message" in tables and "message_kind_date" not in {i.name for i in db.get_indexes("message")}:
        operations.append(migrator.add_index("message", ("kind", "date")))
    return operations


def _last_numbers(migrator: SchemaMigrator, tables: set[str]) -> list[Operation]:
    """5: the table `lastnumber` (created after the migrations). Nothing to change: a prefix's row is
    made from its tickets and floors when it numbers its next ticket. The version keeps an older
    mailproc, which would number from the tags alone, away from a database that counts."""
    return []


MIGRATIONS: tuple[Migration, ...] = (_tickets_by_account, _mailboxes, _next_checks, _last_numbers)  # MIGRATIONS[n] upgrades version n + 1 to n + 2
CURRENT = 1 + len(MIGRATIONS)


class SchemaTooNewError(MailprocError):
    """The database was written by a newer mailproc; this one would misread it."""


def _is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase)


def desk_tables(db: peewee.Database) -> list[str]:
    """The tables of the desk, without the version's own."""
    return [table for table in db.get_tables() if table != VERSION_TABLE]


def _stored(db: peewee.Database) -> int:
    if _is_sqlite(db):
        return db.pragma("user_version")
    if VERSION_TABLE not in db.get_tables():
        return 0
    row = db.execute_sql(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    return row[0] if row else 0


def _store(db: peewee.Database, version: int) -> None:
    if _is_sqlite(db):
        db.pragma("user_version", version)
        return
    db.execute_sql(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer NOT NULL)")
    db.execute_sql(f"DELETE FROM {VERSION_TABLE}")
    db.execute_sql(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (version,))


def version(db: peewee.Database) -> int:
    """The schema version of an open database; 0 for an empty one."""
    if not desk_tables(db):
        return 0
    return max(_stored(db), 1)  # tables but no version: written before versions were kept


def check_not_newer(db: peewee.Database, where: str) -> None:
    if (found := version(db)) > CURRENT:
        raise SchemaTooNewError(
            f"database {where} has schema version {found}, this mailproc knows versions up to {CURRENT}: "
            "run the newer mailproc that wrote it, or restore the copy taken before that upgrade "
            "(README, \"Upgrading\")")


@contextlib.contextmanager
def _alone(db: peewee.Database) -> Iterator[None]:
    """One transaction that a second process upgrading at the same moment waits for; it then finds
    nothing to do (SQLite: IMMEDIATE; PostgreSQL: an advisory lock held to the commit)."""
    if _is_sqlite(db):
        with db.atomic(lock_type="IMMEDIATE"):
            yield
        return
    with db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK,))
        yield


def apply(db: peewee.Database) -> int:
    """Bring an open database to CURRENT in one transaction, creating what is missing; returns the
    version it had."""
    with _alone(db):
        found = version(db)
        if found:
            tables = set(desk_tables(db))
            for migration in MIGRATIONS[found - 1:]:
                migrate(*migration(SchemaMigrator.from_database(db), tables))
        db.create_tables(ALL_MODELS, safe=True)
        _store(db, CURRENT)
    return found
