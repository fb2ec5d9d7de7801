"""§4.7 (second list), §5 — the accounts registry: unknown IDs are asked to be checked, inactive clients refused."""

import pytest

from mailproc.actions import AddLabel, ReplyBlock, SetStatus
from mailproc.decide import decide
from mailproc.parse import quotes
from mailproc.parse.account import find_account_id
from mailproc.rules import account
from mailproc.rules.context import AccountRecord, Context
from mailproc.thread import TicketView
from mailproc.vocab import Label, Status
from tests.pure import default_settings, inbound, moscow, reply_text, run_rule

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT = "client@example.test"
AGENT = "agent1@example.test"
REGISTRY = {
    "12345": AccountRecord("12345", name="Кофейня Зерно", status="active"),
    "23456": AccountRecord("23456", name="Shop & Co", status="inactive"),
    "34567": AccountRecord("34567", name="Ромашка", status="active", partner="Партнёр-Урал",
                           partner_contact="+7 343 000-00-00"),
}
DETAILS_RU = "Кассир нажимает «Начислить бонусы», окно закрывается, бонусы не начисляются. Скриншот приложен."
DETAILS_EN = "The cashier presses 'Add bonus points', the window closes and no points are added."


def _ctx(subject, body, *, registry=REGISTRY, ticket=None, from_=CLIENT, agent=False, language="ru"):
    """A context as the pipeline builds it: ID from the mail, else the ticket's; the registry's row for it."""
    mail = inbound(from_=from_, subject=subject, body=body)
    account_id = (find_account_id(mail.subject, mail.text, SETTINGS.accounts.id_patterns)
                  or (ticket.account_id if ticket else None))
    return Context(mail=mail, ticket=ticket, settings=SETTINGS, now=NOW, language=language,
                   new_text=quotes.new_text(mail.text) or mail.text, account_id=account_id,
                   account=registry.get(account_id) if account_id else None, registry_in_use=bool(registry),
                   sender_is_agent=agent)


def _ticket(account_id):
    return TicketView(id=7, tag="KB-000007", client=CLIENT, account_id=account_id)


UNKNOWN = "unknown"
REFUSED = "refused"
CASES = [
    # (what the support lead reads, context, expected outcome: None, UNKNOWN or REFUSED)
    ("ru: active client: nothing to say", _ctx("Бонусы", f"ID аккаунта: 12345\n{DETAILS_RU}"), None),
    ("ru: partner's active client: nothing here (the scope rule uses the partner)",
     _ctx("Бонусы", f"Аккаунт №34567. {DETAILS_RU}"), None),
    ("ru: ID not in the registry: asked to check it", _ctx("Бонусы", f"ID аккаунта 99999. {DETAILS_RU}"), UNKNOWN),
    ("ru: inactive client: refused, ticket closed", _ctx("Касса", f"ID аккаунта: 23456\n{DETAILS_RU}"), REFUSED),
    ("ru: ID in the subject, inactive: refused", _ctx("Касса, аккаунт №23456", DETAILS_RU), REFUSED),
    ("ru: no registry imported: an unknown ID is only recorded",
     _ctx("Бонусы", f"ID аккаунта 99999. {DETAILS_RU}", registry={}), None),
    ("ru: no ID at all: nothing here (the missing-information rule asks for it)", _ctx("Бонусы", DETAILS_RU), None),
    ("ru: an order number is not an account ID: nothing to check", _ctx("Заказ №99999", DETAILS_RU), None),
    ("en: active client: nothing to say", _ctx("Points", f"Account ID: 12345\n{DETAILS_EN}", language="en"), None),
    ("en: ID not in the registry: asked to check it",
     _ctx("Points", f"Account ID 77777. {DETAILS_EN}", language="en"), UNKNOWN),
    ("en: inactive client: refused", _ctx("Till down", f"Account #23456. {DETAILS_EN}", language="en"), REFUSED),
    ("en: an agent writing about an inactive account is not refused",
     _ctx("Re: Till [KB-000007]", "Account ID 23456, checking.", from_=AGENT, agent=True, ticket=_ticket(None)),
     None),
    ("follow-up repeating the ticket's inactive ID: not refused again",
     _ctx("Re: Касса [KB-000007]", "ID аккаунта: 23456. Ждём ответа.", ticket=_ticket("23456")), None),
    ("follow-up without an ID on a ticket with an unknown one: not asked again",
     _ctx("Re: Бонусы [KB-000007]", "Добавляю скриншот.", ticket=_ticket("99999")), None),
    ("follow-up that gives the ID the ticket lacked, unknown: asked to check it",
     _ctx("Re: Бонусы [KB-000007]", "ID аккаунта: 88888", ticket=_ticket(None)), UNKNOWN),
    ("follow-up that corrects the ID to an inactive one: refused",
     _ctx("Re: Бонусы [KB-000007]", "Ошибся, правильный ID аккаунта: 23456", ticket=_ticket("99999")), REFUSED),
]


