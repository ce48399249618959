"""Data quality: the values missing that a figure needs, with the figures each gap weakens and
links to the records, and the numbers typed into quoted text. A sector account sees its
sector's records only (the same report as `bluehelmet check`, read as the principal)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal, Role
from bluehelmet.services import quality, storage_size
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import actor_of, db_of, page_scope, render

__all__ = ["link", "router"]

router = APIRouter()


def link(kind: str, record_id: int) -> str:
    """Where a record is shown: an incident's own page, else its history on the audit page."""
    return f"/incidents/{record_id}" if kind == "Incident" else f"/audit?kind={kind}&id={record_id}"


@router.get("/quality")
def data_quality(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    mission = page_scope(request, principal).mission  # ?mission=, else the account's own, else the first
    report = quality.quality_report(db_of(request), principal, mission=mission, actor=actor_of(principal))
    context: dict[str, Any] = {
        "title": "Data quality",
        "report": report,
        "open": [g for g in report.gaps if g.count],
        "closed": [g for g in report.gaps if not g.count],
        "link": link,
        # The sizes are of the whole database (every mission's): for an administrator only.
        "storage": storage_size.storage_size(db_of(request), max_age=storage_size.PAGE_MAX_AGE)
        if principal.role == Role.ADMIN
        else None,
    }
    return render(request, "quality.html", context, principal=principal)
