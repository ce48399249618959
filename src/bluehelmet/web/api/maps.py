"""Map layers for the pages under ``/api/map/``, as GeoJSON FeatureCollections: the country's
regions, the sectors' outlines, the places (with the zoom from which each is labelled), the
bases and camps, incidents counted in H3 hexagons (aggregated in the database), places of
operations. Every layer holds only what the account may read."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.incidents import IncidentCategory, ReviewStatus
from bluehelmet.services import map_layers, map_places
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.web.api.errors import COMMON, ApiRoute, problems
from bluehelmet.web.deps import MissionParam, database_of, need

__all__ = ["FeatureCollection", "router"]

router = APIRouter(prefix="/map", route_class=ApiRoute, tags=["map"])

Reader = Annotated[Principal, Depends(need(Action.READ))]
Db = Annotated[Database, Depends(database_of)]
Mission = MissionParam
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946), with the layer's own members beside ``features``."""

    model_config = ConfigDict(extra="allow")
    type: str
    features: list[dict[str, Any]]


def _period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise problems(("to", f"{date_to} is before from {date_from}"))


@router.get("/boundaries", response_model=FeatureCollection, responses=COMMON)
def boundaries(db: Db, principal: Reader, mission: Mission = None) -> JSONResponse:
    """The admin-1 regions of the mission's country (shipped with bluehelmet; properties: name, iso_3166_2)."""
    return JSONResponse(map_layers.boundaries(db, principal, mission=mission))


@router.get("/sectors", response_model=FeatureCollection, responses=COMMON)
def sectors(db: Db, principal: Reader, mission: Mission = None) -> JSONResponse:
    """Each sector the account may read, outlined as the union of the admin-1 regions its places
    lie in (properties: name, regions, places); ``without_outline`` names sectors with no placed place."""
    return JSONResponse(map_places.sectors(db, principal, mission=mission))


@router.get("/places", response_model=FeatureCollection, responses=COMMON)
def places(db: Db, principal: Reader, mission: Mission = None) -> JSONResponse:
    """A point per place with coordinates (properties: name, kind, admin1, admin2, rank 1-3 and
    ``label_zoom``, the zoom from which the map writes its name)."""
    return JSONResponse(map_places.places(db, principal, mission=mission))


@router.get("/bases", response_model=FeatureCollection, responses=COMMON)
def bases(db: Db, principal: Reader, mission: Mission = None) -> JSONResponse:
    """A point per base or camp: places units are based at, and camps, operating bases and
    airfields (properties: name, kind, units, unit_count)."""
    return JSONResponse(map_places.bases(db, principal, mission=mission))


@router.get("/hexagons", response_model=FeatureCollection, responses=COMMON)
def hexagons(
    db: Db,
    principal: Reader,
    date_from: From = None,
    date_to: To = None,
    resolution: Annotated[int, Query(ge=0, le=15)] = 7,
    category: Annotated[list[IncidentCategory] | None, Query()] = None,
    status: Annotated[
        list[Literal["draft", "verified"]] | None,
        Query(description="Review statuses counted (repeatable); none: drafts and verified alike."),
    ] = None,
    mission: Mission = None,
) -> JSONResponse:
    """Incidents of the period (not rejected) counted in H3 cells: a polygon per cell with its
    ``count``; the collection says ``resolution``, ``incidents`` and ``without_coordinates``."""
    _period(date_from, date_to)
    where = {"category": [c.value for c in category]} if category else None
    statuses = frozenset(ReviewStatus(s) for s in status) if status else None
    flt = IncidentFilter(date_from, date_to, where, statuses)
    return JSONResponse(map_layers.hexagons(db, principal, flt, resolution, mission=mission))


@router.get("/operations", response_model=FeatureCollection, responses=COMMON)
def operations(db: Db, principal: Reader, date_from: From = None, date_to: To = None,
               mission: Mission = None) -> JSONResponse:  # fmt: skip
    """A point for each place of each operation running in the period, with its name and type."""
    _period(date_from, date_to)
    return JSONResponse(map_layers.operations(db, principal, date_from, date_to, mission=mission))


@router.get("/casevac", response_model=FeatureCollection, responses=COMMON)
def casevac(
    db: Db,
    principal: Reader,
    resolution: Annotated[int, Query(ge=3, le=6, description="H3 resolution of the grid (5: cells of ~250 km²).")] = 5,
    night: Annotated[bool, Query(description="Night availability of aircraft instead of day.")] = False,
    mission: Mission = None,
) -> JSONResponse:
    """Cells of the mission area beyond the 10-1-2 targets (advanced care within 1 hour, surgery
    within 2 hours), by day or by night, from the medical units and helicopters on record."""
    return JSONResponse(map_layers.casevac(db, principal, resolution, night=night, mission=mission))
