"""Capabilities: the gaps between the capabilities required and the units deployed and
pledged, and the camps and other infrastructure projects with their milestones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.capabilities import InfrastructureProject, ProjectMilestone
from bluehelmet.services import plan_stats
from bluehelmet.web.deps import need
from bluehelmet.web.pages.as_of import as_of
from bluehelmet.web.pages.frame import actor_of, db_of, names, page_scope, render, visible

__all__ = ["router"]

router = APIRouter()


@router.get("/capabilities")
def capability_gaps(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "CapabilityRequirement"))]
) -> Response:
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        projects = [p for p in visible(tx, principal, "InfrastructureProject") if isinstance(p, InfrastructureProject)]
        milestones = [m for m in visible(tx, principal, "ProjectMilestone") if isinstance(m, ProjectMilestone)]
        places = names(tx, "Location")
    today = as_of(request, principal)  # a milestone is late against the data's last day, not the clock
    here = page_scope(request, principal)
    gaps = plan_stats.capabilities(db, mission=here.mission)
    if principal.scoped:  # the sector's name within its own mission (the gaps name their sector)
        gaps = [g for g in gaps if g.sector is not None and g.sector == here.sector]
    context: dict[str, Any] = {
        "title": "Capabilities",
        "gaps": gaps,
        "open": [g for g in gaps if g.gap > 0],
        "projects": sorted(projects, key=lambda p: (p.start_on or today, p.name)),
        "milestones": {
            p.id: sorted((m for m in milestones if m.project_id == p.id), key=lambda m: m.due_on) for p in projects
        },
        "places": places,
        "today": today,
        "on": today.isoformat(),
    }
    return render(request, "capabilities.html", context, principal=principal)
