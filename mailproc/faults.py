"""Test-only crash points: `checkpoint("after_commit")` kills the process there with SIGKILL
when MAILPROC_KILL_AT names that point, so tests can prove that a crash at any step loses
and doubles nothing. The variable is read once, at import: in production every checkpoint
is a comparison with None.

MAILPROC_KILL_AT=point kills at the first pass; point:N at the N-th (1-based).
"""
from __future__ import annotations

import os
import signal

_POINT, _, _NTH = (os.environ.get("MAILPROC_KILL_AT") or "").partition(":")
_KILL_AT = _POINT or None
_passes = int(_NTH or 1)


def checkpoint(point: str) -> None:
    global _passes
    if point != _KILL_AT:
        return
    _passes -= 1
    if _passes <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
