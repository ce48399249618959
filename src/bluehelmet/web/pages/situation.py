"""Situation: the map of incidents (H3 hexagons) and operations, the monthly trend, hotspots.

The map draws the shipped admin-1 boundaries (no tiles: it works offline) and asks the API for
its layers (``/api/map/boundaries``, ``/api/map/hexagons``, ``/api/map/operations``), which
aggregate in the server, so a million incidents are a few hundred cells. The trend, the
figures and the hotspots are computed here by the same services as ``bluehelmet stats``.
"""

from __future__ import annotations

import calendar
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.incidents import EventType, ReviewStatus
from bluehelmet.services import answer_cache, hotspots, map_places, stats
from bluehelmet.services.database import Database
from bluehelmet.web.deps import need
from bluehelmet.web.i18n import N_, Words, choose_language, words
from bluehelmet.web.pages.frame import Period, db_of, page_scope, render

__all__ = [
    "data_period",
    "default_period",
    "kept_figures",
    "months_between",
    "router",
    "scope_of",
    "situation",
    "statuses_of",
    "where_of",
]

router = APIRouter()

#: Colours of the event types in the trend (UN blue first; the rest distinct and print-safe).
_COLOURS = {
    EventType.BATTLES: "#0b5e8f",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "#c62828",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "#ef8f00",
    EventType.PROTESTS: "#7cb342",
    EventType.RIOTS: "#8e24aa",
    EventType.STRATEGIC_DEVELOPMENTS: "#78909c",
}

#: The most months the trend lists one by one (twenty years).
_MOST_MONTHS = 240
#: The directions a hotspot's name gives from its nearest place (``services.map_places``), as
#: the page writes them (marked for the catalogue: the template translates them by value).
COMPASS = (N_("N"), N_("NE"), N_("E"), N_("SE"), N_("S"), N_("SW"), N_("W"), N_("NW"))


def scope_of(request: Request, principal: Principal) -> tuple[str, dict[str, Any]]:
    """The mission a page shows and the incident filter that keeps a sector user to their sector
    (empty for everyone else): the sector's name is unique within its own mission."""
    here = page_scope(request, principal)
    return here.mission, where_of(here.sector)


def where_of(sector: str | None) -> dict[str, Any]:
    """The incident filter of a page's scope: a sector account's sector, else none."""
    return {"sector": sector} if sector is not None else {}


def statuses_of(request: Request) -> frozenset[ReviewStatus] | None:
    """The review statuses a page counts: verified incidents, or (``?drafts=1``) drafts too."""
    return None if request.query_params.get("drafts") == "1" else frozenset({ReviewStatus.VERIFIED})


def data_period(
    db: Database, where: dict[str, Any], *, year_to_date: bool = False, mission: str | None = None
) -> tuple[date | None, date | None]:
    """The default period: the twelve months up to the last month with incidents (or, with
    ``year_to_date``, that month's year up to it, the period a letter usually covers)."""
    flt = stats.IncidentFilter(where=where or None)
    months = [r["month"] for r in stats.incident_table(db, ["month"], flt, mission=mission)]
    if not months:
        return None, None
    last = date.fromisoformat(months[-1] + "-01")
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    if year_to_date:
        return last.replace(month=1), end
    start = last.replace(year=last.year - 1, month=last.month % 12 + 1) if last.month < 12 else last.replace(month=1)
    return max(start, date.fromisoformat(months[0] + "-01")), end


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("YYYY-MM"), both included: a month without
    incidents is a month of zero, not a month left out."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _trend(rows: list[dict[str, Any]], flt: stats.IncidentFilter, w: Words) -> dict[str, Any]:
    seen = sorted({r["month"] for r in rows if r["month"]})
    first = f"{flt.date_from.year:04d}-{flt.date_from.month:02d}" if flt.date_from else (seen[0] if seen else "")
    last = f"{flt.date_to.year:04d}-{flt.date_to.month:02d}" if flt.date_to else (seen[-1] if seen else "")
    months = months_between(first, last) if first and last else seen
    if len(months) > _MOST_MONTHS:  # a period of centuries asked: the months that have incidents, filled
        months = months_between(seen[0], seen[-1]) if seen else []
    series = []
    for kind, colour in _COLOURS.items():
        counts = {r["month"]: r["events"] for r in rows if r["event_type"] == kind.value}
        if counts:
            series.append({"label": w.term(kind), "colour": colour, "data": [counts.get(m, 0) for m in months]})
    return {"months": months, "series": series}


