"""The times promised for a mail (§2.1, §2.3, §2.4), from its arrival time: one coherent set. Pure.

* The desk opens (§2.1): at the next opening, for a mail that arrives outside working hours.
* First reaction (§2.3): `first_response_minutes` of working time; a mail outside hours counts
  from the next opening. Never due after the fix of a critical problem.
* Fix of a critical problem (§2.4), as `[sla].critical_out_of_hours` says:
  - on_call (the regulation's literal terms): 2 h from arrival in working hours, 4 h outside them,
    counted on the clock. The on-call agents are paged at once whenever part of that term lies
    outside working hours (a problem at 22:10, or one at 18:30 whose term runs past 19:00): they
    cover it, so the term may end while the desk is closed.
  - next_opening: nobody works outside hours, so terms count working time only and never end
    while the desk is closed: 2 h from arrival in working hours; for a problem reported outside
    them 4 h from the next opening (§2.3: such mail is handled from the next working day; §2.4
    still gives a problem reported outside hours its 4 hours). Nobody is paged.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from mailproc import workhours
from mailproc.config import ON_CALL, Settings
from mailproc.vocab import Priority


@dataclasses.dataclass(frozen=True, slots=True)
class Promise:
    first_response_due: dt.datetime
    resolution_due: dt.datetime | None  # critical problems only
    opens_at: dt.datetime | None  # when the desk opens, for a mail that arrived outside hours
    on_call: tuple[str, ...]  # paged at once: they cover the part of the term outside hours


def promise(settings: Settings, arrived_at: dt.datetime, priority: str) -> Promise:
    first = first_response_due(settings, arrived_at)
    fix = resolution_due(settings, arrived_at, priority)
    return Promise(first_response_due=min(first, fix) if fix else first, resolution_due=fix,
                   opens_at=opens_at(settings, arrived_at), on_call=on_call(settings, arrived_at, fix))


def opens_at(settings: Settings, arrived_at: dt.datetime) -> dt.datetime | None:
    """§2.1: when the desk opens for a mail that arrived outside working hours; None within them."""
    hours = settings.hours
    if workhours.is_open(hours, arrived_at):
        return None
    return workhours.next_opening(hours, arrived_at).astimezone(hours.timezone)


def first_response_due(settings: Settings, arrived_at: dt.datetime) -> dt.datetime:
    """§2.3 for any mail: working minutes, from the next opening for a mail outside hours."""
    return workhours.add_working_minutes(settings.hours, arrived_at, settings.sla.first_response_minutes)


def resolution_due(settings: Settings, arrived_at: dt.datetime, priority: str) -> dt.datetime | None:
    """§2.4 for a critical problem (see the module's text); non-critical problems have no term."""
    if priority != Priority.CRITICAL:
        return None
    sla, hours = settings.sla, settings.hours
    in_hours = workhours.is_open(hours, arrived_at)
    minutes = sla.critical_in_hours_minutes if in_hours else sla.critical_out_of_hours_minutes
    if sla.critical_out_of_hours == ON_CALL:
        return (arrived_at + dt.timedelta(minutes=minutes)).astimezone(hours.timezone)
    return workhours.add_working_minutes(hours, arrived_at, minutes)


def on_call(settings: Settings, arrived_at: dt.datetime, due: dt.datetime | None) -> tuple[str, ...]:
    """Who covers the part of a critical term from `arrived_at` to `due` that lies outside working
    hours: `[sla].on_call` (else every agent) under on_call; nobody when the term lies within hours."""
    if due is None or settings.sla.critical_out_of_hours != ON_CALL or due <= arrived_at:
        return ()
    if workhours.working_minutes_between(settings.hours, arrived_at, due) >= (due - arrived_at) / workhours.ONE_MINUTE:
        return ()
    return settings.sla.on_call or settings.support.agents
