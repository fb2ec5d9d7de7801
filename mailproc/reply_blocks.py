"""The one automatic reply: in which order its blocks come, and which stand alone. Pure.

Read the table as the client reads the reply, top to bottom. A block that stands ALONE is the
whole reply: every other block is dropped. When two such blocks are asked for, the one higher
in the table wins: a client whose licence is not paid (§4.7) is refused, and that is all the
reply says, even if the same mail also breaks §4.7's rule on abuse.
"""

from __future__ import annotations

from mailproc.actions import ReplyBlock
from mailproc.errors import DeskError

ALONE, WITH_OTHERS = "alone", "with others"

ORDER = (
    ("refusal", ALONE),  # §4.7 licence not paid: the ticket is closed
    ("suspension", ALONE),  # §4.7 abuse, or an agent's #suspend
    ("closed", WITH_OTHERS),  # an agent's #close
    ("closed_unanswered", WITH_OTHERS),  # §4.7 the client did not answer: closed
    ("waiting_reminder", WITH_OTHERS),  # we still wait for the client's answer
    ("development", WITH_OTHERS),  # §2.2 an agent's #dev: handed to development
    ("split", WITH_OTHERS),  # §2.5 an agent's #split: the second problem has its own ticket
    ("remote", WITH_OTHERS),  # §4.4 an agent's #remote: a remote connection asked for
    ("ack", WITH_OTHERS),  # §2.3 we received your request
    ("after_hours", WITH_OTHERS),  # §2.1 the working hours (and time zone), when the desk opens
    ("critical", WITH_OTHERS),  # §2.4 a critical problem's term
    ("several_problems", WITH_OTHERS),  # §2.5 the mail seems to bring several problems: an agent may split it
    ("missing", WITH_OTHERS),  # §4.2 what the request lacks
    ("unknown_account", WITH_OTHERS),  # §5 the account ID is not in the registry
    ("rejected_files", WITH_OTHERS),  # §4.3 files we could not accept
    ("other_files", WITH_OTHERS),
    ("faq", WITH_OTHERS),  # §4.1 articles that may already answer
    ("out_of_scope", WITH_OTHERS),  # §3.2 (§5.2 partner) not ours to answer
)
_POSITION = {name: i for i, (name, _) in enumerate(ORDER)}
_ALONE = {name for name, how in ORDER if how == ALONE}


def arrange(blocks: list[ReplyBlock]) -> tuple[ReplyBlock, ...]:
    """The blocks in reply order; the first block that stands alone, alone. A block missing from the
    table is an error of the desk, never the mail's: the mail is retried once the table is fixed."""
    unknown = [b.name for b in blocks if b.name not in _POSITION]
    if unknown:
        raise DeskError(f"reply block(s) {unknown} have no place in mailproc/reply_blocks.ORDER: add them there")
    ordered = sorted(blocks, key=lambda b: _POSITION[b.name])
    alone = next((b for b in ordered if b.name in _ALONE), None)
    return (alone,) if alone else tuple(ordered)
