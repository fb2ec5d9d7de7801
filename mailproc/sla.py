"""The deadlines of §2.3 and §2.4, from the arrival time. Pure."""
from __future__ import annotations

import datetime as dt

from mailproc import workhours
from mailproc.config import Settings
from mailproc.vocab import Priority


def first_response_due(settings: Settings, arrived_at: dt.datetime) -> dt.datetime:
    """§2.3: 30 working minutes; mail that arrives outside hours counts from the next opening."""
    return workhours.add_working_minutes(settings.hours, arrived_at, settings.sla.first_response_minutes)


def resolution_due(settings: Settings, arrived_at: dt.datetime, priority: str) -> dt.datetime | None:
    """§2.4: a critical problem is solved within 2 h when reported in working hours, else 4 h
    (calendar time); non-critical problems have no term."""
    if priority != Priority.CRITICAL:
        return None
    in_hours = workhours.is_open(settings.hours, arrived_at)
    minutes = settings.sla.critical_in_hours_minutes if in_hours else settings.sla.critical_out_of_hours_minutes
    return (arrived_at + dt.timedelta(minutes=minutes)).astimezone(settings.hours.timezone)
