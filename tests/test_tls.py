"""IMAP over TLS (security = "ssl") and STARTTLS against Dovecot, with the certificate verified
against a configured CA file; a server whose certificate does not verify is refused."""
import pytest

from tests.mailfactory import make_mail


@pytest.mark.parametrize("security,port", [("ssl", "imaps_port"), ("starttls", "imap_port")],
                         ids=["implicit TLS (993-style)", "STARTTLS on the plain port"])
def test_poll_over_verified_tls(mail, mailstack, mailproc_config, mailproc_cli, security, port):
    config = mailproc_config(mailbox={"security": security, "port": getattr(mailstack, port),
                                      "ca_file": mailstack.imaps_cafile})
    mail.deliver(make_mail(from_="client@example.test", subject="TLS", body="Проверка защищённого соединения."))
    mailproc_cli(config, "poll")
    assert [t["subject"] for t in mailproc_cli(config, "tickets", "--json", json=True)] == ["TLS"]


def test_unverifiable_certificate_is_refused_with_a_clear_error(mailstack, mailproc_config, mailproc_cli):
    config = mailproc_config(mailbox={"security": "ssl", "port": mailstack.imaps_port})  # system CAs only
    result = mailproc_cli(config, "poll", check=False)
    assert result.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr and "mailbox.security" in result.stderr


def test_missing_ca_file_is_a_config_error(mailproc_config, mailproc_cli):
    result = mailproc_cli(mailproc_config(mailbox={"ca_file": "no-such-ca.pem"}), "check-config", check=False)
    assert result.returncode == 2
    assert 'mailbox.ca_file: expected an existing PEM file, got "no-such-ca.pem"' in result.stderr
