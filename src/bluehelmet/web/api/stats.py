"""The analysis under ``/api/stats/{topic}``, answering the JSON of ``bluehelmet stats TOPIC --json``.

Parameters mirror the command's options (``--from`` is ``from``, a repeatable option is a
repeatable parameter). A sector account's incident analysis (incidents, rate, compare, ied,
hotspots) counts its own sector only; the analyses of the whole force (equipment, performance,
caveats, rotations, convoys, capabilities, transition) are refused to it.
"""

import typing
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import EventType, IncidentCategory, ReviewStatus, SubEventType, Target
from bluehelmet.services import (
    answer_cache,
    caveat_stats,
    convoy_stats,
    hotspots,
    mission_compare,
    plan_stats,
    readiness,
    rotation_stats,
    stats,
)
from bluehelmet.services.database import Database
from bluehelmet.services.map_layers import scoped_filter
from bluehelmet.services.results import plain
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.web.api.errors import COMMON, ApiRoute, problems
from bluehelmet.web.deps import MissionParam, database_of, need

__all__ = ["Rows", "incident_filter", "plain", "router", "whole_mission"]

router = APIRouter(prefix="/stats", route_class=ApiRoute, tags=["analysis"])

Reader = Annotated[Principal, Depends(need(Action.READ))]
Db = Annotated[Database, Depends(database_of)]
Day = Annotated[date | None, Query()]
Many = Annotated[list[str] | None, Query()]
Mission = MissionParam
#: The longest period a day-by-day analysis is asked for (ten years).
_LONGEST_DAYS = 3653
_FILTERS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "location", "sector", "target")


class Rows(BaseModel):
    rows: list[dict[str, Any]]


class IncidentRows(Rows):
    """The rows, the drafts pending review in the filter's period and columns, and whether the
    rows count them (as `bluehelmet stats incidents --json` says)."""

    pending_review: int
    drafts_included: bool


def _returns(function: Callable[..., Any]) -> Any:
    """What a service returns: the schema of the answer (the service's own result type)."""
    return typing.get_type_hints(function)["return"]


async def whole_mission(principal: Annotated[Principal, Depends(need(Action.READ))]) -> Principal:
    """Refuses sector accounts: the analysis covers the whole force, every sector's records."""
    if principal.scoped:
        raise HTTPException(403, "this analysis covers the whole mission; a sector account sees its incident analysis")
    return principal


whole_mission.mission_wide = True  # type: ignore[attr-defined]
Whole = Annotated[Principal, Depends(whole_mission)]


async def comparing(principal: Whole) -> Principal:
    """Refuses the roles that do not compare missions (``mission_compare.COMPARING_ROLES``: the
    headquarters roles; an evaluator's or a sector account's work is within one mission)."""
    if principal.role not in mission_compare.COMPARING_ROLES:
        raise HTTPException(403, f"the {principal.role} role does not compare missions")
    return principal


comparing.roles = mission_compare.COMPARING_ROLES  # type: ignore[attr-defined]


def _values(chosen: Sequence[StrEnum] | None) -> list[str] | None:
    return None if chosen is None else [c.value for c in chosen]


def incident_filter(
    db: Db,
    principal: Reader,
    mission: Mission = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    event_type: Annotated[list[EventType] | None, Query()] = None,
    sub_event_type: Annotated[list[SubEventType] | None, Query()] = None,
    category: Annotated[list[IncidentCategory] | None, Query()] = None,
    admin1: Many = None,
    admin2: Many = None,
    location: Many = None,
    sector: Many = None,
    target: Annotated[list[Target] | None, Query()] = None,
    status: Annotated[
        list[Literal["draft", "verified"]] | None,
        Query(description="Review statuses counted (repeatable); none: drafts and verified alike."),
    ] = None,
) -> IncidentFilter:
    """The incidents an analysis counts (a sector account's: its sector's only); vocabulary
    filters take the vocabulary's values only."""
    chosen: list[Any] = [_values(event_type), _values(sub_event_type), _values(category), admin1, admin2, location,
                         sector, _values(target)]  # fmt: skip
    where = {name: values for name, values in zip(_FILTERS, chosen, strict=True) if values}
    try:
        statuses = frozenset(ReviewStatus(s) for s in status) if status else None
        flt = IncidentFilter(date_from, date_to, where or None, statuses)
    except BluehelmetError as error:
        raise problems(("to", str(error))) from None
    return scoped_filter(db, principal, flt, mission=mission)


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


