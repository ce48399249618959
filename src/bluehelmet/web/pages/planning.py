"""Planning: the rotation plan built from the records, each rotation with the reason for its day,
drawn as a Gantt chart beside the recorded rotations, the sectors' strength against their floors;
a what-if (plan as of a day, pin a unit to a day, assume a strength for units of unknown
strength) compared with the plan without it; the plan downloaded as CSV, iCalendar or the Gantt
image; and, for those who may change rotations, saved as the planned days of the Rotation
records (each change audited, who and when shown beside each rotation)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.units import Unit
from bluehelmet.services import planning, planning_records
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import choose_language, words
from bluehelmet.web.pages.frame import actor_of, db_of, page_scope, render, visible
from bluehelmet.web.pages.planning_gantt import GanttLabels, gantt_svg

__all__ = ["PAGE_TIME_LIMIT", "router"]

router = APIRouter()

#: Seconds the solver may take for the page (the command line allows more).
PAGE_TIME_LIMIT = 5.0
_READ = need(Action.READ, "Rotation")
_WRITE = need(Action.WRITE, "Rotation")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _strength(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) <= 100_000 else None


def _inputs(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "from": _day(values.get("from")),
        "pin_unit": str(values.get("pin_unit") or "").strip(),
        "pin_day": _day(values.get("pin_day")),
        "assume": _strength(values.get("assume")),
    }


def _query(chosen: dict[str, Any]) -> str:
    return urlencode({k: str(v) for k, v in chosen.items() if v})


def _own_sectors(problem: planning.RotationProblem, mine: set[str]) -> planning.RotationProblem:
    """The problem of a sector user's own sectors alone (the airlift they share with the other
    sectors is then not counted against the others' rotations; the plan's warnings say so)."""
    sectors = {u.sector for u in problem.units if u.id in mine}
    return replace(
        problem,
        sectors=tuple(s for s in problem.sectors if s.id in sectors),
        units=tuple(u for u in problem.units if u.sector in sectors),
    )


@dataclass(frozen=True)
class _Planned:
    problem: planning.RotationProblem
    plan: planning.RotationPlan
    #: The plan without the what-if (no pin, no assumed strength), when there is a what-if.
    base: planning.RotationPlan | None
    #: The units the principal may see.
    mine: set[str]
    units: list[str]


def _plan(request: Request, principal: Principal, chosen: dict[str, Any]) -> _Planned:
    """The plan of the records as ``chosen`` asks (raises BluehelmetError with what is wrong)."""
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        mine = {u.name for u in visible(tx, principal, "Unit") if isinstance(u, Unit)}
    here = page_scope(request, principal).mission
    problem = planning.rotation_problem_from_db(db, date_from=chosen["from"], actor=actor_of(principal), mission=here)
    if principal.scoped:
        problem = _own_sectors(problem, mine)
    units = sorted(u.id for u in problem.units if not u.fixed)
    pinned = problem
    if chosen["pin_unit"] and chosen["pin_day"]:
        pinned = planning.pin_rotations(problem, {chosen["pin_unit"]: chosen["pin_day"]})
    plan = planning.solve_rotations(pinned, time_limit=PAGE_TIME_LIMIT, assume_strength=chosen["assume"])
    base = None
    if pinned is not problem or chosen["assume"]:
        base = planning.solve_rotations(problem, time_limit=PAGE_TIME_LIMIT)
    if principal.scoped:
        note = "planned for your sector alone: the airlift it shares with the other sectors is not counted"
        plan = replace(plan, warnings=(*plan.warnings, note))
    return _Planned(pinned, plan, base, mine, units)


def _gantt(request: Request, planned: _Planned) -> str:
    _ = words(choose_language(request)).gettext
    labels = GanttLabels(
        planned=_("planned"),
        recorded=_("recorded"),
        happened=_("happened"),
        high_tempo=_("high-tempo period"),
        title=_("Rotation plan"),
    )
    return gantt_svg(planned.problem, planned.plan, planned.mine, labels)


def _comparison(planned: _Planned) -> dict[str, Any] | None:
    if planned.base is None:
        return None
    strength = [planning.rotation_plan_to_json(p)["strength"] for p in (planned.base, planned.plan)]
    compared = planning.compare_plans(planned.base, planned.plan, *strength)
    compared["moved"] = [m for m in compared["moved"] if m["unit"] in planned.mine]
    return compared


@router.get("/planning")
def planning_page(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    chosen = _inputs(request.query_params)
    saved = request.query_params.get("saved", "")
    context: dict[str, Any] = {
        "title": "Planning", "chosen": chosen, "error": "", "plan": None, "units": [], "query": _query(chosen),
        "saved": int(saved) if saved.isdigit() else None,
    }  # fmt: skip
    try:
        planned = _plan(request, principal, chosen)
    except BluehelmetError as error:
        context["error"] = str(error)
        return render(request, "planning.html", context, principal=principal)
    plan, problem = planned.plan, planned.problem
    units = {u.id: u for u in problem.units}
    shown = [r for r in plan.rotations if r.unit in planned.mine]
    sectors = sorted({units[r.unit].sector for r in shown})
    records = [units[r.unit].record_id for r in shown if units[r.unit].record_id]
    changed = planning_records.last_changed(db_of(request), [i for i in records if i], principal, actor_of(principal))
    context.update(
        plan=plan,
        units=planned.units,
        gantt=_gantt(request, planned),
        compared=_comparison(planned),
        rows=[(s, [(r, units[r.unit]) for r in shown if units[r.unit].sector == s]) for s in sectors],
        changed=changed,
        strength=[s for s in plan.strength if s.sector in sectors],
        may_save=not principal.scoped and plan.rotations != (),
    )
    return render(request, "planning.html", context, principal=principal)


def _download(request: Request, principal: Principal) -> _Planned:
    try:
        planned = _plan(request, principal, _inputs(request.query_params))
    except BluehelmetError as error:
        raise HTTPException(422, str(error)) from None
    shown = tuple(r for r in planned.plan.rotations if r.unit in planned.mine)
    return replace(planned, plan=replace(planned.plan, rotations=shown))


@router.get("/planning/plan.csv")
def plan_csv(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(planning.plan_to_csv_rows(_download(request, principal).plan))
    headers = {"Content-Disposition": 'attachment; filename="rotation-plan.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/planning/plan.ics")
def plan_ics(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="rotation-plan.ics"'}
    body = planning.plan_to_ical(_download(request, principal).plan)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/planning/gantt.svg")
def plan_gantt(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="rotation-plan.svg"'}
    return Response(_gantt(request, _download(request, principal)), media_type="image/svg+xml", headers=headers)


@router.post("/planning/save")
async def save(request: Request, principal: Annotated[Principal, Depends(_WRITE)]) -> Response:
    """Save the plan (with its what-if) as the planned days of the Rotation records; a sector
    account's plan leaves out the shared airlift, so it is never saved."""
    if principal.scoped:
        raise HTTPException(403, "a plan of one sector leaves out the shared airlift: it is not saved")
    chosen = _inputs(await request.form())
    try:
        planned = _plan(request, principal, chosen)
    except BluehelmetError as error:
        raise HTTPException(422, str(error)) from None

    def work() -> list[int]:
        return planning.save_rotation_plan(db_of(request), actor_of(principal), planned.problem, planned.plan,
                                           mission=page_scope(request, principal).mission)  # fmt: skip

    try:
        written = await write_in_turn(request, work)
    except BluehelmetError as error:
        raise HTTPException(422, str(error)) from None
    chosen.update(pin_unit="", pin_day=None, assume=None)  # saved: the records now hold the what-if
    return RedirectResponse(f"/planning?{_query(chosen)}&saved={len(written)}", status_code=303)
