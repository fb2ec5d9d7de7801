"""The words of the JSON contract (SPEC §7): states, priorities, message kinds, labels. Pure."""
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
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
