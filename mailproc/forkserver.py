"""Where the processes beside a poll come from (edge: processes): the readers (mailproc.reader)
and the sender (mailproc.sender) are forked from multiprocessing's fork server, started once with
their modules loaded, never from the poll itself: a child forked from the poll would inherit its
open files, the database and the poller's lock among them, and keep that lock after the poll was
killed."""
from __future__ import annotations

import multiprocessing

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["mailproc.reader", "mailproc.sender"])
