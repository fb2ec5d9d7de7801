"""`mailproc accounts import FILE.csv` (§4.7, §5; SPEC §7): the accounts registry, all or nothing, through the real CLI."""
import os
import pathlib
import sqlite3
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADER = "account_id,name,status,partner,partner_contact\n"
GOOD = HEADER + ('12345,"ООО ""Ромашка"", Екатеринбург",active,,\n'
                 "23456,Кофейня Зерно,inactive,Партнёр-Урал,+7 343 000-00-00\n"
                 "0034567,Shop & Co,active,Retail Partners,partners@example.test\n")
GOOD_REGISTRY = {
    "12345": ('ООО "Ромашка", Екатеринбург', "active", "", ""),
    "23456": ("Кофейня Зерно", "inactive", "Партнёр-Урал", "+7 343 000-00-00"),
    "0034567": ("Shop & Co", "active", "Retail Partners", "partners@example.test"),
}


@pytest.fixture
def config(tmp_path) -> pathlib.Path:
    """An empty config.toml: every key has its default; the database lands next to it."""
    path = tmp_path / "desk" / "config.toml"
    path.parent.mkdir()
    path.write_text("")
    return path


def _import(config: pathlib.Path, data: bytes | str, name: str = "accounts.csv") -> subprocess.CompletedProcess:
    """Run the CLI from another directory, with no secrets in the environment."""
    csv_path = config.parent.parent / name
    csv_path.write_bytes(data.encode() if isinstance(data, str) else data)
    cwd = config.parent.parent / "elsewhere"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILPROC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "mailproc", "--config", str(config), "accounts", "import",
                           str(csv_path)], cwd=cwd, env=env, text=True, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=60)


def _registry(config: pathlib.Path) -> dict[str, tuple[str, str, str, str]]:
    db = config.parent / "mailproc.db"
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT account_id, name, status, partner, partner_contact FROM account").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _ok(result: subprocess.CompletedProcess, summary: str) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == summary


def test_good_file_is_imported_next_to_the_config_without_secrets(config):
    _ok(_import(config, GOOD), "imported 3 accounts: 3 new, 0 updated")
    assert _registry(config) == GOOD_REGISTRY
    assert not (config.parent.parent / "elsewhere" / "mailproc.db").exists()


SEMICOLON = GOOD.replace(",", ";").replace(';"";', ';').replace('"ООО ""Ромашка""; Екатеринбург"',
                                                                  '"ООО ""Ромашка"", Екатеринбург"')


@pytest.mark.parametrize("data", [
    "\ufeff" + SEMICOLON.replace("\n", "\r\n"),
    SEMICOLON,
    "\ufeff" + GOOD,
    "sep=;\r\n" + SEMICOLON.replace("\n", "\r\n"),
    "Status;Account ID;Partner;Partner_Contact;Name;Comment\n"
    'active;12345;;;"ООО ""Ромашка"", Екатеринбург";new\n'
    "INACTIVE;23456;Партнёр-Урал;+7 343 000-00-00;Кофейня Зерно;\n"
    "\n"
    " Active ; 0034567 ;Retail Partners;partners@example.test;Shop & Co;\n",
], ids=["Russian Excel: ';', BOM, CRLF", "';' without BOM", "',' with BOM", "Excel 'sep=;' first line",
        "columns in another order, other spelling and case, an extra column, a blank line, spaces"])
def test_file_variants_give_the_same_registry(config, data):
    _ok(_import(config, data.encode("utf-8")), "imported 3 accounts: 3 new, 0 updated")
    assert _registry(config) == GOOD_REGISTRY


