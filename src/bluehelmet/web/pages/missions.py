"""The comparison of the missions (``/missions``): for a headquarters account that follows
several, each mission's key figures side by side for one period (``services.mission_compare``),
each with its base and a link to the records behind it."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import ReviewStatus, Target
from bluehelmet.services import mission_compare, scope
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import COMPARING_ROLES, Period, actor_of, db_of, render
from bluehelmet.web.pages.situation import data_period, statuses_of

__all__ = ["router"]

router = APIRouter()


def _default(request: Request, missions: list[str]) -> Period:
    """The period every mission is compared over by default: from the earliest to the latest of
    the missions' own default periods (the twelve months up to each one's last incidents)."""
    spans = [data_period(db_of(request), {}, mission=m) for m in missions]
    starts = [s for s, _ in spans if s is not None]
    ends = [e for _, e in spans if e is not None]
    return Period.of(request, (min(starts, default=None), max(ends, default=None)))


def _links(mission: str, start: date, end: date, drafts: bool) -> dict[str, str]:
    """The pages that list the records behind each figure of ``mission``, for the period."""
    period = {"mission": mission, "from": start.isoformat(), "to": end.isoformat()}
    counted = period if drafts else {**period, "status": ReviewStatus.VERIFIED.value}
    return {
        "incidents": f"/incidents?{urlencode(counted)}",
        "attacks": f"/incidents?{urlencode({**counted, 'target': Target.MISSION.value})}",
        "forces": f"/forces?{urlencode({'mission': mission})}",
        "rotations": f"/rotations?{urlencode(period)}",
        "alerts": f"/alerts?{urlencode({'mission': mission})}",
    }


@router.get("/missions")
def missions(request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))]) -> Response:
    if principal.role not in COMPARING_ROLES:
        raise HTTPException(403, f"the {principal.role} role does not compare missions")
    with db_of(request).transaction(actor_of(principal)) as tx:
        reached = [s.mission for s in scope.reachable(tx, principal)]
    period = _default(request, reached)
    statuses = statuses_of(request)
    start, end = period.date_from or date.today(), period.date_to or date.today()
    error, shown = "", []
    try:
        shown = mission_compare.compare(db_of(request), principal, start, end, statuses)
    except BluehelmetError as refused:
        error = str(refused)
    context = {
        "title": "Missions compared",
        "period": period,
        "figures": shown,
        "error": error,
        "drafts_included": statuses is None,
        "links": {f.mission: _links(f.mission, start, end, statuses is None) for f in shown},
    }
    return render(request, "missions.html", context, status=422 if error else 200, principal=principal)
