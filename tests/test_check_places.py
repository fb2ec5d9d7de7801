"""check-config tries the directories the desk will write to: the database's and the data directory."""
from __future__ import annotations

SECRETS = {"MAILPROC_IMAP_PASSWORD": "secret", "MAILPROC_TOKEN_SECRET": "a-secret-long-enough-for-the-agents-tokens"}
DESK = '[mailbox]\nhost = "127.0.0.1"\n[smtp]\nport = 2525\n[support]\naddress = "help@kilbil.ru"\n'


def test_directories_that_cannot_be_written_are_named_by_their_key(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text(DESK + '[database]\nurl = "sqlite:////proc/mailproc/mailproc.db"\ndata_dir = "/proc/mailproc-data"\n')
    result = mailproc_cli(config, "check-config", check=False, env=SECRETS)
    assert result.returncode == 2 and result.stdout == ""
    assert "database.url: /proc/mailproc cannot be written" in result.stderr
    assert "database.data_dir: /proc/mailproc-data cannot be written" in result.stderr


def test_missing_directories_are_created_and_pass(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text(DESK + '[database]\nurl = "sqlite:///db/mailproc.db"\ndata_dir = "data/mails"\n')
    assert mailproc_cli(config, "check-config", env=SECRETS).stdout == f"{config}: ok\n"
    assert (tmp_path / "db").is_dir() and (tmp_path / "data/mails").is_dir()
    assert not list((tmp_path / "db").iterdir())  # the trial file is gone


def test_an_empty_file_or_a_missing_section_is_no_desk(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text("")
    result = mailproc_cli(config, "check-config", check=False, env=SECRETS)
    assert result.returncode == 2 and result.stdout == ""
    assert "mailbox: missing section [mailbox]; its defaults are only an example (IMAP support@example.test at " \
           "127.0.0.1:143)" in result.stderr
    assert "smtp: missing section [smtp]" in result.stderr and "support: missing section [support]" in result.stderr
    config.write_text(DESK.replace('[smtp]\nport = 2525\n', ""))
    result = mailproc_cli(config, "check-config", check=False, env=SECRETS)
    assert result.returncode == 2 and result.stderr.count("missing section") == 1 and "smtp:" in result.stderr


def test_example_addresses_are_warned_about(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text(DESK + '[database]\nurl = "sqlite:///mailproc.db"\n')
    result = mailproc_cli(config, "check-config", env=SECRETS)  # a trial desk still passes
    assert result.stdout == f"{config}: ok\n"
    assert "warning: mailbox.user: support@example.test is an example address" in result.stderr
    assert "warning: support.agents[1]: agent1@example.test is an example address" in result.stderr
    assert "support.address" not in result.stderr  # help@kilbil.ru: a real domain
