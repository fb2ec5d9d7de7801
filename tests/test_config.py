"""config.toml loading, validation and secrets (mailproc.config)."""

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailproc.config import SCHEMA, config_path, load_settings, read_secrets
from mailproc.errors import ConfigError
from mailproc.defaults import AttachmentLimits

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "config.toml"
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECRETS_ENV = {"MAILPROC_IMAP_PASSWORD": "imap-pw", "MAILPROC_TOKEN_SECRET": "token-secret"}


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def attr(settings, dotted: str):
    for name in dotted.split("."):
        settings = getattr(settings, name)
    return settings


DEFAULTS = [
    ("mailbox.host", "127.0.0.1"),
    ("mailbox.port", 143),
    ("mailbox.security", "none"),
    ("mailbox.user", "support@example.test"),
    ("mailbox.password_env", "MAILPROC_IMAP_PASSWORD"),
    ("mailbox.folder", "INBOX"),
    ("mailbox.processed_folder", "Processed"),
    ("mailbox.quarantine_folder", "Quarantine"),
    ("mailbox.poll_seconds", 30),
    ("mailbox.idle", True),
    ("mailbox.batch_size", 50),
    ("mailbox.timeout_seconds", 30.0),
    ("smtp.host", "127.0.0.1"),
    ("smtp.port", 25),
    ("smtp.security", "none"),
    ("smtp.user", ""),
    ("smtp.password_env", "MAILPROC_SMTP_PASSWORD"),
    ("smtp.timeout_seconds", 30.0),
    ("smtp.retry_max_seconds", 900),
    ("support.address", "support@example.test"),
    ("support.name", "Support"),
    ("support.tag_prefix", "KB"),
    ("support.agents", ("agent1@example.test",)),
    ("support.token_secret_env", "MAILPROC_TOKEN_SECRET"),
    ("support.max_auto_replies_per_day", 3),
    ("support.message_id_domain", "example.test"),
    ("database.url", "sqlite:///mailproc.db"),
    ("hours.timezone", ZoneInfo("Europe/Moscow")),
    ("hours.open", dt.time(7, 0)),
    ("hours.close", dt.time(19, 0)),
    ("hours.days", ALL_DAYS),
    ("hours.weekdays", frozenset(range(7))),
    ("hours.closed_dates", frozenset()),
    ("hours.open_dates", frozenset()),
    ("sla.first_response_minutes", 30),
    ("sla.critical_in_hours_minutes", 120),
    ("sla.critical_out_of_hours_minutes", 240),
    ("templates.default_language", "ru"),
    ("attachments.accepted_formats", ("jpeg", "png", "gif")),
    ("attachments.max_file_mb", 20.0),
    ("attachments.max_total_mb", 30.0),
    ("attachments.max_pixels", 64_000_000),
    ("attachments.mention_other_files", False),
    ("attachments.limits", AttachmentLimits()),
]


@pytest.mark.parametrize(("key", "expected"), DEFAULTS, ids=[key for key, _ in DEFAULTS])
def test_empty_file_takes_the_default(tmp_path, key, expected):
    assert attr(load_settings(write(tmp_path, "")), key) == expected


def test_empty_file_puts_files_next_to_it_and_uses_the_shipped_templates(tmp_path):
    settings = load_settings(write(tmp_path, ""))
    assert settings.source == tmp_path / "config.toml"
    assert settings.database.path == tmp_path / "mailproc.db"
    assert settings.database.data_dir == tmp_path / "mailproc-data"
    assert settings.templates.directory == REPO / "templates"


