"""Rotations: a timeline per sector (planned and actual windows, high-tempo periods), with
what the rotation analysis finds: rotations at the same time, in high periods, off plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.rotations import OperationalPeriod, Rotation
from bluehelmet.domain.units import Unit
from bluehelmet.services import rotation_stats
from bluehelmet.services.rotation_stats import Deviation
from bluehelmet.web.deps import need
from bluehelmet.web.i18n import NONE
from bluehelmet.web.pages.frame import Period, actor_of, db_of, names, page_scope, render, visible
from bluehelmet.web.pages.timeline import Timeline

__all__ = ["router"]

router = APIRouter()


@router.get("/rotations")
def rotation_timeline(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Rotation"))]
) -> Response:
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        found = [r for r in visible(tx, principal, "Rotation") if isinstance(r, Rotation)]
        units = {u.id: u for u in visible(tx, principal, "Unit") if isinstance(u, Unit)}
        periods = [p for p in visible(tx, principal, "OperationalPeriod") if isinstance(p, OperationalPeriod)]
        sectors = names(tx, "Sector")
        today = tx.today
    starts = [r.actual_start or r.planned_start for r in found] + [r.planned_start for r in found]
    ends = [r.actual_end or r.planned_end for r in found] + [r.planned_end for r in found]
    period = Period.of(request, (min(starts, default=today), max(ends, default=today + timedelta(days=30))))
    start, end = period.date_from or today, period.date_to or today
    report = rotation_stats.rotations(db, start, end, mission=page_scope(request, principal).mission)
    # Measured against the period's end: what a rotation did after it is not yet known there.
    found = [_as_of(r, end) for r in found]
    lanes: dict[str, list[tuple[Rotation, Unit]]] = {}
    for rotation in sorted(found, key=lambda r: r.planned_start):
        unit = units.get(rotation.unit_id)
        if unit is not None and _overlaps(rotation, start, end):
            lanes.setdefault(sectors.get(unit.sector_id or 0, "") or NONE, []).append((rotation, unit))
    shown_sectors = set(lanes)
    deviations = [_known_by(d, end) for d in report.deviations]

    def mine(items: list[Any]) -> list[Any]:
        """A sector user sees the analysis of their own sector only."""
        return [i for i in items if not principal.scoped or (i.sector or NONE) in shown_sectors]

    context: dict[str, Any] = {
        "title": "Rotations",
        "period": period,
        "timeline": Timeline(start, end),
        "lanes": sorted(lanes.items()),
        "high": {
            name: [p for p in periods if p.sector_id is None or sectors.get(p.sector_id) == name]
            for name in shown_sectors
        },
        "overlaps": mine(report.overlaps.actual),
        "against_plan": report.overlaps.against_plan,
        "high_periods": mine(report.high_periods),
        "deviations": mine(deviations),
        # no actual bar for a rotation whose outcome the period's end does not know yet
        "unknown": {d.rotation_id for d in deviations if d.kept_plan is None},
        "lowest": mine(report.lowest),
        "coverage": {c.sector: c.coverage for c in mine(report.strength_coverage)},
        # The rotating units' coverage is the whole mission's: a sector account is not shown it.
        "rotating": None if principal.scoped else report.rotating_coverage,
    }
    return render(request, "rotations.html", context, principal=principal)


def _as_of(rotation: Rotation, end: date) -> Rotation:
    """The rotation as it stood on ``end``: an actual start or end after it is not yet known."""
    if rotation.actual_start is not None and rotation.actual_start > end:
        return replace(rotation, actual_start=None, actual_end=None)
    if rotation.actual_end is not None and rotation.actual_end > end:
        return replace(rotation, actual_end=None)
    return rotation


def _known_by(found: Deviation, end: date) -> Deviation:
    """A deviation as the period's end knows it: a rotation not started by then is "not yet
    known", with no actual date."""
    if found.actual_start is None or found.actual_start <= end:
        return found
    return replace(found, actual_start=None, actual_end=None, start_shift=None, end_shift=None, longer_by=None,
                   kept_plan=None)  # fmt: skip


def _overlaps(rotation: Rotation, start: date, end: date) -> bool:
    first = min(rotation.planned_start, rotation.actual_start or rotation.planned_start)
    last = max(rotation.planned_end, rotation.actual_end or rotation.planned_end)
    return first <= end and last >= start
