"""mailproc: a support mailbox turned into a ticket desk."""

__version__ = "0.1.0"
