"""Malformed mail from mail in to mail out, against Dovecot and the SMTP relay."""
from __future__ import annotations

import email
import email.policy
import email.utils
import pathlib

FORMS = pathlib.Path(__file__).parent / "fixtures" / "forms"
AGENTS = {"agent1@example.test", "agent2@example.test"}


def test_encoded_display_name_cannot_make_a_bcc_line_the_client(mail, smtp_server, mailproc_config, mailproc_cli):
    """From: =?utf-8?b?...?= <me@attacker.test>, whose name decodes to "Name\\r\\nBcc: victim@evil.test"."""
    config = mailproc_config()
    mail.deliver((FORMS / "12-address-injection.eml").read_bytes(), mail_from="me@attacker.test")
    mailproc_cli(config, "poll")

    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert ticket["client"] == "me@attacker.test"
    sent = [(env.rcpt_tos, email.message_from_bytes(env.original_content, policy=email.policy.default))
            for env in smtp_server.envelopes]
    acks = [msg for rcpts, msg in sent if rcpts == ["me@attacker.test"]]
    assert len(acks) == 1 and "KB-000001" in acks[0]["Subject"]
    assert {r for rcpts, _ in sent for r in rcpts} == {"me@attacker.test"} | AGENTS
    for _, msg in sent:  # nor does any header we wrote name the victim as a recipient
        fields = [str(v) for name in ("To", "Cc", "Bcc") for v in msg.get_all(name, [])]
        named = {addr.lower() for _, addr in email.utils.getaddresses(fields)}
        assert "victim@evil.test" not in named and named <= {"me@attacker.test"} | AGENTS
