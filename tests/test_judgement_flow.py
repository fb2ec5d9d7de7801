"""Unsure judgements go to the agents, not the client (SPEC §5): review labels, one line of why, through Dovecot."""
import pytest

from mailproc import template_vars, templating
from tests.mailfactory import make_mail, text_of

MAILS = {
    # a critical problem with an insult: keeps its priority and term, the agents see both
    "client@example.test": ("Касса", "Касса не работает уже два часа, вы там дебилы? ID аккаунта: 10452"),
    # a word for a person with no clear target: nothing is suspended, an agent decides
    "client2@example.test": ("Акция", "Начальник идиот, опять удалил акцию, можно её восстановить? ID аккаунта: 10452"),
    # two problems in one mail: the client is reminded of §2.5, an agent may split it
    "client5@example.test": ("Отчёт", "Отчёт не выгружается. Ещё один вопрос: как добавить пользователя? "
                                      "ID аккаунта: 10452"),
    # a customer's insult the client reports: the client insults nobody, nothing to review
    "client4@example.test": ("Покупатель", "Покупатель обозвал кассира дебилом из-за баллов, как объяснить "
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
    assert tickets["Акция"]["status"] != "suspended" and "review_abuse" in tickets["Акция"]["labels"]
    assert tickets["Покупатель"]["status"] != "suspended" and "review_abuse" not in tickets["Покупатель"]["labels"]
    assert "review_out_of_scope" in tickets["Бонусы"]["labels"] and "out_of_scope" not in tickets["Бонусы"]["labels"]

    def to_client(client):
        return text_of(mail.wait_for(client, lambda m: True))

    assert "мы решим её до" in to_client("client@example.test")  # the critical term stands
    for client in ("client@example.test", "client2@example.test", "client4@example.test"):
        assert "4.7" not in to_client(client)
    assert "3.2" not in to_client("client3@example.test")

    def notification(subject):
        return text_of(mail.wait_for("agent1@example.test", lambda m: subject in (m["Subject"] or "")))

    def reasons(subject):
        return [line for line in notification(subject).splitlines() if line.startswith("Проверьте")]

    # one line for each review label, naming the words that raised it
    assert reasons("Касса") == ["Проверьте грубость: «дебилы» — грубость в критичном обращении (приоритет и срок "
                                "сохранены); клиенту ничего не сказано, подтвердить: #suspend abuse"]
    assert "[КРИТИЧНО]" in notification("Касса")
    assert reasons("Акция") == ["Проверьте грубость: «идиот» — похоже на оскорбление, но неясно, в чей адрес; "
                                "клиенту ничего не сказано, подтвердить: #suspend abuse"]
    assert reasons("Бонусы") == ["Проверьте п. 3.2: «обучение» похоже на просьбу вне поддержки, но в письме есть и "
                                 "сообщение об ошибке «не начисляются» (п. 3.1); клиенту ничего не сказано, "
                                 "подтвердить: #suspend scope"]
    assert reasons("Покупатель") == []
    assert reasons("Отчёт") == ["Проверьте п. 2.5: клиент пишет, что проблем несколько («еще один вопрос»); "
                                "ему мягко напомнили «одно обращение — одна проблема». Если вторая не связана "
                                "с первой, выделите её: #split <о чём она>"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_review_label_has_its_line_even_one_raised_by_an_earlier_mail(language):
    reviews = [{"label": "review_abuse", "why": "unclear", "words": ["идиот"], "against": []},
               {"label": "review_split", "why": "", "words": ["два вопроса"], "against": []}]
    variables = {**template_vars.sample("notification.txt.j2"), "reviews": reviews,
                 "labels": ["review_abuse", "review_out_of_scope", "review_split"], "tag": "KB-000001",
                 "zone_text": "", "support_name": "Support"}
    _, body = templating.render_with(templating.templates_in_use(templating.SHIPPED_TEMPLATES), language,
                                     "notification.txt.j2", variables)
    lines = [line for line in body.splitlines() if line.startswith(("Проверьте", "Check"))]
    assert len(lines) == 3
    assert "идиот" in lines[0] and "#suspend abuse" in lines[0]
    assert "review_split" in lines[1] and "два вопроса" in lines[1]
    assert "review_out_of_scope" in lines[2]  # raised before: said so, not explained again