@router.get("/incidents", response_model=IncidentRows, responses=COMMON)
def incidents(db: Db, principal: Reader, flt: Filter, by: str = "", mission: Mission = None) -> JSONResponse:
    """Events and their toll, grouped by ``by`` (comma-separated keys: year, month, week, day,
    event_type, sub_event_type, category, admin1, admin2, location, sector, target, perpetrator)."""
    keys = [k.strip() for k in by.split(",") if k.strip()]
    try:
        rows, pending = answer_cache.incident_table(db, principal.name, keys, flt, mission)
    except BluehelmetError as error:
        raise problems(("by", str(error))) from None
    included = flt.statuses is None or ReviewStatus.DRAFT in flt.statuses
    return JSONResponse({"rows": rows, "pending_review": pending, "drafts_included": included})


@router.get("/rate", response_model=_returns(stats.weekly_rate), responses=COMMON)
def rate(db: Db, principal: Reader, flt: Filter, split: date, mission: Mission = None) -> JSONResponse:
    """Weekly rate of events before and after ``split``, with the rate ratio and its 95% interval."""
    return JSONResponse(plain(stats.weekly_rate(db, split, flt, mission=mission, actor=principal.name)))


Measure = Literal["events", "fatalities", "civilian_casualties", "killed_civilians", "injured_civilians",
                  "killed_peacekeepers", "injured_peacekeepers"]  # fmt: skip


@router.get("/compare", response_model=_returns(stats.compare_with_previous_year), responses=COMMON)
def compare(
    db: Db, principal: Reader, flt: Filter, measure: Measure = "events", mission: Mission = None
) -> JSONResponse:
    """A measure in the period against the same dates a year earlier, with the change in per cent."""
    result = stats.compare_with_previous_year(db, flt, measure, mission=mission, actor=principal.name)
    return JSONResponse(plain(result))


@router.get("/ied", response_model=_returns(stats.ied_summary), responses=COMMON)
def ied(db: Db, principal: Reader, flt: Filter, mission: Mission = None) -> JSONResponse:
    """IEDs: in the country, against the mission, neutralised and detonated."""
    return JSONResponse(plain(stats.ied_summary(db, flt, mission=mission, actor=principal.name)))


@router.get("/hotspots", response_model=_returns(hotspots.hotspots), responses=COMMON)
def hotspot_cells(
    db: Db,
    principal: Reader,
    flt: Filter,
    resolution: Annotated[int, Query(ge=0, le=15)] = 7,
    near_repeat_km: Annotated[float, Query(gt=0, le=1000)] = 1.0,
    near_repeat_days: Annotated[int, Query(ge=0, le=3650)] = 2,
    min_size: Annotated[int, Query(ge=1)] = 2,
    mission: Mission = None,
) -> JSONResponse:
    """Incidents in H3 hexagons, and IEDs linked by near repeats into clusters."""
    result = hotspots.hotspots(db, flt, resolution, near_repeat_km, near_repeat_days, min_size=min_size,
                               mission=mission, actor=principal.name)  # fmt: skip
    return JSONResponse(plain(result))


@router.get("/equipment", response_model=_returns(readiness.equipment_readiness), responses=COMMON)
def equipment(
    db: Db, principal: Whole, on: Day = None, unit: Many = None, category: Many = None, mission: Mission = None
) -> JSONResponse:
    """Serviceable and unserviceable major equipment on a day, by unit, category and cause."""
    result = readiness.equipment_readiness(db, on, units=unit or (), categories=category or (), mission=mission,
                                           actor=principal.name)  # fmt: skip
    return JSONResponse(plain(result))


