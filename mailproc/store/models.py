"""The schema (peewee). Times are stored as UTC ISO 8601 text so they sort and keep their zone."""
from __future__ import annotations

import datetime as dt
import functools
import json

import peewee

database = peewee.DatabaseProxy()


class UtcDateTimeField(peewee.TextField):
    def db_value(self, value: dt.datetime | None):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every stored time must carry its zone")
        return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")

    def python_value(self, value):
        return None if value is None else dt.datetime.fromisoformat(value)


class JsonField(peewee.JSONField):
    """Text on SQLite, jsonb on PostgreSQL."""

    def __init__(self, **kwargs):
        super().__init__(dumps=functools.partial(json.dumps, ensure_ascii=False, sort_keys=True), **kwargs)


class CharField(peewee.CharField):
    """A short string of any length: peewee's VARCHAR(255) on SQLite, which never enforces it (the
    schema of existing databases), no limit on PostgreSQL, which would refuse a long Message-ID."""

    def get_modifiers(self):
        db = self.model._meta.database
        return None if isinstance(getattr(db, "obj", db), peewee.PostgresqlDatabase) else super().get_modifiers()


class BytesField(peewee.BlobField):
    def python_value(self, value):
        return None if value is None else bytes(value)  # PostgreSQL's driver gives a memoryview


class BaseModel(peewee.Model):
    class Meta:
        database = database


class Ticket(BaseModel):
    tag = CharField(unique=True, null=True)  # PREFIX-NNNNNN: the prefix tells the mailbox it belongs to
    status = CharField(index=True)
    priority = CharField()
    client = CharField(index=True)
    cc = JsonField(default=list)
    account_id = CharField(null=True, index=True)
    subject = peewee.TextField()
    language = CharField()
    labels = JsonField(default=list)
    created_at = UtcDateTimeField()  # arrival of the first mail (IMAP INTERNALDATE)
    first_response_due = UtcDateTimeField(null=True)
    first_response_at = UtcDateTimeField(null=True)
    resolution_due = UtcDateTimeField(null=True)
    closed_at = UtcDateTimeField(null=True)
    waiting_since = UtcDateTimeField(null=True)  # on the client since then: §2.4 clock paused
    escalations = JsonField(default=list)  # escalation mails already sent, e.g. "first_response:breached"
    assignee = CharField(null=True)  # the agent notified about this ticket; null: all agents
    follows = CharField(null=True)  # tag of the closed ticket this one continues
    updated_at = UtcDateTimeField()
    escalation_due = UtcDateTimeField(null=True, index=True)  # lifecycle.next_escalation: what escalate reads

    class Meta:
        indexes = ((("status", "waiting_since"), False),)  # the waiting-on-client check of each cycle


class Message(BaseModel):
    """Every mail of a ticket, in or out; the few that belong to no ticket (an agent asking for
    the queue by mail, and the answer) have none."""

    ticket = peewee.ForeignKeyField(Ticket, backref="messages", index=True, null=True)
    direction = CharField()
    kind = CharField()
    message_id = CharField(null=True, index=True)
    in_reply_to = JsonField(default=list)
    references = JsonField(default=list)
    from_addr = CharField()
    to_addrs = JsonField(default=list)
    cc_addrs = JsonField(default=list)
    subject = peewee.TextField()
    date = UtcDateTimeField()  # arrival (in) or queued (out)
    header_date = UtcDateTimeField(null=True)  # the sender's Date header, for display only
    text = peewee.TextField()
    raw_sha256 = CharField(null=True)  # raw mail in the blob store
    raw_size = peewee.IntegerField(default=0)
    dedupe_key = CharField(null=True, unique=True)  # Message-ID + content hash, inbound only
    folder = CharField(null=True)
    uidvalidity = peewee.BigIntegerField(null=True)
    uid = peewee.BigIntegerField(null=True)
    defects = JsonField(default=list)
    verdict = peewee.TextField(default="")  # what was decided, for people reading `show`

    class Meta:
        indexes = ((("kind", "date"), False),)  # the automatic replies of the day, counted for each mail


