"""The error types mailproc raises on purpose. No I/O."""


class MailprocError(Exception):
    """Base of every error mailproc reports to a user."""


class ConfigError(MailprocError):
    """One or more config problems, each phrased as ``section.key: problem``."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class MailError(MailprocError):
    """A mail that cannot be processed; names the mailbox UID and Message-ID."""

    def __init__(self, uid: int | None, message_id: str | None, reason: str):
        self.uid, self.message_id, self.reason = uid, message_id, reason
        super().__init__(f"uid={uid} message-id={message_id or '-'}: {reason}")


class DeskError(MailprocError):
    """The desk failed (a template, the disk, the database), not the mail: the mail is never
    quarantined for it; it stays in the mailbox and is processed again in the next cycle."""
