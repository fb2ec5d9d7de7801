"""Test-only crash and hold points: `checkpoint("after_commit")` kills the process there with
SIGKILL when MAILPROC_KILL_AT names that point, so tests can prove that a crash at any step
loses and doubles nothing; it holds the process there until the file MAILPROC_HOLD_UNTIL
exists when MAILPROC_HOLD_AT names it, so tests can see what goes on beside a poll at that step
in an order that does not depend on timing. The variables are read once, at import: in
production every checkpoint is two comparisons with None.

point kills (holds) at the first pass, point:N at the N-th (1-based) in the process passing it.
A process working for another (the sender, for its poll) names it with `kill_with`: a crash
there is a crash of both.
"""
from __future__ import annotations

import os
import pathlib
import signal
import time


class _Point:
    def __init__(self, variable: str):
        point, _, nth = (os.environ.get(variable) or "").partition(":")
        self.point = point or None
        self.passes = int(nth or 1)

    def reached(self, point: str) -> bool:
        """True at the N-th pass of the point and after it."""
        if point != self.point:
            return False
        self.passes -= 1
        return self.passes <= 0


_KILL, _HOLD = _Point("MAILPROC_KILL_AT"), _Point("MAILPROC_HOLD_AT")
_HOLD_UNTIL = pathlib.Path(os.environ.get("MAILPROC_HOLD_UNTIL") or "/nonexistent")
_with: list[int] = []


def kill_with(pid: int) -> None:
    _with.append(pid)


def checkpoint(point: str) -> None:
    if _HOLD.reached(point):
        _HOLD.point = None  # held once
        while not _HOLD_UNTIL.exists():
            time.sleep(0.05)
    if _KILL.reached(point):
        for pid in (*_with, os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
