"""check-config tries the directories the desk will write to: the database's and the data directory."""
from __future__ import annotations

SECRETS = {"MAILPROC_IMAP_PASSWORD": "secret", "MAILPROC_TOKEN_SECRET": "a-secret-long-enough-for-the-agents-tokens"}


def test_directories_that_cannot_be_written_are_named_by_their_key(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite:////proc/mailproc/mailproc.db"\ndata_dir = "/proc/mailproc-data"\n')
    result = mailproc_cli(config, "check-config", check=False, env=SECRETS)
    assert result.returncode == 2 and result.stdout == ""
    assert "database.url: /proc/mailproc cannot be written" in result.stderr
    assert "database.data_dir: /proc/mailproc-data cannot be written" in result.stderr


def test_missing_directories_are_created_and_pass(tmp_path, mailproc_cli):
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite:///db/mailproc.db"\ndata_dir = "data/mails"\n')
    assert mailproc_cli(config, "check-config", env=SECRETS).stdout == f"{config}: ok\n"
    assert (tmp_path / "db").is_dir() and (tmp_path / "data/mails").is_dir()
    assert not list((tmp_path / "db").iterdir())  # the trial file is gone
