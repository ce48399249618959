"""Transition: the activities of the road map (late and delayed ones first, with their
reasons), counts by phase and by owner, and the joint programmes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.transition import JointProgramme, TransitionActivity
from bluehelmet.services import plan_stats
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import actor_of, db_of, names, page_scope, render, visible

__all__ = ["router"]

router = APIRouter()


@router.get("/transition")
def transition_plan(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "TransitionActivity"))]
) -> Response:
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        activities = [a for a in visible(tx, principal, "TransitionActivity") if isinstance(a, TransitionActivity)]
        programmes = [p for p in visible(tx, principal, "JointProgramme") if isinstance(p, JointProgramme)]
        places = names(tx, "Location")
    # The summary is mission-wide: shown to those who may read every activity.
    summary = None if principal.scoped else plan_stats.transition(db, mission=page_scope(request, principal).mission)
    context: dict[str, Any] = {
        "title": "Transition",
        "summary": summary,
        "activities": sorted(activities, key=lambda a: (str(a.road_map_phase), a.due_on or a.completed_on or tx.today)),
        "programmes": programmes,
        "places": places,
    }
    return render(request, "transition.html", context, principal=principal)
