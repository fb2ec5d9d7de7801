"""SPEC §5 — agents answer from their mail client: a verified reply is relayed, its commands applied.

An agent's answer goes to the client and the addresses the client copied, at most
`[limits].relay_max_recipients` of them; `#cc clear` drops the copied addresses.

An agent's mail proves itself by answering a notification (the tokened Reply-To address
or the notification's Message-ID). Anything else from an agent address — a guessed tag,
a tampered token, a forged From — is recorded as unverified, never relayed, and the
agents are told. So is a proven mail that must not act: a Message-ID already received (a
replay: one Message-ID is relayed at most once), or a ticket closed more than reopen_days
ago (its tokens have expired); the agent is told why.
"""
from __future__ import annotations

from mailproc.actions import (Action, AddLabel, Assign, ClearCc, NoAutoReply, NotifyAgents, RecordAs, Relay,
                              ReplyBlock, SetPriority, SetStatus, Split, TellSender)
from mailproc.parse.commands import Command, split_commands
from mailproc.rules.machines import dmarc_failed
from mailproc.rules.context import Context
from mailproc.thread import TicketView
from mailproc.vocab import Ground, Kind, Label, Priority, Status


def check(ctx: Context) -> list[Action]:
    assert ctx.ticket is not None  # rules.agent_answer
    if ctx.machine_reasons:
        # A vacation notice is not an answer: never relayed. The agents hear of it once per
        # ticket, so that two responders cannot keep each other busy through us.
        told: list[Action] = [] if ctx.agents_told_of_machine_mail else [NotifyAgents("agent_automated")]
        return [RecordAs(Kind.AUTOMATED), *told]
    if not ctx.agent_verified or dmarc_failed(ctx.mail):
        return [RecordAs(Kind.UNVERIFIED), NotifyAgents("unverified"),
                NoAutoReply("agent mail without a valid reply token: never relayed")]
    if refusal := _refusal(ctx, ctx.ticket):
        return [RecordAs(Kind.UNVERIFIED), TellSender(refusal), NoAutoReply(refusal)]
    commands, text = split_commands(ctx.new_text)
    actions: list[Action] = []
    for command in commands:
        actions += _apply(command, ctx)
    if any(isinstance(a, RecordAs) for a in actions):  # #note: recorded for the agents only
        return actions
    actions.append(RecordAs(Kind.AGENT))
    if text:
        actions += _relay(text, ctx, ctx.ticket, cc_cleared=ClearCc() in actions)
    return actions


def _relay(text: str, ctx: Context, ticket: TicketView, cc_cleared: bool) -> list[Action]:
    """The answer goes to the client and the ticket's Cc, unless that makes more than
    [limits].relay_max_recipients addresses (a client who copied 500): then to nobody, and the
    agent is told how to send it."""
    limit = ctx.settings.limits.relay_max_recipients
    recipients = len({ticket.client, *(() if cc_cleared else ticket.cc)})
    if recipients <= limit:
        return [Relay(text), SetStatus(Status.WAITING)]
    return [TellSender(f"your answer was NOT sent to the client: it would go to {recipients} addresses (the "
                       f"client and {recipients - 1} in Cc), more than [limits].relay_max_recipients = {limit}. "
                       "To send it to the client alone, send it again with the command #cc clear on its first "
                       "line: the ticket's Cc list is emptied and later answers go to the client alone.")]


def _refusal(ctx: Context, ticket: TicketView) -> str | None:
    """Why a proven agent mail is recorded only, or None."""
    if ctx.message_id_seen:
        return (f"a mail with Message-ID <{ctx.mail.message_id}> was received before: one Message-ID "
                "is relayed at most once, so this one was recorded, not sent to the client")
    if ctx.ticket_expired and ticket.closed_at:
        closed = ticket.closed_at.astimezone(ctx.settings.hours.timezone)
        return (f"{ticket.tag} was closed on {closed:%Y-%m-%d}, more than {ctx.settings.support.reopen_days} "
                "days ago: answers to its notifications no longer count, so this mail was recorded, "
                "not sent to the client")
    return None


# The commands an agent may write: each is a case of _apply, the lifecycle step it asks for and
# the block the client gets (SPEC §5; the README lists them).
COMMANDS = ("close", "critical", "priority", "suspend", "resume", "dev", "remote", "split", "note", "assign", "cc")


def _apply(command: Command, ctx: Context) -> list[Action]:
    match command.name, command.argument.lower():
        case "close", _:
            return [SetStatus(Status.CLOSED),
                    ReplyBlock("closed", data={"reopen_days": ctx.settings.support.reopen_days})]
        case "critical", _:
            return [SetPriority(Priority.CRITICAL), AddLabel(Label.CRITICAL)]
        case "priority", ("normal" | "critical") as priority:
            return [SetPriority(priority)]
        case "suspend", ground if ground in set(Ground):
            return [SetStatus(Status.SUSPENDED), AddLabel(Label.SUSPENDED), _suspension(Ground(ground), ctx)]
        case "suspend", _:
            # Recorded as a note: the agent's text must not reach the client without its notice.
            return [RecordAs(Kind.NOTE), TellSender(
                f"{command}: which ground of §4.7? One of: {', '.join('#suspend ' + g for g in Ground)}. "
                "Nothing was sent to the client and the ticket is unchanged: send your mail again with the ground.")]
        case "resume", _:
            return [SetStatus(Status.OPEN)]
        case "dev", "":
            return [SetStatus(Status.DEVELOPMENT), ReplyBlock("development")]
        case "dev", "done":
            return [SetStatus(Status.OPEN)]
        case "remote", _:
            remote = ctx.settings.remote
            return [SetStatus(Status.WAITING),
                    ReplyBlock("remote", data={"tool": remote.tool, "download_url": remote.download_url})]
        case "split", "":
            return [RecordAs(Kind.NOTE), TellSender(
                "#split: name the second problem on the same line, e.g. '#split receipts do not print'. "
                "Nothing was sent to the client and no ticket was opened: send your mail again with it.")]
        case "split", _:
            return [Split(command.argument), ReplyBlock("split", data={"summary": command.argument})]
        case "dev", other:
            return [TellSender(f"#dev {other}: expected '#dev' (handed to development) or '#dev done'; "
                               "status unchanged")]
        case "note", _:
            return [RecordAs(Kind.NOTE), NotifyAgents("note")]
        case "cc", "clear":
            return [ClearCc()]
        case "cc", other:
            return [TellSender(f"#cc {other}: expected '#cc clear' (answers go to the client alone); Cc unchanged")]
        case "assign", ("me" | ""):
            return [Assign(ctx.mail.from_addr)]
        case "assign", agent if agent in ctx.settings.support.agents:
            return [Assign(agent)]
        case "assign", agent:
            return [TellSender(f"#assign {agent}: not an agent address (agents: "
                               f"{', '.join(ctx.settings.support.agents)}); nothing assigned")]
        case "priority", other:
            return [TellSender(f"#priority {other}: expected 'normal' or 'critical'; priority unchanged")]
    return [TellSender(f"{command}: unknown command; known: {', '.join('#' + k for k in COMMANDS)}. "
                       "It was not sent to the client.")]


def _suspension(ground: Ground, ctx: Context) -> ReplyBlock:
    """The client's notice quotes the §4.7 ground; out of scope names the client's partner (§5.2)."""
    partner = ctx.account if ground == Ground.SCOPE and ctx.account and ctx.account.partner else None
    return ReplyBlock("suspension", data={"ground": ground, "partner": partner.partner if partner else "",
                                          "partner_contact": partner.partner_contact if partner else ""})
