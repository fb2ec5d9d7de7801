"""support.previous_token_secrets_env: earlier token secrets are read from the environment, by name."""
from pathlib import Path

import pytest

from mailproc.config import load_settings, read_secrets
from mailproc.errors import ConfigError

ENV = {"MAILPROC_IMAP_PASSWORD": "imap-pw", "MAILPROC_TOKEN_SECRET": "current"}


def _settings(tmp_path: Path, line: str):
    path = tmp_path / "config.toml"
    path.write_text(f"[support]\n{line}\n", encoding="utf-8")
    return load_settings(path)


def test_no_previous_secrets_by_default(tmp_path):
    settings = _settings(tmp_path, "")
    assert settings.support.previous_token_secrets_env == ()
    assert read_secrets(settings, ENV).previous_token_secrets == ()


def test_previous_secrets_are_read_in_order(tmp_path):
    settings = _settings(tmp_path, 'previous_token_secrets_env = ["TOKEN_2025", "TOKEN_2024"]')
    secrets = read_secrets(settings, {**ENV, "TOKEN_2025": "s2025", "TOKEN_2024": "s2024"})
    assert (secrets.token_secret, secrets.previous_token_secrets) == (b"current", (b"s2025", b"s2024"))


def test_a_listed_variable_that_is_not_set_is_named(tmp_path):
    settings = _settings(tmp_path, 'previous_token_secrets_env = ["TOKEN_2025", "TOKEN_2024"]')
    with pytest.raises(ConfigError) as caught:
        read_secrets(settings, {**ENV, "TOKEN_2025": "s2025"})
    assert caught.value.problems == [
        "support.previous_token_secrets_env: environment variable TOKEN_2024 is not set "
        "(set it to the earlier secret, or take it off the list once its tokens may lapse)"]


@pytest.mark.parametrize("value", ['"TOKEN_2025"', '["not a name"]', '[""]', "[1]"],
                         ids=["not a list", "not a variable name", "empty name", "a number"])
def test_bad_values_are_reported_with_the_key(tmp_path, value):
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, f"previous_token_secrets_env = {value}")
    assert caught.value.problems[0].startswith("support.previous_token_secrets_env: expected a list of NAMES")
