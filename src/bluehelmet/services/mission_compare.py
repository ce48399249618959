"""The missions an account follows side by side: each one's key figures for one period, from
the same services the pages and the letter use, each with the base it rests on (an unknown
stays unknown: a toll counts the events that do not record it; personnel, the units whose
strength is recorded; rotations, those whose strength is known).

For a headquarters account (not a sector account) that reaches two missions or more
(``services.scope.reachable``); a mission it does not reach is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.analytics.incidents import KnownSum
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import ReviewStatus, Target
from bluehelmet.domain.units import Unit
from bluehelmet.services import caveat_stats, readiness, records, rotation_stats, scope, stats, watch
from bluehelmet.services.database import Database

__all__ = ["COMPARING_ROLES", "MissionFigures", "compare"]

#: The headquarters roles that compare the missions (every door asks this one set).
COMPARING_ROLES = frozenset({Role.ADMIN, Role.ANALYST, Role.REPORTING, Role.VIEWER})


@dataclass(frozen=True)
class MissionFigures:
    """One mission's key figures from ``date_from`` to ``date_to`` (both included)."""

    mission: str
    #: Incidents of the period (of the statuses asked), and their fatalities with the events not recording them.
    incidents: int
    fatalities: KnownSum
    #: Incidents whose target is the mission itself, of ``incidents``.
    attacks_on_mission: int
    #: Units in the mission area, and their personnel: the sum of the strengths recorded, with
    #: the units it rests on.
    units: int
    personnel: int
    personnel_coverage: Coverage
    #: Caveats in force on the last day of the period (declared, of them).
    caveats: int
    caveats_declared: int
    #: Units rotating in the period; those whose strength (what a rotation takes away) is known.
    rotating: Coverage
    #: Alerts of the rules the account receives that wait for acknowledgement.
    open_alerts: int


def _figures(
    db: Database, principal: Principal, here: scope.Scope, date_from: date, date_to: date,
    statuses: frozenset[ReviewStatus] | None,
) -> MissionFigures:  # fmt: skip
    name, actor = here.mission, principal.name
    flt = stats.IncidentFilter(date_from, date_to, None, statuses)
    total = next(iter(stats.incident_table(db, [], flt, mission=name, actor=actor)), {"events": 0})
    by_target = stats.incident_table(db, ["target"], flt, mission=name, actor=actor)
    attacks = sum(int(r["events"]) for r in by_target if r["target"] == Target.MISSION.value)
    with db.transaction(actor) as tx:
        units = [u for u in records.list_records(tx, Unit, {"mission_id": here.mission_id}) if isinstance(u, Unit)]
        alerts = watch.unacknowledged_count(tx, principal, here.mission_id)
    strength = readiness.deployed_strength(units)
    caveats = caveat_stats.caveats(db, on=date_to, date_from=date_from, date_to=date_to, mission=name, actor=actor)
    rotating = rotation_stats.rotations(db, date_from, date_to, unit_types=None, mission=name, actor=actor)
    return MissionFigures(
        mission=name,
        incidents=int(total.get("events") or 0),
        fatalities=stats.known_sum(total, ["fatalities"]),
        attacks_on_mission=attacks,
        units=strength.coverage.total,
        personnel=strength.personnel,
        personnel_coverage=strength.coverage,
        caveats=caveats.caveats,
        caveats_declared=caveats.declared,
        rotating=rotating.rotating_coverage,
        open_alerts=alerts,
    )


def compare(
    db: Database, principal: Principal, date_from: date, date_to: date,
    statuses: frozenset[ReviewStatus] | None = frozenset({ReviewStatus.VERIFIED}),
) -> list[MissionFigures]:  # fmt: skip
    """The key figures of every mission ``principal`` reaches, oldest mission first, counting
    the incidents of ``statuses`` (default: verified; None: drafts too)."""
    if date_to < date_from:
        raise BluehelmetError(f"--to {date_to} is before --from {date_from}")
    if principal.scoped:
        raise BluehelmetError("the comparison of the missions is for accounts of whole missions")
    with db.transaction(principal.name) as tx:
        reached = scope.reachable(tx, principal)
    return [_figures(db, principal, here, date_from, date_to, statuses) for here in reached]
