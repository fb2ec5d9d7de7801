"""The circuit breaker on a ticket's outgoing mail. Pure.

A ticket that sends more than `[limits].ticket_mails_per_hour` mails within an hour is
in a loop: an out-of-office and a vacation responder answering each other through us, a
client's mail program answering every answer. Its further mail is held (outbox status
"held": nothing goes out until `mailproc outbox retry ID` releases it) and the agents are
alerted once per episode: on the first hold after an hour without one. The alert itself
is never held. Mail about deadlines (escalations) does not pass the breaker: it is not
caused by mail, so it cannot loop.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

WINDOW = dt.timedelta(hours=1)


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    hold: bool  # the mail stays in the outbox, held
    alert: bool  # this hold starts an episode: tell the agents


def judge(going_out: int, held: int, limit: int) -> Verdict:
    """One more mail of a ticket that, within the last WINDOW, queued `going_out` mails that were
    not held and held `held`; `limit` 0 turns the breaker off."""
    if limit == 0 or going_out < limit:
        return Verdict(hold=False, alert=False)
    return Verdict(hold=True, alert=held == 0)
