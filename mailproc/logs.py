"""Logging of the command line and the daemon (edge): stderr, text or one JSON object per line.

Verbosity: -1 warnings only (--quiet), 0 one line per mail and per cycle that did something,
1 (-v) debug lines of mailproc and its libraries but not the SQL, 2 (-vv) the SQL too.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LEVELS = {-1: logging.WARNING, 0: logging.INFO}


class JsonLines(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message and, with an exception, its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


_configured: tuple[int, bool] | None = None


def configure(verbosity: int, json_lines: bool) -> None:
    global _configured
    _configured = (verbosity, json_lines)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=_LEVELS.get(verbosity, logging.DEBUG), handlers=[handler], force=True)
    # peewee logs every statement at debug level
    logging.getLogger("peewee").setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)


def configured() -> tuple[int, bool] | None:
    """The arguments of `configure` in this process (None: not called), for a process working
    beside it to log alike."""
    return _configured
