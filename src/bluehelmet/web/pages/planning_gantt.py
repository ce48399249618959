"""The rotation plan as a Gantt chart drawn in the server (SVG: no script, no CDN), each unit's
planned rotation beside its recorded one, the high-tempo periods shaded; shown on the Planning
page and downloaded as an image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from bluehelmet.services.planning import RotationPlan, RotationProblem
from bluehelmet.services.planning_records import RotatingUnit

__all__ = ["GanttLabels", "gantt_svg"]

_LEFT, _RIGHT, _ROW, _TOP = 190, 16, 24, 46
_WIDTH = 960


@dataclass(frozen=True)
class GanttLabels:
    """The chart's words, in the page's language."""

    planned: str
    recorded: str
    happened: str
    high_tempo: str
    title: str


def _x(horizon: tuple[date, date], day: date) -> float:
    first, last = horizon
    span = max(1, (last - first).days + 1)
    chosen = min(max(day, first), last + timedelta(days=1))
    return round(_LEFT + (_WIDTH - _LEFT - _RIGHT) * (chosen - first).days / span, 1)


def _bar(horizon: tuple[date, date], first: date, last: date, y: float, height: float, css: str, tip: str) -> str:
    left, right = _x(horizon, first), _x(horizon, last + timedelta(days=1))
    width = max(1.5, right - left)
    return (
        f'<rect class="{css}" x="{left}" y="{y}" width="{round(width, 1)}" height="{height}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def gantt_svg(problem: RotationProblem, plan: RotationPlan, shown: set[str], labels: GanttLabels) -> str:
    """One row per unit of ``shown`` (by sector): the recorded rotation (its planned days in the
    records, hatched; or the days it happened, grey) above the plan's (solid)."""
    units = {u.id: u for u in problem.units}
    rows: list[tuple[RotatingUnit, date, date]] = sorted(
        ((units[r.unit], r.start, r.end) for r in plan.rotations if r.unit in shown and r.unit in units),
        key=lambda row: (row[0].sector, row[1], row[0].id),
    )
    horizon = (problem.horizon.start, problem.horizon.end)
    height = _TOP + _ROW * (len(rows) + len({u.sector for u, _, _ in rows})) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" role="img" aria-label="{escape(labels.title)}">',
        "<style>text{font:11px sans-serif;fill:#1f2d3d}.sector{font-weight:bold}.tick{stroke:#d5dde5}"
        ".planned{fill:#0b5e8f}.recorded{fill:url(#hatch);stroke:#6b7f91;stroke-width:.6}"
        ".happened{fill:#8a96a3}.high{fill:#f6d7a7;opacity:.7}</style>",
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="5" height="5" fill="#eef2f6"/><line x1="0" y1="0" x2="0" y2="5" stroke="#6b7f91" '
        'stroke-width="1.6"/></pattern></defs>',
    ]
    legend = [("planned", labels.planned), ("recorded", labels.recorded), ("happened", labels.happened),
              ("high", labels.high_tempo)]  # fmt: skip
    for n, (css, text) in enumerate(legend):
        x: float = _LEFT + n * 180
        parts.append(f'<rect class="{css} key" x="{x}" y="6" width="18" height="10"/>')
        parts.append(f'<text x="{x + 24}" y="15">{escape(text)}</text>')
    month = problem.horizon.start.replace(day=1)
    while month <= problem.horizon.end:
        if month >= problem.horizon.start:
            x = _x(horizon, month)
            parts.append(f'<line class="tick" x1="{x}" y1="{_TOP - 14}" x2="{x}" y2="{height}"/>')
            parts.append(f'<text x="{x + 2}" y="{_TOP - 4}">{month:%Y-%m}</text>')
        month = (month + timedelta(days=32)).replace(day=1)
    y = float(_TOP)
    sector = None
    for unit, start, end in rows:
        if unit.sector != sector:
            sector = unit.sector
            parts.append(f'<text class="sector" x="4" y="{y + 15}">{escape(sector)}</text>')
            y += _ROW
        for period in problem.sector(unit.sector).high_tempo:
            parts.append(_bar(horizon, period.start, period.end, y + 1, _ROW - 2, "high", labels.high_tempo))
        parts.append(f'<text x="12" y="{y + 15}">{escape(unit.id)}</text>')
        length = timedelta(days=unit.rotation_days - 1)
        if unit.fixed:
            tip = f"{unit.id}: {labels.happened} {unit.window.start} to {unit.window.start + length}"
            parts.append(_bar(horizon, unit.window.start, unit.window.start + length, y + 3, _ROW - 6, "happened", tip))
        else:
            if unit.preferred_start is not None:
                first = unit.preferred_start
                tip = f"{unit.id}: {labels.recorded} {first} to {first + length}"
                parts.append(_bar(horizon, first, first + length, y + 3, 8, "recorded", tip))
            tip = f"{unit.id}: {labels.planned} {start} to {end}"
            parts.append(_bar(horizon, start, end, y + 12, 9, "planned", tip))
        y += _ROW
    parts.append("</svg>")
    return "".join(parts)
