"""`mailproc db copy`: every table of one desk's database into another, empty one (SQLite to
PostgreSQL), with the row counts of both compared before the copy is committed."""
from __future__ import annotations

import peewee

from mailproc.errors import MailprocError
from mailproc.store import migrations
from mailproc.store.models import ALL_MODELS

CHUNK = 500  # rows read and written at a time: a table of large mails never sits in memory whole


class CopyRefusedError(MailprocError):
    pass


def _counts(db: peewee.Database) -> dict[str, int]:
    with db.bind_ctx(ALL_MODELS, bind_refs=False, bind_backrefs=False):
        return {model._meta.table_name: model.select().count() for model in ALL_MODELS}


def copy_desk(source: peewee.Database, target: peewee.Database, target_name: str) -> dict[str, int]:
    """Copy every row, keeping ids (tags and references stay as they were); returns the rows per table.

    Refuses a target holding any row; a failure or a count that differs leaves the target as it was."""
    if migrations.desk_tables(target):
        held = {table: n for table, n in _counts(target).items() if n}
        if held:
            raise CopyRefusedError(
                f"database {target_name} is not empty ({', '.join(f'{n} {t}' for t, n in held.items())}): "
                "copy into a new, empty database")
    with target.atomic(), source.atomic():  # source: one consistent snapshot
        with target.bind_ctx(ALL_MODELS, bind_refs=False, bind_backrefs=False):
            migrations.apply(target)
        for model in ALL_MODELS:  # in the order of their references
            _copy_table(model, source, target)
        if isinstance(target, peewee.PostgresqlDatabase):
            for model in ALL_MODELS:  # new rows are numbered after the copied ones
                table = model._meta.table_name
                target.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                   f"COALESCE(MAX(id), 0) + 1, false) FROM \"{table}\"")
        copied, found = _counts(source), _counts(target)
        if copied != found:
            raise MailprocError(f"copy to {target_name} rolled back: rows per table differ, "
                                f"source {copied}, target {found}")
    return copied


def _copy_table(model: type[peewee.Model], source: peewee.Database, target: peewee.Database) -> None:
    fields = model._meta.sorted_fields
    last = None
    while True:
        with source.bind_ctx([model], bind_refs=False, bind_backrefs=False):
            query = model.select(*fields).order_by(model.id).limit(CHUNK)
            rows = list((query.where(model.id > last) if last is not None else query).tuples())
        if not rows:
            return
        with target.bind_ctx([model], bind_refs=False, bind_backrefs=False):
            model.insert_many(rows, fields=fields).execute()
        last = rows[-1][0]
