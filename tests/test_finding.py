"""Finding things: `tickets` headers and filters by client, account and words; `stats` per agent.
On the first-schema fixture database (tests/fixtures/schema_v1.py), upgraded as it opens."""
from __future__ import annotations

import pytest

from tests.test_upgrade import _desk


@pytest.mark.parametrize("filters,tags", [
    ([], ["KB-000001", "KB-000002", "KB-000003"]),
    (["--client", "Client@Example.test"], ["KB-000001", "KB-000003"]),
    (["--account", "ACC-1001"], ["KB-000001", "KB-000003"]),
    (["--search", "БАЛЛЫ"], ["KB-000003"]),  # the subject, any case, Cyrillic too
    (["--search", "сбросил пароль"], ["KB-000001"]),  # every word, from the texts of its mails
    (["--search", "пароль 502"], []),  # the words of two different tickets
    (["--client", "client@example.test", "--search", "payment"], []),
    (["--status", "new", "--search", "error 502"], ["KB-000002"]),
], ids=["all", "client", "account", "subject", "texts", "all-words", "client-and-words", "status-and-words"])
def test_tickets_found_by_client_account_and_words(tmp_path, mailproc_cli, filters, tags):
    config, _ = _desk(tmp_path)
    assert [t["tag"] for t in mailproc_cli(config, "tickets", "--json", *filters, json=True)] == tags
    text = mailproc_cli(config, "tickets", *filters).stdout.splitlines()
    assert text == (["no tickets"] if not tags else text)
    if tags:
        assert text[0].split()[:5] == ["TICKET", "STATUS", "PRIORITY", "CLIENT", "MSG"]
        assert [line.split()[0] for line in text[1:]] == tags


def test_quarantine_listing_has_headers_and_refuses_ticket_filters(tmp_path, mailproc_cli):
    config, _ = _desk(tmp_path)
    assert mailproc_cli(config, "tickets", "--status", "quarantined").stdout.startswith("UID ")
    refused = mailproc_cli(config, "tickets", "--status", "quarantined", "--client", "a@b.test", check=False)
    assert refused.returncode == 2 and "not quarantined mail" in refused.stderr


def test_stats_per_agent(tmp_path, mailproc_cli):
    config, _ = _desk(tmp_path)
    data = mailproc_cli(config, "stats", "--json", json=True)
    assert data["by_agent"] == [
        # KB-000001: agent1's answer 40 working minutes after the client's mail (12:00-12:40 Moscow)
        {"agent": "agent1@example.test", "answers": 1, "first_reactions": 1,
         "median_first_reaction_working_minutes": 40.0, "breaches": 0},
        # KB-000003 reacted to with no agent's mail on record; KB-000002 breached both deadlines, unassigned
        {"agent": None, "answers": 0, "first_reactions": 1, "median_first_reaction_working_minutes": 5.0,
         "breaches": 2}]
    lines = mailproc_cli(config, "stats").stdout.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("By agent"))
    assert lines[header].split()[2:] == ["ANSWERS", "FIRST", "REACTIONS", "MEDIAN", "(WORKING", "MIN)", "BREACHES"]
    assert [line.split() for line in lines[header + 1:header + 3]] == [
        ["agent1@example.test", "1", "1", "40", "0"], ["(no", "agent)", "0", "1", "5", "2"]]
    assert all(len(line) == len(lines[header]) for line in lines[header + 1:header + 3])  # columns aligned