class Attachment(BaseModel):
    message = peewee.ForeignKeyField(Message, backref="attachments")
    filename = peewee.TextField()
    content_type = CharField()
    size = peewee.IntegerField()
    sha256 = CharField(null=True)  # null when not stored (rejected for size)
    detected_format = CharField(null=True)
    accepted = peewee.BooleanField(null=True)  # null: not an image, nothing to judge
    reason = CharField(default="")  # stable code, see mailproc.parse.attachments.REASONS
    detail = peewee.TextField(default="")  # the same for people, in English


class Outbox(BaseModel):
    """Outgoing mail, written in the same transaction as the ticket change that caused it."""

    message = peewee.ForeignKeyField(Message, unique=True)
    mail_from = CharField()
    rcpt_to = JsonField()
    data = BytesField()
    # pending | sent | failed (refused for good) | held: stopped by the ticket's circuit breaker
    # (mailproc.breaker), not sent until released; `mailproc outbox list|retry ID` shows and releases them
    status = CharField(default="pending", index=True)
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = UtcDateTimeField(null=True)
    last_error = peewee.TextField(default="")
    sent_at = UtcDateTimeField(null=True)


class FolderState(BaseModel):
    """How far a mailbox folder has been processed (SPEC §2: incremental by UID)."""

    folder = CharField()
    uidvalidity = peewee.BigIntegerField()
    last_uid = peewee.BigIntegerField(default=0)
    inflight_uid = peewee.BigIntegerField(null=True)  # the mail being processed, if the process died on it
    inflight_attempts = peewee.IntegerField(default=0)
    mailbox = CharField(default="")  # the tag prefix of the mailbox polled

    class Meta:
        indexes = ((("mailbox", "folder"), True),)


class Quarantined(BaseModel):
    """A mail that could not be processed (poison): kept with the reason, never blocks the rest."""

    folder = CharField()
    uidvalidity = peewee.BigIntegerField()
    uid = peewee.BigIntegerField()
    message_id = CharField(null=True)
    arrived_at = UtcDateTimeField()
    reason = peewee.TextField()
    raw_sha256 = CharField()
    dedupe_key = CharField(unique=True)
    created_at = UtcDateTimeField()
    mailbox = CharField(default="")  # the tag prefix of the mailbox it was read from


class NumberingFloor(BaseModel):
    """Set when a desk continues on a lost or restored database (`poll --resume-numbering`): the
    highest ticket number the processed folder showed; new tickets are numbered after it."""

    number = peewee.IntegerField()
    mails_scanned = peewee.IntegerField()
    created_at = UtcDateTimeField()
    tag_prefix = CharField(null=True)  # null: a floor from before each prefix had its numbering: holds for all


class LastNumber(BaseModel):
    """The last ticket number handed out under a tag prefix: the next is counted on from it (in the
    transaction that opens the ticket), never searched for among the tags. Raised by every floor."""

    tag_prefix = CharField(unique=True)
    number = peewee.BigIntegerField()


class MovedCount(BaseModel):
    """How many mails this database moved into a folder (the processed folder). The folder never
    holds more unless the database is behind the mailbox: a restored backup, or another desk's."""

    folder = CharField()
    mails = peewee.BigIntegerField()
    mailbox = CharField(default="")  # the tag prefix of the mailbox

    class Meta:
        indexes = ((("mailbox", "folder"), True),)


class Account(BaseModel):
    """The accounts registry (§4.7, §5), filled by `mailproc accounts import`."""

    account_id = CharField(unique=True)
    name = peewee.TextField(default="")
    status = CharField(default="active")  # active | inactive
    partner = peewee.TextField(default="")
    partner_contact = peewee.TextField(default="")
    updated_at = UtcDateTimeField()


class Liveness(BaseModel):
    """How the last cycles of `run` and `poll` went, for `mailproc status`: one row per activity."""

    activity = CharField(unique=True)  # poll | send
    last_ok_at = UtcDateTimeField(null=True)
    failing_since = UtcDateTimeField(null=True)  # the first failure since the last success
    last_error = peewee.TextField(default="")


ALL_MODELS = (Ticket, Message, Attachment, Outbox, FolderState, Quarantined, NumberingFloor, LastNumber, MovedCount,
              Account, Liveness)
