"""§2.3, §2.4 deadlines and the escalations they trigger, table-driven."""
import datetime as dt

import pytest

from mailproc import lifecycle, sla
from tests.pure import default_settings, moscow

FIRST = [
    ("mail at 12:00 Friday -> first reaction due 12:30", "2026-11-27 12:00", "2026-11-27 12:30"),
    ("mail at 18:50 Friday -> first reaction due 07:20 Saturday", "2026-11-27 18:50", "2026-11-28 07:20"),
    ("mail at 23:10 -> due 07:30 next morning (§2.3 next working day)", "2026-11-27 23:10", "2026-11-28 07:30"),
    ("mail at 06:00 Sunday -> due 07:30 Sunday (§2.1 weekends are working days)", "2026-11-29 06:00",
     "2026-11-29 07:30"),
]


@pytest.mark.parametrize("arrived,due", [c[1:] for c in FIRST], ids=[c[0] for c in FIRST])
def test_first_response_due(arrived, due):
    assert sla.first_response_due(default_settings(), moscow(arrived)) == moscow(due)


RESOLUTION = [
    ("critical at 12:00 (in hours) -> solved by 14:00 (§2.4: 2 h)", "2026-11-27 12:00", "critical", "2026-11-27 14:00"),
    ("critical at 18:30 (in hours) -> 20:30, calendar time", "2026-11-27 18:30", "critical", "2026-11-27 20:30"),
    ("critical at 22:00 (outside hours) -> 02:00 (§2.4: 4 h)", "2026-11-27 22:00", "critical", "2026-11-28 02:00"),
    ("critical at 06:59 (outside hours) -> 10:59", "2026-11-27 06:59", "critical", "2026-11-27 10:59"),
    ("normal problem -> no term (§2.4)", "2026-11-27 12:00", "normal", None),
]


@pytest.mark.parametrize("arrived,priority,due", [c[1:] for c in RESOLUTION], ids=[c[0] for c in RESOLUTION])
def test_resolution_due(arrived, priority, due):
    assert sla.resolution_due(default_settings(), moscow(arrived), priority) == (moscow(due) if due else None)


DUE = moscow("2026-11-27 12:30")
TEN = dt.timedelta(minutes=10)
ESCALATIONS = [
    ("20 min before: nothing yet", "new", None, None, [], "2026-11-27 12:10", []),
    ("10 min before: a warning", "new", None, None, [], "2026-11-27 12:20", [("first_response", "warning")]),
    ("warning already sent: nothing", "open", None, None, ["first_response:warning"], "2026-11-27 12:25", []),
    ("past due after the warning: breached", "open", None, None, ["first_response:warning"], "2026-11-27 12:31",
     [("first_response", "breached")]),
    ("found past due at once: only 'breached'", "new", None, None, [], "2026-11-27 13:00",
     [("first_response", "breached")]),
    ("breach already reported: never again", "new", None, None, ["first_response:breached"], "2026-11-27 18:00", []),
    ("agent answered in time: nothing", "waiting", moscow("2026-11-27 12:05"), None, [], "2026-11-27 13:00", []),
    ("critical resolution past due while open", "open", moscow("2026-11-27 12:05"), moscow("2026-11-27 14:00"),
     ["first_response:warning"], "2026-11-27 14:01", [("resolution", "breached")]),
    ("waiting on the client pauses the resolution clock", "waiting", moscow("2026-11-27 12:05"),
     moscow("2026-11-27 14:00"), [], "2026-11-27 15:00", []),
    ("closed tickets never escalate", "closed", None, moscow("2026-11-27 14:00"), [], "2026-11-27 15:00", []),
]


@pytest.mark.parametrize("status,answered,resolution_due,already,now,expected", [c[1:] for c in ESCALATIONS],
                         ids=[c[0] for c in ESCALATIONS])
def test_escalations_due(status, answered, resolution_due, already, now, expected):
    state = lifecycle.TicketState(status, first_response_due=DUE, first_response_at=answered,
                                  resolution_due=resolution_due, marks=tuple(already))
    found = lifecycle.escalations_due(state, now=moscow(now), warning=TEN)
    assert [(deadline, stage) for deadline, stage, _ in found] == expected
