"""The desk: what processing needs besides the mail — settings, secrets, blob store, clock."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Callable

from mailproc.config import Secrets, Settings
from mailproc.store.db import BlobStore


@dataclasses.dataclass(frozen=True)
class Desk:
    """What processing needs besides the mail: settings, secrets, blob store, clock."""

    settings: Settings
    secrets: Secrets
    blobs: BlobStore
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)

    @property
    def agents(self) -> frozenset[str]:
        return frozenset(self.settings.support.agents)
