"""§4.7, §5 — the accounts registry, imported from a CSV file (edge: reads the file, writes the database).

`mailproc accounts import FILE.csv` reads a file with a header row naming the columns
account_id, name, status, partner, partner_contact (any order; other columns are ignored),
in UTF-8 with or without a BOM, separated by "," or by ";" (what Russian Excel writes;
an Excel "sep=;" first line is understood too). Every row is checked before anything is
written: a file with any bad row is reported line by line and NOTHING is imported. A good
file is written in one transaction: rows are added or, for an account_id already in the
registry, updated (upsert); accounts not in the file are left as they are.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import pathlib
import re

import peewee

from mailproc.errors import MailprocError
from mailproc.store.models import Account, database

COLUMNS = ("account_id", "name", "status", "partner", "partner_contact")
STATUSES = ("active", "inactive")
ACCOUNT_ID = re.compile(r"[0-9]{4,10}")  # as mailproc.parse.account finds them in mail
MAX_PROBLEMS_SHOWN = 50
_BATCH = 100  # rows per INSERT: well under SQLite's limit of bound variables


class AccountsFileError(MailprocError):
    """The file cannot be imported, and nothing of it was; `problems` name the line and column of each."""

    def __init__(self, message: str, problems: list[str]):
        self.problems = list(problems)
        super().__init__(message)


def _bad_file(source: str, problems: list[str]) -> AccountsFileError:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    text = "\n".join(f"  {p}" for p in shown) + (f"\n  ... and {more} more" if more else "")
    return AccountsFileError(f"{source}: nothing imported, fix the file and import it again:\n{text}", problems)


@dataclasses.dataclass(frozen=True, slots=True)
class AccountRow:
    line: int  # where the row starts in the file, for messages
    account_id: str
    name: str
    status: str
    partner: str
    partner_contact: str


@dataclasses.dataclass(frozen=True, slots=True)
class Imported:
    new: int
    updated: int

    def __str__(self) -> str:
        total = self.new + self.updated
        return f"imported {total} account{'' if total == 1 else 's'}: {self.new} new, {self.updated} updated"


def _shown(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _column(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def parse_csv(data: bytes, source: str = "file") -> list[AccountRow]:
    """The rows of a registry file, all checked; AccountsFileError lists every problem. Pure."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _bad_file(source, [f"line {line}: not UTF-8 text (in Excel: Save As, \"CSV UTF-8\")"]) \
            from None
    first_line, _, rest = text.partition("\n")
    if sep := re.fullmatch(r"sep=(.)", first_line.strip(), re.IGNORECASE):  # Excel's delimiter hint
        delimiter, header_line, text = sep[1], 2, rest
    else:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        header_line = 1
    records = _records(text, delimiter, header_line, source)
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise _bad_file(source, [f"line {header_line}: expected a header row naming the columns "
                                         f"{', '.join(COLUMNS)}"])
    _, header = records[0]
    index = _header_index(header, header_line, source)
    problems: list[str] = []
    rows: list[AccountRow] = []
    seen: dict[str, int] = {}
    for line, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) > len(header):
            problems.append(f"line {line}: {len(cells)} values, but the header has {len(header)} columns "
                            f"(a value containing \"{delimiter}\" must be in double quotes)")
            continue
        values = {col: (cells[i] if i < len(cells) else "").strip() for col, i in index.items()}
        row_problems = []
        account_id = values["account_id"]
        if not ACCOUNT_ID.fullmatch(account_id):
            row_problems.append(f"line {line}: account_id: expected 4-10 digits, got {_shown(account_id)}")
        elif account_id in seen:
            row_problems.append(f"line {line}: account_id: {account_id} is already on line {seen[account_id]}")
        else:
            seen[account_id] = line
        status = values["status"].lower()
        if status not in STATUSES:
            row_problems.append(f"line {line}: status: expected \"active\" or \"inactive\", got "
                                f"{_shown(values['status'])}")
        problems += row_problems
        if not row_problems:
            rows.append(AccountRow(line=line, account_id=account_id, name=values["name"], status=status,
                                   partner=values["partner"], partner_contact=values["partner_contact"]))
    if problems:
        raise _bad_file(source, problems)
    if not rows:
        raise _bad_file(source, [f"line {header_line}: no accounts below the header"])
    return rows


def _records(text: str, delimiter: str, first_line: int, source: str) -> list[tuple[int, list[str]]]:
    """(line where the record starts, its cells); a value in quotes may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records, start = [], 1
    try:
        for cells in reader:
            records.append((start + first_line - 1, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _bad_file(source, [f"line {start + first_line - 1}: cannot read the CSV: {exc} "
                                         "(check the double quotes)"]) from None
    return records


def _header_index(header: list[str], line: int, source: str) -> dict[str, int]:
    """Column name -> its position; every column of COLUMNS must be there, once."""
    names = [_column(h) for h in header]
    problems = [f"line {line}: column {name} is given twice" for name in COLUMNS if names.count(name) > 1]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        problems.append(f"line {line}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                        f"(the header must name {', '.join(COLUMNS)}; found {', '.join(map(_shown, header))})")
    if problems:
        raise _bad_file(source, problems)
    return {name: names.index(name) for name in COLUMNS}


def read_file(path: pathlib.Path) -> list[AccountRow]:
    """The checked rows of a registry file; AccountsFileError when it cannot be read or is bad."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AccountsFileError(f"cannot read {path}: {reason}", [reason]) from None
    return parse_csv(data, str(path))


def store(rows: list[AccountRow], now: dt.datetime) -> Imported:
    """Add or update the rows in ONE transaction (the caller has opened the database)."""
    with database.atomic():
        existing = {account_id for (account_id,) in Account.select(Account.account_id).tuples()}
        for batch in peewee.chunked(rows, _BATCH):
            Account.insert_many([
                {"account_id": r.account_id, "name": r.name, "status": r.status, "partner": r.partner,
                 "partner_contact": r.partner_contact, "updated_at": now} for r in batch
            ]).on_conflict(conflict_target=[Account.account_id],
                           preserve=[Account.name, Account.status, Account.partner, Account.partner_contact,
                                     Account.updated_at]).execute()
    updated = sum(r.account_id in existing for r in rows)
    return Imported(new=len(rows) - updated, updated=updated)
