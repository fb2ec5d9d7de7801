"""`stats --chart`: daily volume (bars, left axis) and first reaction in time (line, right axis, %)
as a self-contained SVG that any browser opens. Pure: takes the `daily` rows of stats, returns text."""
from __future__ import annotations

import math
from xml.sax.saxutils import escape

HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 320, 56, 260, 56, 56
BAR, LINE, GRID, INK = "#4e79a7", "#e15759", "#dddddd", "#333333"


def _nice_max(value: int) -> int:
    """A round axis top at or above value: 4, 10, 25, 50, 100..."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 4:
            return step * 4
    return int(math.ceil(value / 1000) * 1000)


def daily_chart(daily: list[dict]) -> str:
    n = len(daily)
    plot_width = max(24 * n, 360) if n <= 40 else max(960, 2 * n)
    slot = plot_width / max(n, 1)  # a few days spread over the width, bars no wider than 28
    bar_width = min(slot * 0.7, 28)
    width = LEFT + plot_width + RIGHT
    top_count = _nice_max(max((d["tickets"] for d in daily), default=0))
    height = BOTTOM - TOP

    def y_count(value: float) -> float:
        return BOTTOM - height * value / top_count

    def y_percent(value: float) -> float:
        return BOTTOM - height * value / 100

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{HEIGHT}" '
           f'viewBox="0 0 {width:.0f} {HEIGHT}" font-family="sans-serif" font-size="11" fill="{INK}">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">'
           'Tickets per day and first reaction in time</text>',
           f'<rect x="{LEFT}" y="32" width="10" height="10" fill="{BAR}"/>'
           f'<text x="{LEFT + 14}" y="41">tickets (left axis)</text>',
           f'<line x1="{LEFT + 130}" y1="37" x2="{LEFT + 150}" y2="37" stroke="{LINE}" stroke-width="2"/>'
           f'<text x="{LEFT + 154}" y="41">first reaction in time, % (right axis)</text>']
    for i in range(5):  # grid and both axes' labels
        y = y_count(top_count * i / 4)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_width:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{top_count * i // 4}</text>')
        out.append(f'<text x="{LEFT + plot_width + 6:.1f}" y="{y + 4:.1f}">{25 * i}%</text>')
    if not daily:
        out.append(f'<text x="{LEFT + plot_width / 2:.1f}" y="{(TOP + BOTTOM) / 2}" text-anchor="middle">'
                   'no tickets</text>')
    label_every = max(1, math.ceil(40 / slot))
    segments, current = [], []
    for i, day in enumerate(daily):
        x = LEFT + slot * i
        percent = day["first_response_percent"]
        tip = f'{day["date"]}: {day["tickets"]} tickets' + ("" if percent is None else f", {percent:g} % in time")
        bar_top = y_count(day["tickets"])
        out.append(f'<rect x="{x + (slot - bar_width) / 2:.1f}" y="{bar_top:.1f}" width="{bar_width:.1f}" '
                   f'height="{BOTTOM - bar_top:.1f}" fill="{BAR}"><title>{escape(tip)}</title></rect>')
        if i % label_every == 0:
            out.append(f'<text x="{x + slot / 2:.1f}" y="{BOTTOM + 16}" text-anchor="middle">'
                       f'{escape(day["date"][8:10] + "." + day["date"][5:7])}</text>')
        if percent is None:  # no deadline settled that day: the line breaks
            segments, current = segments + [current] if current else segments, []
        else:
            current.append((x + slot / 2, y_percent(percent)))
    segments += [current] if current else []
    for points in segments:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>' for x, y in points]
    out.append(f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{LEFT + plot_width:.1f}" y2="{BOTTOM}" stroke="{INK}"/>')
    if daily:
        out.append(f'<text x="{LEFT}" y="{BOTTOM + 36}">{escape(daily[0]["date"])} to {escape(daily[-1]["date"])}'
                   '</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