@router.get("/performance", response_model=_returns(readiness.performance_report), responses=COMMON)
def performance(
    db: Db,
    principal: Whole,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    on: Day = None,
    mission: Mission = None,
) -> JSONResponse:
    """Units evaluated, findings, improvement actions overdue, police assessments, COE inspections."""
    result = readiness.performance_report(db, date_from, date_to, on, mission=mission, actor=principal.name)
    return JSONResponse(plain(result))


@router.get("/caveats", response_model=_returns(caveat_stats.caveats), responses=COMMON)
def caveats(
    db: Db,
    principal: Whole,
    on: Day = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    mission: Mission = None,
) -> JSONResponse:
    """Caveats in force: declared and undeclared, by component and unit type, with their impacts."""
    result = caveat_stats.caveats(db, on=on, date_from=date_from, date_to=date_to, mission=mission,
                                  actor=principal.name)  # fmt: skip
    return JSONResponse(plain(result))


@router.get("/rotations", response_model=dict[str, Any], responses=COMMON)
def rotations(
    db: Db,
    principal: Whole,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    all_units: bool = False,
    tolerance: Annotated[int, Query(ge=0, le=3650)] = 0,
    daily: bool = False,
    mission: Mission = None,
) -> JSONResponse:
    """Strength per sector, rotations at the same time, in high periods, and off plan (``daily``:
    every sector's strength on every day); a period of at most ten years."""
    if not 0 <= (date_to - date_from).days <= _LONGEST_DAYS:
        raise problems(("to", f"the period runs from 'from' to 'to', at most {_LONGEST_DAYS} days"))
    result = rotation_stats.rotations(
        db, date_from, date_to, unit_types=None if all_units else rotation_stats.BATTALION_TYPES,
        tolerance_days=tolerance, mission=mission, actor=principal.name,
    )  # fmt: skip
    data = plain(result)
    if not daily:
        data.pop("daily")
    return JSONResponse(data)


@router.get("/convoys", response_model=_returns(convoy_stats.convoys), responses=COMMON)
def convoys(
    db: Db,
    principal: Whole,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    threshold: Annotated[int | None, Query(ge=0)] = None,
    window: Annotated[int, Query(ge=1, le=120)] = 3,
    mission: Mission = None,
) -> JSONResponse:
    """Observed convoys needing notice that were notified beforehand, by month and armed group."""
    extra = {} if threshold is None else {"threshold": threshold}
    result = convoy_stats.convoys(db, date_from=date_from, date_to=date_to, window=window, mission=mission,
                                  actor=principal.name, **extra)  # fmt: skip
    return JSONResponse(plain(result))


@router.get("/capabilities", response_model=Rows, responses=COMMON)
def capabilities(db: Db, principal: Whole, open_only: Annotated[bool, Query(alias="open")] = False,
                 mission: Mission = None) -> JSONResponse:  # fmt: skip
    """Capabilities required against units deployed and pledged, and the gaps."""
    rows = plan_stats.capabilities(db, open_only=open_only, mission=mission, actor=principal.name)
    return JSONResponse({"rows": plain(rows)})


@router.get("/transition", response_model=_returns(plan_stats.transition), responses=COMMON)
def transition(db: Db, principal: Whole, on: Day = None, mission: Mission = None) -> JSONResponse:
    """Transition activities late or delayed, with their reasons, by road-map phase and owner."""
    return JSONResponse(plain(plan_stats.transition(db, on=on, mission=mission, actor=principal.name)))


@router.get("/missions", response_model=dict[str, Any], responses=COMMON)
def missions(
    db: Db,
    principal: Annotated[Principal, Depends(comparing)],
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    include_drafts: Annotated[bool, Query(description="Count the draft incidents awaiting review too.")] = False,
) -> JSONResponse:
    """The missions the account reaches side by side for one period, each figure with its base
    (as `bluehelmet stats missions --json` and the page /missions): for headquarters roles."""
    statuses = None if include_drafts else frozenset({ReviewStatus.VERIFIED})
    try:
        shown = mission_compare.compare(db, principal, date_from, date_to, statuses)
    except BluehelmetError as error:
        raise problems(("to", str(error))) from None
    answer = {"from": date_from, "to": date_to, "drafts_included": include_drafts, "missions": shown}
    return JSONResponse(plain(answer))
