"""The regulation as rules: each a function Context -> list[Action], run top to bottom.

Which mail a rule reads is declared here, once, beside the rule (`RULES`): a rule's body never
asks again whether the sender is an agent or a machine, or whether the mail opens a ticket.
Where two rules ask for the same thing, the first in the table wins (how the mail is recorded,
the agent's text, the assignee); reply blocks are ordered by mailproc/reply_blocks.ORDER.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mailproc.rules import abuse, account, acknowledge, agent, automated, conversation, critical, faq, hours
from mailproc.rules import missing, scope, screenshots, several

if TYPE_CHECKING:
    from mailproc.actions import Action
    from mailproc.rules.context import Context

Rule = Callable[["Context"], "list[Action]"]
Reads = Callable[["Context"], bool]


# The kinds of mail a rule may read.
def every_mail(ctx: Context) -> bool:
    return True


def agent_answer(ctx: Context) -> bool:
    """An agent's mail on a ticket (proven or not: the agent rule judges that)."""
    return ctx.sender_is_agent and ctx.ticket is not None


def bounce(ctx: Context) -> bool:
    """A delivery report about one of our mails on the ticket."""
    return ctx.bounce


def client_mail(ctx: Context) -> bool:
    """Anything not from an agent: a client's mail, and a machine's (a responder quoting the client)."""
    return not ctx.sender_is_agent


def client_person(ctx: Context) -> bool:
    """A client's mail written by a person, not a machine."""
    return not ctx.sender_is_agent and not ctx.machine_reasons


def new_request(ctx: Context) -> bool:
    """Mail not from an agent that opens a ticket."""
    return not ctx.sender_is_agent and ctx.is_new_ticket


def new_request_by_person(ctx: Context) -> bool:
    """A client's mail, written by a person, that opens a ticket: the one the regulation's checks answer."""
    return new_request(ctx) and not ctx.machine_reasons


RULES: tuple[tuple[Rule, Reads], ...] = (
    (automated.check, every_mail),  # SPEC §6: machines, forged senders, the daily cap
    (agent.check, agent_answer),  # SPEC §5: relay, commands
    (conversation.bounced, bounce),  # SPEC §6: the agents hear of an undelivered mail
    (conversation.check, client_person),  # SPEC §3: agents notified, a waiting or closed ticket reopens
    (acknowledge.check, new_request),  # §2.3
    (several.check, new_request_by_person),  # §2.5
    (screenshots.check, client_mail),  # §4.2
    (missing.check, new_request_by_person),  # §4.2
    (account.check, client_mail),  # §4.7, §5
    (hours.check, new_request_by_person),  # §2.1
    (faq.check, new_request_by_person),  # §4.1
    (critical.check, client_mail),  # §2.4
    (scope.check, new_request),  # §3.2
    (abuse.check, client_mail),  # §4.2, §4.7
)