def test_settings_are_frozen(tmp_path):
    settings = load_settings(write(tmp_path, ""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.mailbox.port = 993


def test_shipped_config_loads_with_the_regulation_hours_and_sla():
    settings = load_settings(SHIPPED_CONFIG)
    assert settings.source == SHIPPED_CONFIG
    assert settings.templates.directory == REPO / "templates"
    assert settings.database.path == REPO / "mailproc.db"
    assert (settings.hours.timezone, settings.hours.open, settings.hours.close, settings.hours.days) == (
        ZoneInfo("Europe/Moscow"), dt.time(7, 0), dt.time(19, 0), ALL_DAYS)
    assert dataclasses.astuple(settings.sla) == (30, 120, 240, 10, 3, 4, "on_call", ())


@pytest.mark.parametrize("section", list(SCHEMA))
def test_shipped_config_shows_every_key_of(section):
    shipped = tomllib.loads(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    assert sorted(shipped.get(section, {})) == sorted(SCHEMA[section])


BAD = [
    ("port is not a number", '[mailbox]\nport = "abc"', 'mailbox.port: expected an integer 1-65535, got "abc"'),
    ("port 0", "[mailbox]\nport = 0", "mailbox.port: expected an integer 1-65535, got 0"),
    ("port above 65535", "[smtp]\nport = 70000", "smtp.port: expected an integer 1-65535, got 70000"),
    ("port as a float", "[mailbox]\nport = 143.0", "mailbox.port: expected an integer 1-65535, got 143.0"),
    ("security tls", '[smtp]\nsecurity = "tls"',
     'smtp.security: expected one of "none", "starttls", "ssl", got "tls"'),
    ("typo in a key", "[mailbox]\nprot = 993",
     'mailbox.prot: unknown key (did you mean "port"? known: host, port,'),
    ("typo in a section", "[mailbx]\nport = 993",
     'mailbx: unknown section (did you mean "mailbox"? known: mailbox,'),
    ("section that is not a table", "mailbox = 993", "mailbox: expected a table [mailbox], got 993"),
    ("unknown time zone", '[hours]\ntimezone = "Moscow"', 'hours.timezone: expected a time zone name'),
    ("close before open", '[hours]\nopen = "09:00"\nclose = "08:00"',
     'hours.close: expected a time after hours.open (09:00), got "08:00"'),
    ("close equal to open", '[hours]\nopen = "09:00"\nclose = "09:00"', "hours.close: expected a time after"),
    ("time without a colon", '[hours]\nopen = "7am"', 'hours.open: expected a time "HH:MM" (00:00-23:59), got "7am"'),
    ("hour 24", '[hours]\nclose = "24:00"', 'hours.close: expected a time "HH:MM"'),
    ("weekday spelled out", '[hours]\ndays = ["monday"]', 'hours.days: expected a non-empty list of mon, tue,'),
    ("no working days", "[hours]\ndays = []", "hours.days: expected a non-empty list of mon, tue,"),
    ("closed date written the Russian way", '[hours]\nclosed_dates = ["31.12.2026"]',
     'hours.closed_dates: expected a list of dates "YYYY-MM-DD" (may be empty), got ["31.12.2026"]'),
    ("open date that does not exist", '[hours]\nopen_dates = ["2026-02-30"]',
     'hours.open_dates: expected a list of dates "YYYY-MM-DD" (may be empty), got ["2026-02-30"]'),
    ("closed dates as one string", '[hours]\nclosed_dates = "2026-12-31"',
     'hours.closed_dates: expected a list of dates "YYYY-MM-DD" (may be empty), got "2026-12-31"'),
    ("open date with a time of day", "[hours]\nopen_dates = [2026-11-28T10:00:00]",
     'hours.open_dates: expected a list of dates "YYYY-MM-DD" (may be empty), got [2026-11-28 10:00:00]'),
    ("address without @", '[support]\naddress = "support.example.test"', "support.address: expected an email address"),
    ("agent address with a space", '[support]\nagents = ["agent one@example.test"]',
     'support.agents: expected a non-empty list of email addresses, got ["agent one@example.test"]'),
    ("agents as a string", '[support]\nagents = "agent1@example.test"', "support.agents: expected a non-empty list"),
    ("support address among the agents", '[support]\nagents = ["Support@example.test"]',
     "support.agents: expected addresses other than support.address"),
    ("tag prefix with a dash", '[support]\ntag_prefix = "K-B"',
     'support.tag_prefix: expected 1-10 letters or digits, got "K-B"'),
    ("tag prefix too long", '[support]\ntag_prefix = "ABCDEFGHIJK"',
     "support.tag_prefix: expected 1-10 letters or digits"),
    ("empty tag prefix", '[support]\ntag_prefix = ""', "support.tag_prefix: expected 1-10 letters or digits"),
    ("negative poll_seconds", "[mailbox]\npoll_seconds = -5", "mailbox.poll_seconds: expected an integer >= 1, got -5"),
    ("boolean poll_seconds", "[mailbox]\npoll_seconds = true",
     "mailbox.poll_seconds: expected an integer >= 1, got true"),
    ("idle as a word", '[mailbox]\nidle = "auto"', 'mailbox.idle: expected true or false, got "auto"'),
    ("zero timeout", "[smtp]\ntimeout_seconds = 0", "smtp.timeout_seconds: expected a number > 0, got 0"),
    ("negative auto-reply cap", "[support]\nmax_auto_replies_per_day = -1",
     "support.max_auto_replies_per_day: expected an integer >= 0, got -1"),
    ("password written where its variable's name goes", '[mailbox]\npassword_env = "s3cr3t!"',
     "mailbox.password_env: expected the NAME of an environment variable"),
    ("password in the PostgreSQL url", '[database]\nurl = "postgresql://desk:s3cr3t@db/mailproc"',
     'database.url: expected "sqlite:///PATH" or "postgresql://USER@HOST:PORT/NAME" (no password in it'),
    ("unknown database", '[database]\nurl = "mysql://db/mailproc"', 'database.url: expected "sqlite:///PATH" or'),
    ("processed folder is the polled folder", '[mailbox]\nprocessed_folder = "INBOX"',
     'mailbox.processed_folder: expected a folder other than mailbox.folder, got "INBOX"'),
    ("missing templates directory", '[templates]\ndirectory = "no-such-dir"',
     'templates.directory: expected an existing directory, got "no-such-dir"'),
    ("a sign-off for a language we do not answer in", '[support]\nsignature = { de = "Kundendienst" }',
     'support.signature: expected sign-offs by reply language, e.g. {ru = "Служба поддержки kilbil", en = "kilbil '
     'Support"} (languages: ru, en), or one string for all, got a table'),
    ("an empty sign-off", '[support]\nsignature = ""', 'support.signature: expected sign-offs by reply language'),
    ("language de", '[templates]\ndefault_language = "de"',
     'templates.default_language: expected one of "ru", "en", got "de"'),
    ("empty host", '[smtp]\nhost = ""', 'smtp.host: expected a non-empty string, got ""'),
    ("accepted format not judged by content", '[attachments]\naccepted_formats = ["png", "heic"]',
     'attachments.accepted_formats: expected a non-empty list of "jpeg", "png", "gif", got ["png", "heic"]'),
    ("no accepted format", "[attachments]\naccepted_formats = []",
     'attachments.accepted_formats: expected a non-empty list of "jpeg", "png", "gif", got []'),
    ("file size zero", "[attachments]\nmax_file_mb = 0", "attachments.max_file_mb: expected a number > 0, got 0"),
    ("total size as text", '[attachments]\nmax_total_mb = "30 MB"',
     'attachments.max_total_mb: expected a number > 0, got "30 MB"'),
    ("pixel limit above what the decoder honours", "[attachments]\nmax_pixels = 100000000",
     "attachments.max_pixels: expected an integer 1-89478485, got 100000000"),
    ("mention_other_files as a string", '[attachments]\nmention_other_files = "yes"',
     'attachments.mention_other_files: expected true or false, got "yes"'),
    ("unknown handling of critical problems outside hours", '[sla]\ncritical_out_of_hours = "pager"',
     'sla.critical_out_of_hours: expected one of "on_call", "next_opening", got "pager"'),
    ("on-call address that is not an address", '[sla]\non_call = ["duty"]',
     'sla.on_call: expected a list of email addresses (may be empty), got ["duty"]'),
    ("on-call address that is no agent", '[support]\nagents = ["a@desk.test"]\n[sla]\non_call = ["B@desk.test"]',
     'sla.on_call: expected addresses listed in support.agents, got ["b@desk.test"]'),
]


@pytest.mark.parametrize(("toml", "expected"), [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_value_is_reported_by_its_key(tmp_path, toml, expected):
    problems = problems_of(write(tmp_path, toml))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]


def test_spec_example_message_is_exact(tmp_path):
    assert problems_of(write(tmp_path, '[mailbox]\nport = "abc"\n')) == [
        'mailbox.port: expected an integer 1-65535, got "abc"']


def test_all_problems_are_reported_together(tmp_path):
    path = write(tmp_path, '[mailbox]\nport = "abc"\nprot = 1\n[hours]\nclose = "06:00"\n'
                           '[support]\ntag_prefix = "K-B"\n[nosuch]\n')
    keys = [problem.split(":", 1)[0] for problem in problems_of(path)]
    assert sorted(keys) == ["hours.close", "mailbox.port", "mailbox.prot", "nosuch", "support.tag_prefix"]


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, '[mailbox]\nhost = "127.0.0.1"\nport = = 143\n')
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: TOML syntax error:")
    assert "line 3, column" in problem


def test_missing_file_says_how_to_point_at_one(tmp_path):
    path = tmp_path / "absent.toml"
    assert problems_of(path) == [
        f"config file not found: {path} (pass --config PATH or set MAILPROC_CONFIG)"]


def test_relative_paths_are_resolved_against_the_config_dir_not_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "etc" / "my-templates").mkdir(parents=True)
    path = write(tmp_path, '[database]\nurl = "sqlite:///db/tickets.db"\ndata_dir = "../var"\n'
                           '[templates]\ndirectory = "my-templates"\n', name="etc/config.toml")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("etc/config.toml"))
    assert settings.source == path
    assert settings.database.path == tmp_path / "etc" / "db" / "tickets.db"
    assert settings.database.data_dir == tmp_path / "var"
    assert settings.templates.directory == tmp_path / "etc" / "my-templates"


def test_absolute_database_path_is_kept(tmp_path):
    path = write(tmp_path, f'[database]\nurl = "sqlite:///{tmp_path}/elsewhere/m.db"\n', name="sub/config.toml")
    assert load_settings(path).database.path == tmp_path / "elsewhere" / "m.db"


def test_templates_next_to_the_config_win_over_the_shipped_ones(tmp_path):
    (tmp_path / "templates").mkdir()
    assert load_settings(write(tmp_path, "")).templates.directory == tmp_path / "templates"


NORMALISED = [
    ("agents are lower-cased", '[support]\nagents = ["Agent1@Example.TEST", "b@example.test"]',
     "support.agents", ("agent1@example.test", "b@example.test")),
    ("days kept in week order", '[hours]\ndays = ["fri", "mon"]', "hours.days", ("mon", "fri")),
    ("weekdays as numbers", '[hours]\ndays = ["sun", "mon"]', "hours.weekdays", frozenset({0, 6})),
    ("TOML local time accepted", "[hours]\nopen = 08:30:00", "hours.open", dt.time(8, 30)),
    ("closed dates as a set of dates, TOML dates accepted", '[hours]\nclosed_dates = ["2026-12-31", 2027-01-01]',
     "hours.closed_dates", frozenset({dt.date(2026, 12, 31), dt.date(2027, 1, 1)})),
    ("Message-ID domain follows the address", '[support]\naddress = "help@desk.example.test"',
     "support.message_id_domain", "desk.example.test"),
    ("Message-ID domain set explicitly", '[support]\nmessage_id_domain = "mail.example.test"',
     "support.message_id_domain", "mail.example.test"),
    ("integer timeout becomes float", "[mailbox]\ntimeout_seconds = 5", "mailbox.timeout_seconds", 5.0),
    ("accepted formats deduplicated, in canonical order", '[attachments]\naccepted_formats = ["png", "jpeg", "png"]',
     "attachments.accepted_formats", ("jpeg", "png")),
    ("limits in bytes for the classifier", "[attachments]\nmax_file_mb = 2.5\nmax_total_mb = 10",
     "attachments.limits", AttachmentLimits(max_file_bytes=2_621_440, max_total_bytes=10_485_760)),
    ("limits carry formats and pixels", '[attachments]\naccepted_formats = ["png"]\nmax_pixels = 1000',
     "attachments.limits", AttachmentLimits(accepted_formats=("png",), max_pixels=1000)),
]


@pytest.mark.parametrize(("toml", "key", "expected"), [row[1:] for row in NORMALISED],
                         ids=[row[0] for row in NORMALISED])
def test_values_are_normalised(tmp_path, toml, key, expected):
    assert attr(load_settings(write(tmp_path, toml)), key) == expected


SIGN_OFFS = [
    ("shipped: each language its own", "", "Служба поддержки kilbil", "kilbil Support"),
    ("only name set: it signs every language, as before", '[support]\nname = "Поддержка Уют"',
     "Поддержка Уют", "Поддержка Уют"),
    ("one string for every language", '[support]\nsignature = "Уют Support"', "Уют Support", "Уют Support"),
    ("a table", '[support]\nsignature = { ru = "Поддержка Уют", en = "Uyut Support" }', "Поддержка Уют",
     "Uyut Support"),
    ("a language left out: name", '[support]\nname = "Поддержка Уют"\nsignature = { en = "Uyut Support" }',
     "Поддержка Уют", "Uyut Support"),
    ("a language left out, name not set: the shipped one", '[support]\nsignature = { en = "Uyut Support" }',
     "Служба поддержки kilbil", "Uyut Support"),
]


@pytest.mark.parametrize(("toml", "ru", "en"), [row[1:] for row in SIGN_OFFS], ids=[row[0] for row in SIGN_OFFS])
def test_replies_are_signed_in_their_language(tmp_path, toml, ru, en):
    support = load_settings(write(tmp_path, toml)).support
    assert (support.sign_off("ru"), support.sign_off("en")) == (ru, en)
    assert bool(support.sign_off_warnings()) == (ru == en)  # check-config warns of one sign-off for every language


PRECEDENCE = [
    ("--config wins over the environment", "cli.toml", {"MAILPROC_CONFIG": "env.toml"}, Path("cli.toml")),
    ("environment when no --config", None, {"MAILPROC_CONFIG": "/etc/mailproc/env.toml"},
     Path("/etc/mailproc/env.toml")),
    ("empty environment variable is ignored", None, {"MAILPROC_CONFIG": ""}, Path("config.toml")),
    ("./config.toml otherwise", None, {}, Path("config.toml")),
]


@pytest.mark.parametrize(("cli", "environ", "expected"), [row[1:] for row in PRECEDENCE],
                         ids=[row[0] for row in PRECEDENCE])
def test_config_path_precedence(cli, environ, expected):
    assert config_path(cli, environ) == expected


def test_read_secrets_names_every_missing_variable(tmp_path):
    settings = load_settings(write(tmp_path, ""))
    with pytest.raises(ConfigError) as caught:
        read_secrets(settings, {"MAILPROC_IMAP_PASSWORD": ""})
    assert caught.value.problems == [
        "mailbox.password_env: environment variable MAILPROC_IMAP_PASSWORD is not set",
        "support.token_secret_env: environment variable MAILPROC_TOKEN_SECRET is not set",
    ]


def test_read_secrets_without_smtp_auth(tmp_path):
    secrets = read_secrets(load_settings(write(tmp_path, "")), SECRETS_ENV)
    assert (secrets.imap_password, secrets.smtp_password, secrets.token_secret) == ("imap-pw", None, b"token-secret")


def test_read_secrets_needs_the_smtp_password_when_smtp_user_is_set(tmp_path):
    settings = load_settings(write(tmp_path, '[smtp]\nuser = "mailer"\npassword_env = "MY_SMTP_PW"\n'))
    with pytest.raises(ConfigError) as caught:
        read_secrets(settings, SECRETS_ENV)
    assert caught.value.problems == ["smtp.password_env: environment variable MY_SMTP_PW is not set"]
    assert read_secrets(settings, {**SECRETS_ENV, "MY_SMTP_PW": "smtp-pw"}).smtp_password == "smtp-pw"
    assert read_secrets(settings, SECRETS_ENV, need_smtp_password=False).smtp_password is None


FAQ_OK = '[[faq]]\nid = "login"\ntitle_ru = "Вход"\ntitle_en = "Login"\nurl = "https://help.kilbil.ru/lk/login"\nphrases = ["войти"]\n'


def test_faq_entries_load_in_order(tmp_path):
    settings = load_settings(write(tmp_path, FAQ_OK + FAQ_OK.replace('"login"', '"password"')))
    assert [e.id for e in settings.faq] == ["login", "password"]
    assert settings.faq[0].phrases == ("войти",)


@pytest.mark.parametrize("text,expected", [
    (FAQ_OK.replace('url = "https://help.kilbil.ru/lk/login"\n', ""), "faq[1].url: missing"),
    (FAQ_OK.replace("https://help.kilbil.ru/lk/login", "help.kilbil.ru"), 'faq[1].url: expected an http(s) URL'),
    (FAQ_OK.replace('phrases = ["войти"]', "phrases = []"), "faq[1].phrases: expected a non-empty list"),
    (FAQ_OK + "colour = 1\n", "faq[1].colour: unknown key"),
    (FAQ_OK + FAQ_OK, 'faq[2].id: expected an id not used by another entry, got "login"'),
    ('faq = "login"\n', "faq: expected [[faq]] entries"),
], ids=["missing url", "url without scheme", "no phrases", "unknown key", "duplicate id", "not an array"])
def test_faq_problems_name_the_entry(tmp_path, text, expected):
    problems = problems_of(write(tmp_path, text))
    assert any(p.startswith(expected) for p in problems), problems


def test_account_id_patterns_need_one_group(tmp_path):
    [problem] = problems_of(write(tmp_path, "[accounts]\nid_patterns = ['ID (\\d+) (\\d+)']\n"))
    assert problem.startswith("accounts.id_patterns: expected regular expressions with one group")


def test_a_postgresql_url_names_no_file(tmp_path):
    url = "postgresql://desk@127.0.0.1:5432/mailproc"
    database = load_settings(write(tmp_path, f'[database]\nurl = "{url}"\npassword_env = "DESK_DB_PASSWORD"\n')).database
    assert (database.path, database.where, database.password_env) == (None, url, "DESK_DB_PASSWORD")
