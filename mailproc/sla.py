"""The deadlines of §2.3 and §2.4, from the arrival time. Pure."""
from __future__ import annotations

import datetime as dt

from mailproc import workhours
from mailproc.config import Settings
from mailproc.vocab import Priority, Status


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


FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
WARNING, BREACHED = "warning", "breached"


def escalations_due(*, status: str, first_response_due: dt.datetime | None, first_response_at: dt.datetime | None,
                    resolution_due: dt.datetime | None, already: list[str], now: dt.datetime,
                    warning: dt.timedelta) -> list[tuple[str, str, dt.datetime]]:
    """The escalations to send now, as (deadline, stage, due): each stage of each deadline once.
    A deadline found already passed skips its warning: one mail says it all."""
    running = []
    if first_response_due and first_response_at is None and status in (Status.NEW, Status.OPEN):
        running.append((FIRST_RESPONSE, first_response_due))
    if resolution_due and status in (Status.NEW, Status.OPEN):  # waiting on the client pauses §2.4
        running.append((RESOLUTION, resolution_due))
    due_now = []
    for deadline, due in running:
        stage = BREACHED if now >= due else WARNING if now >= due - warning else None
        if stage and f"{deadline}:{stage}" not in already and f"{deadline}:{BREACHED}" not in already:
            due_now.append((deadline, stage, due))
    return due_now
