"""Planning: the rotation plan built from the records, each rotation with the reason for its day,
the sectors' strength against their floors, and a what-if (plan as of a day, pin a unit to a
day, assume a strength for units whose strength is unknown). Nothing is saved from the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.units import Unit
from bluehelmet.services import planning
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import actor_of, db_of, render, visible
from bluehelmet.web.pages.timeline import Timeline

__all__ = ["PAGE_TIME_LIMIT", "router"]

router = APIRouter()

#: Seconds the solver may take for the page (the command line allows more).
PAGE_TIME_LIMIT = 5.0


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _strength(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) <= 100_000 else None


def _own_sectors(problem: planning.RotationProblem, mine: set[str]) -> planning.RotationProblem:
    """The problem of a sector user's own sectors alone (the airlift they share with the other
    sectors is then not counted against the others' rotations; the plan's warnings say so)."""
    sectors = {u.sector for u in problem.units if u.id in mine}
    return replace(
        problem,
        sectors=tuple(s for s in problem.sectors if s.id in sectors),
        units=tuple(u for u in problem.units if u.sector in sectors),
    )


@router.get("/planning")
def planning_page(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Rotation"))]
) -> Response:
    query = request.query_params
    as_of, pin_day, assume = _day(query.get("from")), _day(query.get("pin_day")), _strength(query.get("assume"))
    pin_unit = (query.get("pin_unit") or "").strip()
    chosen: dict[str, Any] = {"from": as_of, "pin_unit": pin_unit, "pin_day": pin_day, "assume": assume}
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        mine = {u.name for u in visible(tx, principal, "Unit") if isinstance(u, Unit)}
    context: dict[str, Any] = {"title": "Planning", "chosen": chosen, "error": "", "plan": None, "units": []}
    try:
        problem = planning.rotation_problem_from_db(db, date_from=as_of, actor=actor_of(principal))
        if principal.scoped:
            problem = _own_sectors(problem, mine)
        context["units"] = sorted(u.id for u in problem.units if not u.fixed)
        if pin_unit and pin_day:
            problem = planning.pin_rotations(problem, {pin_unit: pin_day})
        plan = planning.solve_rotations(problem, time_limit=PAGE_TIME_LIMIT, assume_strength=assume)
    except BluehelmetError as error:
        context["error"] = str(error)
        return render(request, "planning.html", context, principal=principal)
    if principal.scoped:
        note = "planned for your sector alone: the airlift it shares with the other sectors is not counted"
        plan = replace(plan, warnings=(*plan.warnings, note))
    units = {u.id: u for u in problem.units}
    shown = [r for r in plan.rotations if r.unit in mine]
    sectors = sorted({units[r.unit].sector for r in shown})
    context.update(
        plan=plan,
        timeline=Timeline(problem.horizon.start, problem.horizon.end),
        lanes=[(s, [(r, units[r.unit]) for r in shown if units[r.unit].sector == s]) for s in sectors],
        high={s.id: s.high_tempo for s in problem.sectors},
        strength=[s for s in plan.strength if s.sector in sectors],
        length=lambda u: timedelta(days=u.rotation_days - 1),
    )
    return render(request, "planning.html", context, principal=principal)
