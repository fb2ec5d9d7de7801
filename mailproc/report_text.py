"""`queue` and `stats` as text for a terminal: the JSON rows of store.sla_report laid out in columns. Pure.

Colours (ANSI) only when asked for; the caller asks when stdout is a terminal and NO_COLOR is unset.
"""
from __future__ import annotations

import datetime as dt

from mailproc.lifecycle import CLOCK_PAUSED, FIRST_RESPONSE, RESOLUTION
from mailproc.store.sla_report import AUTOMATED, DEVELOPMENT, SECTIONS, SUSPENDED, WAITING, WORK, section
from mailproc.vocab import Priority

RED, YELLOW, BOLD, RESET = "\033[1;31m", "\033[33m", "\033[1m", "\033[0m"
SECTION_TITLES = {
    WORK: "To answer: critical first, then in order of arrival (§2.1)",
    WAITING: "Waiting on the client: not the agents' move, deadline clocks paused (§2.4)",
    DEVELOPMENT: "Handed to development (§2.2): resolution clock stopped",
    SUSPENDED: "Suspended (§4.7): no deadlines",
    AUTOMATED: "Automated mail (§6): recorded, nothing to answer",
}
HEADERS = ("TAG", "PRIORITY", "STATUS", "CLIENT", "SUBJECT", "AGE", "FIRST REACTION", "RESOLUTION", "ASSIGNEE")
CUT = {"CLIENT": 28, "SUBJECT": 30}  # the only columns ever cut


