"""The words every stage shares, below them all: the JSON contract's states, priorities, message
kinds and labels (SPEC §7), the header names we set, the registry's account record. Pure."""
import dataclasses
from enum import StrEnum

LOOP_HEADER = "X-Loop"  # set on everything we send; its value is the support address


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    DEVELOPMENT = "development"  # §2.2: handed to development
    CLOSED = "closed"
    SUSPENDED = "suspended"


class Priority(StrEnum):
    NORMAL = "normal"
    CRITICAL = "critical"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Kind(StrEnum):
    CLIENT = "client"
    AGENT = "agent"
    AUTO_REPLY = "auto_reply"
    NOTIFICATION = "notification"
    NOTE = "note"
    AUTOMATED = "automated"  # inbound mail from a machine (§6): recorded, never answered
    UNVERIFIED = "unverified"  # looked like an agent's reply but did not prove it: never relayed


class Ground(StrEnum):
    """Why support on a ticket is suspended: one line each of §4.7's first list (`#suspend <ground>`)."""

    REPRO = "repro"  # the problem cannot be reproduced
    OUTDATED = "outdated"  # only with outdated software
    DATA = "data"  # not constructive, the data is not provided
    DEV = "dev"  # needs diagnostics, development or an update
    SCOPE = "scope"  # outside technical support (§3.2)
    ABUSE = "abuse"  # obscene language or insults


class Label(StrEnum):
    FAQ = "faq"
    MISSING_ACCOUNT_ID = "missing_account_id"
    BAD_ATTACHMENT = "bad_attachment"
    OUT_OF_SCOPE = "out_of_scope"
    AFTER_HOURS = "after_hours"
    SUSPENDED = "suspended"
    REFUSED = "refused"
    CRITICAL = "critical"
    AUTOMATED = "automated"
    DELIVERY_FAILURE = "delivery_failure"  # one of our mails to the client bounced
    REVIEW_OUT_OF_SCOPE = "review_out_of_scope"  # maybe §3.2: only the agents were told, `#suspend scope` confirms
    REVIEW_ABUSE = "review_abuse"  # maybe §4.2 abuse: only the agents were told, `#suspend abuse` confirms
    REVIEW_SEVERAL_PROBLEMS = "review_several_problems"  # §2.5 the mail says it brings several: `#split` if so


@dataclasses.dataclass(frozen=True, slots=True)
class AccountRecord:
    """A row of the accounts registry (§4.7, §5): who the client is and who serves them."""

    account_id: str
    name: str = ""
    status: str = "active"  # active | inactive (licence not paid, §4.7)
    partner: str = ""  # the partner serving this client (§5.2), empty when none
    partner_contact: str = ""
