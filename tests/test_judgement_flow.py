"""Unsure judgements go to the agents, not the client (SPEC §5): review labels, one line of why, through Dovecot."""
from tests.mailfactory import make_mail, text_of

MAILS = {
    # a critical problem with an insult: keeps its priority and term, the agents see both
    "client@example.test": ("Касса", "Касса не работает уже два часа, вы там дебилы? ID аккаунта: 10452"),
    # an insult quoted from a customer: nothing is suspended, an agent decides
    "client2@example.test": ("Покупатель", "Покупатель обозвал кассира дебилом из-за баллов, как объяснить "
                                           "правила? ID аккаунта: 10452"),
    # a §3.2 topic beside a reported fault: nobody declines the client, an agent decides
    "client3@example.test": ("Бонусы", "Бонусы не начисляются с утра. И проведите обучение новых кассиров. "
                                       "ID аккаунта: 10452"),
}


def test_unsure_judgements_reach_only_the_agents_with_their_reason(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    for client, (subject, body) in MAILS.items():
        mail.append("support@example.test", make_mail(from_=client, subject=subject, body=body))
    mailproc_cli(config, "poll")
    tickets = {t["subject"]: t for t in mailproc_cli(config, "tickets", "--json", json=True)}

    till = tickets["Касса"]
    assert till["priority"] == "critical" and till["status"] != "suspended"
    assert {"critical", "review_abuse"} <= set(till["labels"]) and "suspended" not in till["labels"]
    assert tickets["Покупатель"]["status"] != "suspended" and "review_abuse" in tickets["Покупатель"]["labels"]
    assert "review_out_of_scope" in tickets["Бонусы"]["labels"] and "out_of_scope" not in tickets["Бонусы"]["labels"]

    def to_client(client):
        return text_of(mail.wait_for(client, lambda m: True))

    assert "мы решим её до" in to_client("client@example.test")  # the critical term stands
    for client in ("client@example.test", "client2@example.test"):
        assert "4.7" not in to_client(client)
    assert "3.2" not in to_client("client3@example.test")

    def notification(subject):
        return text_of(mail.wait_for("agent1@example.test", lambda m: subject in (m["Subject"] or "")))

    assert "Проверьте грубость:" in notification("Касса") and "#suspend abuse" in notification("Касса")
    assert "[КРИТИЧНО]" in notification("Касса")
    assert "Проверьте грубость:" in notification("Покупатель")
    assert "Проверьте п. 3.2:" in notification("Бонусы") and "#suspend scope" in notification("Бонусы")