@pytest.mark.parametrize("ctx,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_registry_check(ctx, expected):
    actions = run_rule(account.check, ctx)
    if expected is None:
        assert actions == []
    elif expected == UNKNOWN:
        assert actions == [ReplyBlock("unknown_account", data={"account_id": ctx.account_id})]
    else:
        assert actions == [ReplyBlock("refusal", data={"account_id": ctx.account_id}),
                           SetStatus(Status.CLOSED), AddLabel(Label.REFUSED)]


def _reply(ctx) -> tuple[list[str], str]:
    decision = decide(ctx)
    text = reply_text(ctx, decision.reply_blocks, first_response_due=NOW)
    return [b.name for b in decision.reply_blocks], text


@pytest.mark.parametrize("language,body,cites", [
    ("ru", "ID аккаунта: 23456. Касса не работает", ["аккаунт 23456 не активен", "п. 4.7 регламента технической поддержки",
                                                    "Обращение закрыто"]),
    ("en", "Account ID: 23456. The till doesn't work", ["account 23456 is not active",
                                                        "section 4.7 of our support policy",
                                                        "We have closed the request"]),
], ids=["Russian refusal", "English refusal"])
def test_refusal_is_the_whole_reply_and_closes_the_ticket(language, body, cites):
    ctx = _ctx("Касса", body, language=language)
    decision = decide(ctx)
    assert decision.status == Status.CLOSED
    assert Label.REFUSED in decision.labels
    names, text = _reply(ctx)
    assert names == ["refusal"]  # no acknowledgement, no request for steps or screenshots
    for phrase in cites:
        assert phrase in text
    assert "KB-000001" in text


@pytest.mark.parametrize("language,phrase", [
    ("ru", "Аккаунт с ID 99999 не найден среди аккаунтов наших клиентов. Проверьте, пожалуйста, ID аккаунта"),
    ("en", "We could not find account ID 99999 among our clients' accounts. Please check the ID"),
], ids=["Russian: check the ID", "English: check the ID"])
def test_unknown_id_is_asked_in_the_acknowledgement(language, phrase):
    ctx = _ctx("Бонусы", f"ID аккаунта 99999. {DETAILS_RU}", language=language)
    names, text = _reply(ctx)
    assert names[0] == "ack" and "unknown_account" in names
    assert phrase in text
    assert decide(ctx).status is None  # the ticket stays open for an agent


def test_without_a_registry_the_reply_only_lacks_the_check():
    with_registry = _reply(_ctx("Бонусы", f"ID аккаунта 99999. {DETAILS_RU}"))[0]
    without = _reply(_ctx("Бонусы", f"ID аккаунта 99999. {DETAILS_RU}", registry={}))[0]
    assert [n for n in with_registry if n != "unknown_account"] == without
    assert "unknown_account" in with_registry
