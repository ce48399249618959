"""Forces: the units and their strength, caveats and their impact, equipment serviceability,
evaluations and improvement plans. A sector user sees their sector's units only, and the
analysis of those units."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.evaluations import ImprovementAction, ImprovementPlan
from bluehelmet.domain.units import Unit
from bluehelmet.services import readiness
from bluehelmet.web.deps import need
from bluehelmet.web.pages.as_of import as_of
from bluehelmet.web.pages.frame import actor_of, db_of, names, page_scope, render, visible

__all__ = ["router"]

router = APIRouter()


@router.get("/forces")
def forces(request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Unit"))]) -> Response:
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        units = sorted((u for u in visible(tx, principal, "Unit") if isinstance(u, Unit)), key=lambda u: u.name)
        caveats = [c for c in visible(tx, principal, "Caveat") if isinstance(c, Caveat)]
        impacts = Counter(i.caveat_id for i in visible(tx, principal, "CaveatImpact") if isinstance(i, CaveatImpact))
        plans = [p for p in visible(tx, principal, "ImprovementPlan") if isinstance(p, ImprovementPlan)]
        actions = [a for a in visible(tx, principal, "ImprovementAction") if isinstance(a, ImprovementAction)]
        sectors, places, countries = names(tx, "Sector"), names(tx, "Location"), names(tx, "ContributingCountry")
    today = as_of(request, principal)  # what is in force, serviceable or overdue: on the data's last day
    unit_names = {u.id: u.name for u in units}
    mission = page_scope(request, principal).mission
    # A sector account's equipment is its units' (none if it has none), by id, never "all units".
    own = {u.id for u in units if u.id is not None} if principal.scoped else None
    equipment = readiness.equipment_readiness(db, today, unit_ids=own, mission=mission, actor=actor_of(principal))
    performance = readiness.performance_report(db, on=today, mission=mission, actor=actor_of(principal))
    ids = set(unit_names)
    context: dict[str, Any] = {
        "title": "Forces",
        "units": units,
        "deployed": readiness.deployed_strength(units),
        "caveats": sorted(caveats, key=lambda c: (c.declared, unit_names.get(c.unit_id, ""))),
        "in_force": [c for c in caveats if c.lifted_on is None or c.lifted_on > today],
        "impacts": impacts,
        "equipment": equipment,
        "evaluated": [e for e in performance.units_evaluated if e.unit_id in ids],
        "findings": [f for f in performance.sub_units_with_findings if f.sub_unit_id in ids or not principal.scoped],
        "overdue": [a for a in performance.overdue_actions if a.unit in unit_names.values()],
        "plans": plans,
        "actions": {p.id: [a for a in actions if a.plan_id == p.id] for p in plans},
        "unit_names": unit_names,
        "sectors": sectors,
        "places": places,
        "countries": countries,
        "today": today,
        "on": today.isoformat(),
    }
    return render(request, "forces.html", context, principal=principal)