def duration(minutes: int) -> str:
    """12 min, 1 h 5 min, 2 d 3 h: at most two units."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _when(iso: str, now: dt.datetime) -> str:
    """The due time: 12:30 today, 28.11 07:30 another day."""
    local = dt.datetime.fromisoformat(iso)
    return local.strftime("%H:%M" if local.date() == now.astimezone(local.tzinfo).date() else "%d.%m %H:%M")


def deadline_cell(due: str | None, left: int | None, breached: bool, paused: bool, now: dt.datetime,
                  warning_minutes: int) -> tuple[str, str]:
    """(text, colour) of one deadline column."""
    if due is None or left is None:
        return ("late" if breached else "-"), (RED if breached else "")
    when = _when(due, now)
    if left < 0:
        text = f"BREACHED by {duration(left)}, paused" if paused else f"BREACHED {duration(left)} ago"
        return f"{text} ({when})", RED
    text = f"paused, {duration(left)} left" if paused else f"in {duration(left)}"
    return f"{text} ({when})", (YELLOW if left <= warning_minutes and not paused else "")


def _row(row: dict, now: dt.datetime, warning_minutes: int) -> list[tuple[str, str]]:
    paused = row["status"] in CLOCK_PAUSED  # the lifecycle says which statuses stop the clock
    if row.get("first_response_at"):
        first = ("answered late", RED) if FIRST_RESPONSE in row["breached"] else ("answered", "")
    else:
        first = deadline_cell(row["first_response_due"], row["first_response_left_minutes"],
                              FIRST_RESPONSE in row["breached"], paused, now, warning_minutes)
    resolution = deadline_cell(row["resolution_due"], row["resolution_left_minutes"],
                               RESOLUTION in row["breached"], paused, now, warning_minutes)
    age = now - dt.datetime.fromisoformat(row["created_at"])
    mark = BOLD if row["priority"] == Priority.CRITICAL else ""
    return [(row["tag"], mark), (row["priority"], mark), (row["status"], ""),
            (row["client"], ""), (row["subject"], ""), (duration(int(age.total_seconds() // 60)), ""),
            first, resolution, (row["assignee"] or "-", "")]


def _line(cells: list[tuple[str, str]], widths: list[int], color: bool) -> str:
    parts = []
    for (text, colour), width in zip(cells, widths):
        text = text.ljust(width)
        parts.append(f"{colour}{text}{RESET}" if color and colour else text)
    return "  ".join(parts).rstrip()


def queue_sections(rows: list[dict], now: dt.datetime, *, warning_minutes: int
                   ) -> list[tuple[str, tuple[str, ...], list[list[tuple[str, str]]]]]:
    """(title, column names, rows of (text, colour) cells) for each section that has tickets."""
    cells = [[(_cut(text, CUT.get(header, len(text))), colour)
              for header, (text, colour) in zip(HEADERS, _row(r, now, warning_minutes))] for r in rows]
    sections = []
    for name in SECTIONS:
        members = [c for r, c in zip(rows, cells) if section(r["status"], r["labels"]) == name]
        if members:
            sections.append((f"{SECTION_TITLES[name]}: {len(members)}", HEADERS, members))
    return sections


def queue_lines(rows: list[dict], now: dt.datetime, *, warning_minutes: int, color: bool = False) -> list[str]:
    if not rows:
        return ["the queue is empty: no ticket is new, open, waiting or suspended"]
    sections = queue_sections(rows, now, warning_minutes=warning_minutes)
    every_row = [c for _, _, members in sections for c in members]
    widths = [max(len(header), *(len(c[i][0]) for c in every_row)) for i, header in enumerate(HEADERS)]
    widths[-1] = 0  # the last column is not padded
    lines: list[str] = []
    for title, headers, members in sections:
        lines += [""] if lines else []
        lines += [f"{BOLD}{title}{RESET}" if color else title, _line([(h, "") for h in headers], widths, False)]
        lines += [_line(c, widths, color) for c in members]
    return lines


def _percent(block: dict) -> str:
    if block["percent"] is None:
        return "n/a (nothing due yet)"
    in_time = block["met"]
    return f"{block['percent']:.1f} %  ({in_time} of {in_time + block['breached']} in time)"


def _counts(counts: dict) -> str:
    return "  ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def _agent_line(agent: dict) -> str:
    median = agent["median_first_reaction_working_minutes"]
    return (f"  {agent['agent'] or '(no agent)':<30} {agent['answers']:>7}  {agent['first_reactions']:>15}  "
            f"{'-' if median is None else f'{median:g}':>20}  {agent['breaches']:>8}")


def stats_lines(data: dict) -> list[str]:
    first, resolution = data["first_response"], data["resolution"]
    span = f"since {data['since']}" if data["since"] else "all time"
    median, p90 = first["median_working_minutes"], first["p90_working_minutes"]
    reaction = ("-" if median is None else
                f"median {median:g} min, 90th percentile {p90:g} min  (working minutes; {first['answered']} answered)")
    lines = [
        f"Tickets ({span}, as of {data['now'][:16].replace('T', ' ')} {data['timezone']}): {data['tickets']}"
        f" ({data['automated']} automated: counted here, left out of the SLA figures)",
        f"  by priority      {_counts(data['by_priority'])}",
        f"  by status        {_counts(data['by_status'])}",
        f"  by label         {_counts(data['by_label'])}",
        *([f"  by mailbox       {_counts(data['by_mailbox'])}"] if len(data["by_mailbox"]) > 1 else []),
        "",
        "First reaction (§2.3)",
        f"  in time          {_percent(first)}; {first['pending']} still running or paused",
        f"  reaction time    {reaction}",
        "Critical resolution (§2.4)",
        f"  in time          {_percent(resolution)}; {resolution['pending']} still running or paused",
        "",
        f"By agent{'ANSWERS':>32}  FIRST REACTIONS  MEDIAN (WORKING MIN)  BREACHES",
        *(_agent_line(a) for a in data["by_agent"]),
        "",
        f"Breaches: {len(data['breaches'])}",
    ]
    for b in data["breaches"]:
        what = "first reaction" if b["deadline"] == FIRST_RESPONSE else "resolution"
        done = (f"done {b['done_at'][:16].replace('T', ' ')}" if b["done_at"] else
                "closed without an answer" if b["status"] == "closed" else f"still {b['status']}")
        lines.append(f"  {b['tag']:<10} {b['priority']:<8} {what:<15} due {b['due'][:16].replace('T', ' ')}  "
                     f"{duration(b['late_minutes'])} late, {done}")
    return lines
