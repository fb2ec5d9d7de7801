"""§4.2, §4.7 — profanity or insults suspend support on the ticket, with a calm notice and nothing else."""
import dataclasses

import pytest

from mailproc.actions import AddLabel, Reason, ReplyBlock, SetStatus
from mailproc.config import Abuse
from mailproc.decide import decide
from mailproc.parse import quotes
from mailproc.rules import abuse
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Label, Status
from tests.pure import default_settings, inbound, moscow, reply_text, run_rule

SETTINGS = default_settings()
NOW = moscow("2026-11-27 12:00")
CLIENT = "client@example.test"
AGENT = "agent1@example.test"
TICKET = TicketView(id=5, tag="KB-000005", client=CLIENT)
SUSPEND = [SetStatus(Status.SUSPENDED), AddLabel(Label.SUSPENDED), ReplyBlock("suspension", data={"ground": "abuse"})]


def _ctx(subject, body, *, ticket=None, from_=CLIENT, agent=False, settings=SETTINGS, language="ru"):
    mail = inbound(from_=from_, subject=subject, body=body)
    return Context(mail=mail, ticket=ticket, settings=settings, now=NOW, language=language,
                   new_text=quotes.new_text(mail.text) or mail.text, sender_is_agent=agent)


def _review(why, *words):
    return [AddLabel(Label.REVIEW_ABUSE, Reason(why, words))]


def _suspends(ctx) -> bool:
    actions = abuse.check(ctx)
    assert actions in ([], SUSPEND)
    return actions == SUSPEND


REVIEWED = [
    # (what the support lead reads, body, actions): unsure is for the agents, innocent is nothing
    ("ru: self-scolding", "я дура, удалила акцию случайно, можно восстановить?", []),
    ("ru: self-scolding 'я наверное идиот'", "извините, я наверное идиот, но где кнопка добавить сотрудника", []),
    ("en: self-scolding", "sorry for the stupid question, I'm an idiot, where do I add a user?", []),
    ("ru: surnames Тупицын, Дураков", "Добавьте пользователя Тупицыной.\n\nИгорь Дураков\nАлексей Тупицын", []),
    ("en: surname Shitov", "Where is the report?\n\nRegards, Sergey Shitov", []),
    ("surnames made from a word: Дебилов, Shitikova", "Дебилов беспокоит, где счёт?\n\nKate Shitikova", []),
    ("ru: someone else's insult reported", "покупатель обозвал кассира дебилом, как объяснить правила?", []),
    ("ru: a review quoted", "клиент написал в отзыве 'кассиры у вас идиоты', можно отключить отзывы?", []),
    ("ru: a review quoted, in capitals", "КЛИЕНТ НАПИСАЛ В ОТЗЫВЕ 'КАССИРЫ У ВАС ИДИОТЫ', МОЖНО ОТКЛЮЧИТЬ?", []),
    ("en: someone else's insult reported", "a customer called our cashier a moron over points", []),
    ("ru: someone else's mat quoted", "гость написал в отзыве 'вы все бляди', можно удалить отзыв?",
     _review(abuse.QUOTED, "бляди")),
    ("ru: aim unclear", "начальник идиот, опять акцию удалил", _review(abuse.UNCLEAR, "идиот")),
    ("ru: customers named, yet the staff spoken to", "вы идиоты, клиенты ждут уже час",
     _review(abuse.UNCLEAR, "идиоты")),
    ("ru: plural insult aimed at the staff", "бонусы опять не начислились, идиоты, сколько можно", SUSPEND),
    ("ru: critical with mat keeps its priority", "касса не работает уже 2 часа, вы охуели там?",
     _review(abuse.CRITICAL, "охуели")),
]


@pytest.mark.parametrize("body,expected", [c[1:] for c in REVIEWED], ids=[c[0] for c in REVIEWED])
def test_unsure_abuse_goes_to_review_and_self_scolding_is_innocent(body, expected):
    assert abuse.check(_ctx("Вопрос", body)) == expected


def test_a_critical_mail_with_an_insult_keeps_its_priority_and_term():
    decision = decide(_ctx("Касса", "Касса не работает, вы там дебилы? Покупатели ждут."))
    assert decision.priority == "critical" and decision.status is None
    assert {Label.CRITICAL, Label.REVIEW_ABUSE} <= decision.labels
    assert "critical" in [b.name for b in decision.reply_blocks]


