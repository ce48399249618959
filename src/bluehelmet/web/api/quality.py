"""Data quality under ``/api/quality``: the JSON of ``bluehelmet check --json``, read as the
caller may read the records (a sector account: its sector's)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from bluehelmet.domain.access import Action, Principal
from bluehelmet.services import quality
from bluehelmet.services.database import Database
from bluehelmet.services.results import plain
from bluehelmet.web.api.errors import COMMON, ApiRoute
from bluehelmet.web.deps import database_of, need

__all__ = ["router"]

router = APIRouter(prefix="/quality", route_class=ApiRoute, tags=["analysis"])


@router.get("", response_model=quality.QualityReport, responses=COMMON)
def data_quality(
    db: Annotated[Database, Depends(database_of)],
    principal: Annotated[Principal, Depends(need(Action.READ))],
    on: Annotated[date | None, Query(description="The day the checks look from (default: today).")] = None,
    only: Annotated[list[str] | None, Query(description="Run only these checks.")] = None,
    mission: Annotated[str | None, Query(description="The mission (default: the only one).")] = None,
) -> JSONResponse:
    """Per check, the records missing a value a figure needs, the figures each gap weakens, and
    the numbers typed into quoted text; ``clean`` is true when nothing is found."""
    report = quality.quality_report(db, principal, on=on, checks=only or (), mission=mission, actor=principal.name)
    return JSONResponse(plain(report) | {"clean": report.clean})