def default_period(
    db: Database, principal: Principal, mission: str, where: dict[str, Any]
) -> tuple[date | None, date | None]:
    """``data_period`` of the mission within ``where``, kept per state of the data."""
    question = ("situation.data_period", mission, repr(where))
    return answer_cache.kept(db, principal.name, question, lambda: data_period(db, where, mission=mission))


def kept_figures(db: Database, principal: Principal, mission: str, flt: stats.IncidentFilter) -> dict[str, Any]:
    """What the page shows of ``flt`` (already the principal's scope), kept per state of the
    data, for the account's reach (the hotspots are named among the places it may read): a view
    with nothing changed since is read from memory."""
    reach = (str(principal.role), principal.missions, principal.sectors)
    question = ("situation", reach, mission, repr(flt))
    return answer_cache.kept(db, principal.name, question, lambda: _figures(db, principal, flt, mission))


def _figures(db: Database, principal: Principal, flt: stats.IncidentFilter, mission: str) -> dict[str, Any]:
    """What the page shows of ``flt`` (already the principal's scope), in no language yet."""
    # Whether the drafts are most of the mission's incidents decides how each analysis of
    # verified incidents reads them: asked once for the page's panels, not by each of them.
    most = None if not flt.left_out else stats.drafts_are_most(db, mission=mission)
    totals = stats.incident_table(db, [], flt, mission=mission, drafts_most=most)
    total = totals[0] if totals else {"events": 0, "fatalities": 0}
    found = hotspots.hotspots(db, flt, mission=mission)
    cells = sorted(found.hexagons.hexagons, key=lambda h: -h.count)[:10]
    clusters = sorted(found.clusters.clusters, key=lambda c: -c.size)[:8]
    # Named by place, admin-2 area, distance and direction: no two rows of a table alike.
    cell_names = map_places.name_points(db, principal, [(c.latitude, c.longitude) for c in cells], mission=mission)
    cluster_names = map_places.name_points(
        db, principal, [(c.latitude, c.longitude) for c in clusters], mission=mission
    )
    return {
        "total": total,
        "pending": stats.pending_review_count(db, flt, mission=mission, actor=principal.name),
        "ied": stats.ied_summary(db, flt, mission=mission, drafts_most=most),
        "trend_rows": stats.incident_table(db, ["month", "event_type"], flt, mission=mission, drafts_most=most),
        "cells": list(zip(cells, cell_names, strict=True)),
        "clusters": list(zip(clusters, cluster_names, strict=True)),
        "clustering": found.clusters,
        "hexagons": found.hexagons,
    }


@router.get("/situation")
def situation(request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))]) -> Response:
    db = db_of(request)
    mission, where = scope_of(request, principal)
    period = Period.of(request, default_period(db, principal, mission, where))
    statuses = statuses_of(request)
    flt = stats.IncidentFilter(period.date_from, period.date_to, where or None, statuses)
    figures = kept_figures(db, principal, mission, flt)
    total = figures["total"]
    context = {
        "title": "Situation",
        "period": period,
        "scope": where.get("sector"),
        "total": total,
        "ied": figures["ied"],
        "fatalities": stats.known_sum(total, ["fatalities"]),
        "civilians": stats.known_sum(total, ["killed_civilians", "injured_civilians"]),
        "peacekeepers": stats.known_sum(total, ["killed_peacekeepers", "injured_peacekeepers"]),
        "pending": figures["pending"],
        "drafts_included": statuses is None,
        "trend": json.dumps(_trend(figures["trend_rows"], flt, words(choose_language(request)))),
        "cells": figures["cells"],
        "clusters": figures["clusters"],
        "clustering": figures["clustering"],
        "hexagons": figures["hexagons"],
        "map_query": json.dumps(
            {**period.query(), "mission": mission, **({} if statuses is None else {"status": "verified"})}
        ),
    }
    return render(request, "situation.html", context, principal=principal)