CASES = [
    # (what the support lead reads, subject, body, suspended?)
    ("ru: mat with a prefix", "Касса", "Вы там совсем охуели? Третий день не работает.", True),
    ("ru: inflected form", "Бонусы", "Какого хуя не начисляются бонусы", True),
    ("ru: 'заебали'", "Обновления", "Заебали уже со своими обновлениями.", True),
    ("ru: insult to the staff", "Поддержка", "Сотрудники у вас дебилы.", True),
    ("ru: 'вы идиоты'", "Ответ", "Вы идиоты, я уже третий раз пишу.", True),
    ("ru: 'сука' in the subject", "Сука, опять касса", "Не начисляются бонусы.", True),
    ("ru masked: 'х*й'", "Бонусы", "х*й знает, что у вас происходит", True),
    ("ru masked: Latin look-alike 'xуй'", "Бонусы", "xуй вам, а не поддержка", True),
    ("ru masked: 'бл@'", "Касса", "бл@, опять не работает", True),
    ("ru masked: spaced letters 'б л я'", "Касса", "б л я, сколько можно ждать", True),
    ("ru masked: digits 'пи3дец', '6ля'", "Касса", "Пи3дец какой-то. 6ля.", True),
    ("ru masked: repeated letters 'бляяяя'", "Касса", "Бляяяя, опять", True),
    ("ru masked: all-Latin 'cyka'", "Касса", "cyka, опять не работает", True),
    ("en: 'f*ck'", "Error", "What the f*ck is wrong with your system?", True),
    ("en: 'bullshit'", "Answer", "This answer is bullshit.", True),
    ("en: leetspeak 'sh1t', 'a$$hole'", "POS", "Your sh1t broke again, a$$hole.", True),
    ("en: insult", "Support", "You are a bunch of morons.", True),
    ("en: spaced 'f u c k'", "Support", "f u c k this system", True),
    ("ru near miss: 'потребляю' contains 'бля'", "Трафик", "Касса потребляю много трафика.", False),
    ("ru near miss: 'употреблять'", "Термины", "Надо употреблять термины из интерфейса.", False),
    ("ru near miss: 'оскорблять'", "Жалоба", "Не хочу никого оскорблять, но ответа нет.", False),
    ("ru near miss: 'застрахуй'", "Страховка", "Застрахуй кассу, говорил мне коллега.", False),
    ("ru near miss: 'скипидар', 'себе', 'небо', 'требовать'", "Разное",
     "Скипидар себе возьму, небо ясное, требовать не буду.", False),
    ("ru near miss: 'Ебург' (Yekaterinburg), 'бляха'", "Адрес", "Мы из Ебурга, бляха от ремня потерялась.", False),
    ("ru near miss: self-deprecation", "Вопрос", "Извините за тупой вопрос: где отчёт?", False),
    ("ru near miss: surname 'Сучков'", "Менеджер", "Наш менеджер Сучков ждёт ответа.", False),
    ("en near miss: 'class', 'assess', 'assistant', 'Scunthorpe'", "Office",
     "The class will assess the assistant from Scunthorpe.", False),
    ("en near miss: 'Dick Smith', 'cocktail', 'therapist'", "Hi", "Dick Smith, cocktail bar therapist.", False),
    ("en near miss: 'kicking ass' is praise, bare 'ass' is not listed", "Thanks", "You are kicking ass!", False),
    ("en near miss: eBay, e-banking, 'shiitake', Fukushima", "Shop",
     "We sell shiitake on eBay, pay by ebanking, ship to Fukushima.", False),
    ("en near miss: a password and an e-mail with masks", "Login", "Password P@ssw0rd fails; write to bla@bla.ru",
     False),
    ("ru near miss: **bold** in plain text", "Касса", "**Важно**: касса не работает", False),
]


@pytest.mark.parametrize("subject,body,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_abuse(subject, body, expected):
    assert _suspends(_ctx(subject, body)) is expected


def test_the_word_found_is_returned_as_written():
    assert abuse.find_abuse("Вы там совсем охуели?", "What the f*ck") == ["охуели", "f*ck"]


def test_agents_are_never_suspended():
    assert run_rule(abuse.check, _ctx("Re: Касса [KB-000005]", "Клиент пишет: «вы идиоты»", ticket=TICKET,
                            from_=AGENT, agent=True)) == []


def test_follow_ups_count_their_new_text_not_the_quote_nor_the_old_subject():
    assert _suspends(_ctx("Re: Касса [KB-000005]", "Да вы там охуели!", ticket=TICKET))
    quoted = "Извините за резкость, прошу помочь.\n\n27.11.2026, 12:00, Client пишет:\n> Да вы там охуели!"
    assert not _suspends(_ctx("Re: Касса [KB-000005]", quoted, ticket=TICKET))
    assert not _suspends(_ctx("Re: Сука, касса [KB-000005]", "Извините, прошу помочь.", ticket=TICKET))


def test_extra_words_come_from_the_config():
    settings = dataclasses.replace(SETTINGS, abuse=Abuse(extra_words=("говн", "криворукие")))
    assert _suspends(_ctx("Касса", "Ваша касса — говно.", settings=settings))
    assert _suspends(_ctx("Касса", "Вы криворукие.", settings=settings))
    assert not _suspends(_ctx("Касса", "Ваша касса — говно."))


def test_the_suspension_notice_replaces_the_whole_reply():
    decision = decide(_ctx("Бонусы", "Бонусы не начисляются, вы там охуели? Проведите обучение."))
    assert [b.name for b in decision.reply_blocks] == ["suspension"]
    assert decision.status == Status.SUSPENDED and Label.SUSPENDED in decision.labels


@pytest.mark.parametrize("language,lines", [
    ("ru", ["Поддержка по обращению KB-000005 приостановлена: в обращении используется нецензурная лексика "
            "или оскорбления (п. 4.7 регламента технической поддержки; требования к обращению — п. 4.2).",
            "ответьте на это письмо, не меняя номер [KB-000005] в теме, и опишите вопрос ещё раз без грубых "
            "выражений"]),
    ("en", ["Support on request KB-000005 has been suspended: the request contains obscene language or insults "
            "(section 4.7 of our support policy; what a request must contain is in section 4.2).",
            "reply to this email, keep [KB-000005] in the subject and describe your question again without "
            "offensive language"]),
], ids=["ru notice cites §4.7 and says how to continue", "en notice cites §4.7 and says how to continue"])
def test_the_notice_is_calm_and_says_how_to_continue(language, lines):
    ctx = _ctx("Касса", "Вы там охуели?", language=language)
    decision = decide(ctx)
    text = reply_text(ctx, decision.reply_blocks, first_response_due=NOW, tag="KB-000005")
    for line in lines:
        assert line in text
    assert "охуели" not in text  # the word is never quoted back
