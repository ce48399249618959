"""Two rotation plans side by side (a what-if against the plan it changes): the objectives and
their difference, the units whose rotation moved and by how much, and each sector's lowest
available strength in both; and a plan as rows for a spreadsheet or events for a calendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bluehelmet.planning.rotations import RotationPlan

__all__ = ["compare_plans", "plan_to_csv_rows", "plan_to_ical"]


def compare_plans(a: RotationPlan, b: RotationPlan, a_strength: Any = None, b_strength: Any = None) -> dict[str, Any]:
    """What changes from plan ``a`` to plan ``b``; the strength lists are the plans' JSON ``strength``."""
    starts_a = {r.unit: r for r in a.rotations}
    starts_b = {r.unit: r for r in b.rotations}
    moved = [
        {"unit": unit, "a_start": starts_a[unit].start.isoformat(), "b_start": starts_b[unit].start.isoformat(),
         "days": (starts_b[unit].start - starts_a[unit].start).days}
        for unit in sorted(set(starts_a) & set(starts_b)) if starts_a[unit].start != starts_b[unit].start
    ]  # fmt: skip
    objectives: dict[str, Any] = {}
    if a.objective and b.objective:
        for key in ("high_tempo_unit_days", "min_margin", "deviation_days"):
            x, y = getattr(a.objective, key), getattr(b.objective, key)
            objectives[key] = {"a": x, "b": y, "difference": round(y - x, 6)}

    def lowest(strength: Any) -> dict[Any, Any]:
        if not isinstance(strength, list):
            return {}
        return {s.get("sector"): s.get("lowest_available") for s in strength if isinstance(s, dict)}

    low_a, low_b = lowest(a_strength), lowest(b_strength)
    return {
        "status": {"a": a.status, "b": b.status},
        "objective": objectives,
        "moved": moved,
        "only_in_a": sorted(set(starts_a) - set(starts_b)),
        "only_in_b": sorted(set(starts_b) - set(starts_a)),
        "strength": [
            {"sector": sector, "a_lowest_available": low_a.get(sector), "b_lowest_available": low_b.get(sector)}
            for sector in sorted(set(low_a) | set(low_b), key=str)
        ],
    }


def plan_to_csv_rows(plan: RotationPlan) -> list[list[str]]:
    rows = [["unit", "start", "end", "moved_days", "reason"]]
    for r in plan.rotations:
        moved = "" if r.moved_days is None else str(r.moved_days)
        rows.append([r.unit, r.start.isoformat(), r.end.isoformat(), moved, r.reason])
    return rows


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def plan_to_ical(plan: RotationPlan) -> str:
    """The plan as an iCalendar file: one all-day event per rotation (the end is exclusive, as
    iCalendar counts it), its reason as the description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bluehelmet//rotation plan//EN"]
    for n, r in enumerate(plan.rotations):
        lines += [
            "BEGIN:VEVENT",
            f"UID:rotation-{n}-{r.start:%Y%m%d}@bluehelmet",
            f"DTSTAMP:{r.start:%Y%m%d}T000000Z",
            f"DTSTART;VALUE=DATE:{r.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{r.end + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape('Rotation: ' + r.unit)}",
            f"DESCRIPTION:{_escape(r.reason)}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"