def test_reimport_updates_and_adds_and_keeps_the_rest(config):
    _ok(_import(config, GOOD), "imported 3 accounts: 3 new, 0 updated")
    _ok(_import(config, HEADER + "23456,Кофейня Зерно,active,,\n99999,Новый клиент,active,,\n"),
        "imported 2 accounts: 1 new, 1 updated")
    assert _registry(config) == {**GOOD_REGISTRY, "23456": ("Кофейня Зерно", "active", "", ""),
                                 "99999": ("Новый клиент", "active", "", "")}
    _ok(_import(config, HEADER + "99999,Новый клиент,inactive,,\n"), "imported 1 account: 0 new, 1 updated")
    assert _registry(config)["99999"][1] == "inactive"


BAD = [
    # (what is wrong, file, what the admin is told)
    ("a status other than active/inactive", HEADER + "11111,A,active,,\n22222,B,paid,,\n",
     ['line 3: status: expected "active" or "inactive", got "paid"']),
    ("an empty status", HEADER + "11111,A,,,\n", ['line 2: status: expected "active" or "inactive", got ""']),
    ("an account ID with a dash", HEADER + "12-345,A,active,,\n",
     ['line 2: account_id: expected 4-10 digits, got "12-345"']),
    ("an account ID too short", HEADER + "11111,A,active,,\n123,B,active,,\n",
     ['line 3: account_id: expected 4-10 digits, got "123"']),
    ("an account ID too long", HEADER + "12345678901,A,active,,\n",
     ['line 2: account_id: expected 4-10 digits, got "12345678901"']),
    ("no account ID", HEADER + ",A,active,,\n", ['line 2: account_id: expected 4-10 digits, got ""']),
    ("the status column is missing", "account_id,name,partner,partner_contact\n11111,A,,\n",
     ["line 1: missing column status"]),
    ("no header row", "11111,A,active,,\n", ["line 1: missing columns account_id, name, status, partner, "
                                             "partner_contact"]),
    ("the same account twice", HEADER + "12345,A,active,,\n11111,B,active,,\n12345,C,inactive,,\n",
     ["line 4: account_id: 12345 is already on line 2"]),
    ("an unquoted comma in a name shifts the columns", HEADER + "11111,A,active,,\n22222,Shop, Inc,active,,\n",
     ["line 3: 6 values, but the header has 5 columns"]),
    ("a quote never closed", HEADER + '11111,"A,active,,\n22222,B,active,,\n', ["line 2: cannot read the CSV"]),
    ("a name over two lines: the next row's line is still right",
     HEADER + '11111,"Кафе\nна углу",active,,\n22222,B,pending,,\n',
     ['line 4: status: expected "active" or "inactive", got "pending"']),
    ("several problems: all reported at once", HEADER + "1,A,paid,,\n22222,B,active,,\n3,C,active,,\n",
     ["line 2: account_id", 'line 2: status: expected "active" or "inactive", got "paid"', "line 4: account_id"]),
    ("only a header", HEADER, ["line 1: no accounts below the header"]),
    ("an empty file", "", ["line 1: expected a header row"]),
]


@pytest.mark.parametrize("data,messages", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_file_is_reported_by_line_and_nothing_is_imported(config, data, messages):
    _ok(_import(config, GOOD, "before.csv"), "imported 3 accounts: 3 new, 0 updated")
    result = _import(config, data)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "nothing imported" in result.stderr
    for message in messages:
        assert message in result.stderr
    assert _registry(config) == GOOD_REGISTRY


def test_a_bad_file_never_creates_a_database(config):
    result = _import(config, HEADER + "11111,A,paid,,\n")
    assert result.returncode == 2
    assert not (config.parent / "mailproc.db").exists()


def test_a_file_that_is_not_utf8_names_its_line(config):
    result = _import(config, (HEADER + "11111,Ромашка,active,,\n").encode("cp1251"))
    assert result.returncode == 2
    assert "line 2: not UTF-8 text" in result.stderr and "CSV UTF-8" in result.stderr
    assert _registry(config) == {}


def test_a_missing_file_is_bad_usage(config, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mailproc", "--config", str(config), "accounts", "import",
                             str(tmp_path / "nope.csv")], cwd=ROOT, text=True, capture_output=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot read {tmp_path / 'nope.csv'}" in result.stderr
