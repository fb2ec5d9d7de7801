"""Several mailboxes in one config: [[mailbox]] entries beside the single [mailbox] + [support] form."""
from __future__ import annotations

import pytest

from mailproc.config import load_settings, read_mailboxes_secrets
from mailproc.errors import ConfigError
from tests.test_config import problems_of, write

TWO = '''
[support]
agents = ["agent1@desk.test"]
reopen_days = 7

[sla]
on_call = ["agent1@desk.test", "agent2@desk.test"]

[[mailbox]]
user = "support@desk.test"
address = "support@desk.test"
tag_prefix = "KB"

[[mailbox]]
user = "billing@desk.test"
password_env = "BILLING_IMAP_PASSWORD"
address = "billing@desk.test"
name = "Billing"
tag_prefix = "BL"
agents = ["agent2@desk.test"]
default_language = "en"
'''


def test_the_single_form_is_its_one_mailbox(tmp_path):
    settings = load_settings(write(tmp_path, '[support]\naddress = "help@desk.test"\ntag_prefix = "HD"\n'))
    assert settings.mailboxes == () and settings.each_mailbox() == (settings,)
    assert settings.support.tag_prefix == "HD"


def test_each_entry_has_its_own_mailbox_address_prefix_agents_and_language(tmp_path):
    settings = load_settings(write(tmp_path, TWO))
    support, billing = settings.each_mailbox()
    assert (support.mailbox.user, support.support.address, support.support.tag_prefix) == (
        "support@desk.test", "support@desk.test", "KB")
    assert (billing.mailbox.user, billing.support.address, billing.support.tag_prefix) == (
        "billing@desk.test", "billing@desk.test", "BL")
    assert support.support.agents == ("agent1@desk.test",)  # [support]'s, where the entry sets none
    assert billing.support.agents == ("agent2@desk.test",)
    assert (support.templates.default_language, billing.templates.default_language) == ("ru", "en")
    assert billing.support.name == "Billing" and billing.support.message_id_domain == "desk.test"
    assert support.support.reopen_days == billing.support.reopen_days == 7  # shared keys stay shared
    assert (support.sla.on_call, billing.sla.on_call) == (("agent1@desk.test",), ("agent2@desk.test",))
    assert settings.mailbox == support.mailbox and settings.support == support.support  # the first one's
    assert (support.other_addresses, billing.other_addresses) == (("billing@desk.test",), ("support@desk.test",))


def test_each_mailbox_logs_in_with_its_own_password(tmp_path):
    settings = load_settings(write(tmp_path, TWO))
    env = {"MAILPROC_IMAP_PASSWORD": "one", "BILLING_IMAP_PASSWORD": "two", "MAILPROC_TOKEN_SECRET": "t"}
    assert [s.imap_password for s in read_mailboxes_secrets(settings, env)] == ["one", "two"]
    with pytest.raises(ConfigError) as caught:
        read_mailboxes_secrets(settings, {"MAILPROC_IMAP_PASSWORD": "one"})
    assert caught.value.problems == [  # each named once, a mailbox's own by its entry
        "support.token_secret_env: environment variable MAILPROC_TOKEN_SECRET is not set",
        "mailbox[2].password_env: environment variable BILLING_IMAP_PASSWORD is not set"]


ENTRY = '[[mailbox]]\nuser = "{user}@desk.test"\naddress = "{user}@desk.test"\ntag_prefix = "{prefix}"\n'


def _two(second: str, extra: str = "") -> str:
    return ENTRY.format(user="support", prefix="KB") + second + extra


@pytest.mark.parametrize(("toml", "expected"), [
    (_two(ENTRY.format(user="SUPPORT", prefix="BL").replace('user = "SUPPORT', 'user = "billing')),
     "mailbox[2].address: support@desk.test is mailbox[1]'s already"),
    (_two(ENTRY.format(user="billing", prefix="kb")), "mailbox[2].tag_prefix: KB is mailbox[1]'s already"),
    (_two(ENTRY.format(user="billing", prefix="BL").replace('user = "billing', 'user = "support')),
     "mailbox[2].folder: INBOX of support@desk.test at 127.0.0.1:143 is mailbox[1]'s already"),
    (_two('[[mailbox]]\nuser = "billing@desk.test"\ntag_prefix = "BL"\n'), "mailbox[2].address: missing"),
    (_two('[[mailbox]]\nuser = "billing@desk.test"\naddress = "billing@desk.test"\n'), "mailbox[2].tag_prefix: missing"),
    (_two(ENTRY.format(user="billing", prefix="BL") + "prot = 993\n"),
     'mailbox[2].prot: unknown key (did you mean "port"?'),
    (_two(ENTRY.format(user="billing", prefix="BL") + 'port = "abc"\n'),
     'mailbox[2].port: expected an integer 1-65535, got "abc"'),
    (_two(ENTRY.format(user="billing", prefix="BL") + 'processed_folder = "INBOX"\n'),
     'mailbox[2].processed_folder: expected a folder other than mailbox[2].folder'),
    (_two(ENTRY.format(user="billing", prefix="BL") + 'agents = ["billing@desk.test"]\n'),
     "mailbox[2].agents: expected addresses other than mailbox[2].address"),
    (_two(ENTRY.format(user="billing", prefix="BL") + 'agents = ["support@desk.test"]\n'),
     "mailbox[2].agents: support@desk.test is the address of mailbox[1]"),
    (_two(ENTRY.format(user="billing", prefix="BL"), '[support]\naddress = "help@desk.test"\n'),
     "support.address: set in each [[mailbox]] entry"),
    (_two(ENTRY.format(user="billing", prefix="BL"), '[sla]\non_call = ["nobody@desk.test"]\n'),
     'sla.on_call: expected addresses listed in some mailbox\'s agents, got ["nobody@desk.test"]'),
    ("mailbox = []\n", "mailbox: expected a table [mailbox], or [[mailbox]] entries"),
], ids=["same address", "same prefix in another case", "same polled folder", "no address", "no prefix",
        "unknown key", "bad value", "processed into the polled folder", "own address as agent",
        "another mailbox as agent", "address in the shared [support]", "on-call agent of no mailbox", "no entries"])
def test_a_mailbox_entry_problem_names_the_entry(tmp_path, toml, expected):
    problems = problems_of(write(tmp_path, toml))
    assert any(p.startswith(expected) for p in problems), problems
