"""Replies read as a support desk writes them: words agree with what they count, in ru and en."""
import pytest

from mailproc import templating
from mailproc.actions import ReplyBlock
from tests.pure import default_settings, moscow

SETTINGS = default_settings()


def _reply(language, *blocks):
    return templating.render_text(SETTINGS, language, "reply.txt.j2", {
        "tag": "KB-000001", "subject": "Бонусы", "client_name": "", "blocks": blocks,
        "first_response_due": moscow("2026-11-27 12:30"), "resolution_due": None,
        "zone_text": templating.zone_text(SETTINGS, language), "support_name": SETTINGS.support.name,
        "signature": SETTINGS.support.sign_off(language)})[1]


def _links(n):
    return ReplyBlock("faq", data={"links": [{"id": f"a{i}", "url": f"https://help.example/{i}", "title": f"Статья {i}"}
                                             for i in range(n)]})


@pytest.mark.parametrize("language, links, said, not_said", [
    ("ru", 1, "Если статья не помогла, ничего делать не нужно", "статьи не помогли"),
    ("ru", 3, "Если эти статьи не помогли, ничего делать не нужно", "статья не помогла"),
    ("en", 1, "If this article does not help, you need not do anything", "these articles"),
    ("en", 2, "If these articles do not help, you need not do anything", "this article"),
])
def test_the_faq_line_agrees_with_the_number_of_links(language, links, said, not_said):
    text = _reply(language, _links(links))
    assert said in text and not_said not in text


@pytest.mark.parametrize("block", ["refusal", "closed", "closed_unanswered", "development", "missing", "remote",
                                   "suspension", "waiting_reminder", "split", "several_problems", "faq"])
def test_english_replies_speak_of_a_support_policy_without_calques(block):
    data = {"refusal": {"account_id": "1"}, "closed": {"reopen_days": 14}, "closed_unanswered": {"reopen_days": 14},
            "missing": {"items": ["account_id", "steps", "screenshots"]},
            "remote": {"tool": "AnyDesk", "download_url": "https://anydesk.example/get"},
            "suspension": {"ground": "data", "partner": "", "partner_contact": ""}, "waiting_reminder": {"days": 4},
            "split": {"summary": "receipts", "new_tag": "KB-000002"},
            "faq": _links(2).data}.get(block, {})
    text = _reply("en", ReplyBlock(block, data=data)).lower()
    assert "regulation" not in text and "into work" not in text and "reply to this mail" not in text
    assert text.rstrip().endswith("kind regards,\nkilbil support")
