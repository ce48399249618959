"""The records behind a figure: which incidents an analysis counted, as ids, and the few
incidents a report names one by one.

These read with exactly the restriction the analysis counts with (``counted_incidents``), so a
figure and its evidence agree; ids travel as a single narrow column, so a figure over a million
incidents still lists its records.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Location, Sector
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.aggregates import counted_incidents
from bluehelmet.storage.tables import TABLES

__all__ = ["incident_ids", "incidents"]

_I = TABLES[Incident]
_L = TABLES[Location]
_S = TABLES[Sector]


def _source(flt: IncidentFilter) -> object:
    if "sector" in (flt.where or {}):
        # An incident's sector is its own, else that of the place it names (as the analysis has it).
        return _I.outerjoin(_L, _L.c.id == _I.c.location_id).outerjoin(
            _S, _S.c.id == func.coalesce(_I.c.sector_id, _L.c.sector_id)
        )
    return _I


def incident_ids(db: Database, flt: IncidentFilter, *, mission: str | None = None, actor: str = "report") -> list[int]:
    """The ids of the incidents an analysis with ``flt`` counts, in ascending order."""
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        stmt = select(_I.c.id).select_from(_source(flt))  # type: ignore[arg-type]
        stmt = counted_incidents(stmt, mission_id, flt.date_from, flt.date_to, flt.where, flt.statuses).order_by(
            _I.c.id
        )
        return [int(i) for i in tx.session.scalars(stmt)]


def incidents(
    db: Database, flt: IncidentFilter, *, limit: int = 200, mission: str | None = None, actor: str = "report"
) -> Sequence[Incident]:
    """The incidents an analysis with ``flt`` counts, oldest first, at most ``limit`` of them
    (for reports that name events one by one)."""
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id or 0
        ids = select(_I.c.id).select_from(_source(flt))  # type: ignore[arg-type]
        ids = counted_incidents(ids, mission_id, flt.date_from, flt.date_to, flt.where, flt.statuses)
        stmt = select(Incident).where(_I.c.id.in_(ids)).order_by(_I.c.event_date, _I.c.id).limit(limit)
        return list(tx.session.scalars(stmt))
