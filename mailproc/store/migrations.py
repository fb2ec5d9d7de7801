"""Schema versions and the ordered migrations between them (peewee's playhouse.migrate).

The version is SQLite's ``user_version``. Version 1 is the schema of the first releases, which
recorded no version (0 on disk). Each later version has one migration in MIGRATIONS, applied in
order; `store.db.open_database` copies the database file first and refuses a database newer than
this program. A migration changes tables of the version before it. Tables a database lacks (new
in some version) are created after the migrations with their current definition, so a migration
passes over a table that is absent: the created one has its change already.
"""
from __future__ import annotations

from collections.abc import Callable

import peewee
from playhouse.migrate import Operation, SqliteMigrator, migrate

from mailproc.errors import MailprocError

Migration = Callable[[SqliteMigrator, set[str]], list[Operation]]


def _tickets_by_account(migrator: SqliteMigrator, tables: set[str]) -> list[Operation]:
    """2: an index for `tickets --account`."""
    return [migrator.add_index("ticket", ("account_id",))] if "ticket" in tables else []


def _mailboxes(migrator: SqliteMigrator, tables: set[str]) -> list[Operation]:
    """3: several mailboxes. Folder progress, moved counts and quarantined mail are kept per mailbox
    (rows from before have mailbox "": a desk of one mailbox adopts them); numbering floors per
    tag prefix (those from before, null, hold for every prefix)."""
    operations = []
    for table in ("folderstate", "movedcount", "quarantined"):
        if table in tables:
            operations.append(migrator.add_column(table, "mailbox", peewee.CharField(default="")))
            if table != "quarantined":  # one row per folder becomes one per mailbox and folder
                operations += [migrator.drop_index(table, f"{table}_folder"),
                               migrator.add_index(table, ("mailbox", "folder"), unique=True)]
    if "numberingfloor" in tables:
        operations.append(migrator.add_column("numberingfloor", "tag_prefix", peewee.CharField(null=True)))
    return operations


MIGRATIONS: tuple[Migration, ...] = (_tickets_by_account, _mailboxes)  # MIGRATIONS[n] upgrades version n + 1 to n + 2
CURRENT = 1 + len(MIGRATIONS)


class SchemaTooNewError(MailprocError):
    """The database was written by a newer mailproc; this one would misread it."""


def version(db: peewee.SqliteDatabase) -> int:
    """The schema version of an open database; 0 for an empty one."""
    if not db.get_tables():
        return 0
    return max(db.pragma("user_version"), 1)  # tables but no version: written before versions were kept


def check_not_newer(db: peewee.SqliteDatabase, path) -> None:
    if (found := version(db)) > CURRENT:
        raise SchemaTooNewError(
            f"database {path} has schema version {found}, this mailproc knows versions up to {CURRENT}: "
            "run the newer mailproc that wrote it, or restore the copy taken before that upgrade "
            "(README, \"Upgrading\")")


def apply(db: peewee.SqliteDatabase) -> int:
    """Bring an open database to CURRENT in one transaction; returns the version it had.

    IMMEDIATE: a second process upgrading at the same moment waits, then finds nothing to do."""
    with db.atomic(lock_type="IMMEDIATE"):
        found = version(db)
        tables = set(db.get_tables())
        for migration in MIGRATIONS[max(found, 1) - 1:]:
            migrate(*migration(SqliteMigrator(db), tables))
        db.pragma("user_version", CURRENT)
    return found
