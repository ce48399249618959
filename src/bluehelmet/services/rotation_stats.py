"""Rotations as every door asks for them: strength per sector and day, rotations at the same
time, rotations in high operational periods, and departures from the rotation plan.

Units, rotations and operational periods are few, so they are read whole in one transaction
and analysed by ``bluehelmet.analytics.rotations``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.analytics.rotations import (
    BATTALION_TYPES,
    Deviation,
    HighPeriodClash,
    Overlap,
    PeriodFacts,
    RotationFacts,
    RotationOverlaps,
    RotationWindow,
    SectorDay,
    UnitStrength,
    Window,
    available_strength,
    deviation,
    high_period_clashes,
    rotation_facts,
    rotation_overlaps,
)
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.places import Sector
from bluehelmet.domain.rotations import OperationalPeriod, Rotation
from bluehelmet.domain.units import DeploymentStatus, Unit
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.records import list_records

__all__ = [
    "BATTALION_TYPES",
    "PRESENT_STATUSES",
    "Coverage",
    "Deviation",
    "HighPeriodClash",
    "Overlap",
    "RotationReport",
    "SectorCoverage",
    "SectorDay",
    "rotations",
]

#: Units whose strength is in the mission area (an advance team counts its own size).
PRESENT_STATUSES = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})


@dataclass(frozen=True)
class SectorCoverage:
    """The units of a sector (None: of no sector) in the mission area whose strength is known."""

    sector: str | None
    coverage: Coverage


@dataclass(frozen=True)
class RotationReport:
    """Everything the rotation analysis says about a period (both ends included)."""

    date_from: date
    date_to: date
    #: Each sector's strength on each day; ``lowest`` is each sector's worst day.
    daily: list[SectorDay]
    lowest: list[SectorDay]
    overlaps: RotationOverlaps
    high_periods: list[HighPeriodClash]
    deviations: list[Deviation]
    #: Units with no strength on record (neither deployed, authorised nor rotating personnel):
    #: left out of every sector's strength, never counted as 0.
    units_without_strength: list[str]
    #: Each sector's units in the mission area whose strength is known, of all of them.
    strength_coverage: list[SectorCoverage]
    #: The units rotating in the period whose strength (the personnel a rotation takes away) is known.
    rotating_coverage: Coverage


def _top(unit: Unit, units: dict[int, Unit]) -> Unit:
    seen = set()
    while unit.parent_id is not None and unit.parent_id in units and unit.id not in seen:
        seen.add(unit.id)
        unit = units[unit.parent_id]
    return unit


def rotations(
    db: Database,
    date_from: date,
    date_to: date,
    *,
    unit_types: Collection[str] | None = BATTALION_TYPES,
    tolerance_days: int = 0,
    mission: str | None = None,
    actor: str = "stats",
) -> RotationReport:
    """The rotations that touch ``date_from``..``date_to`` and what they did to strength.

    A unit's strength is its deployed strength, else its authorised strength, else the most
    personnel any of its rotations moved. Sub-units count within their parent: a sub-unit's
    rotation reduces its parent's strength by the sub-unit's size. Overlaps are between units
    of ``unit_types`` (default: battalions; None: every unit) in the same sector.
    """
    if date_to < date_from:
        raise BluehelmetError(f"--to {date_to} is before --from {date_from}")
    period = Window(date_from, date_to)
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        sectors = {s.id: s.name for s in list_records(tx, Sector, scope) if isinstance(s, Sector)}
        units = {u.id or 0: u for u in list_records(tx, Unit, scope) if isinstance(u, Unit)}
        stored = [r for r in list_records(tx, Rotation, scope) if isinstance(r, Rotation) and r.unit_id in units]
        periods = [p for p in list_records(tx, OperationalPeriod, scope) if isinstance(p, OperationalPeriod)]

    moved: dict[int, int] = {}
    for r in stored:
        if r.personnel is not None:
            moved[r.unit_id] = max(moved.get(r.unit_id, 0), r.personnel)

    def strength(unit: Unit) -> int | None:
        for known in (unit.deployed_strength, unit.authorised_strength, moved.get(unit.id or 0)):
            if known is not None:
                return known
        return None

    def sector_of(unit: Unit) -> str | None:
        return sectors.get(unit.sector_id) if unit.sector_id is not None else None

    counted = [u for u in units.values() if u.parent_id not in units and u.deployment_status in PRESENT_STATUSES]
    strengths = [UnitStrength(u.id or 0, sector_of(u), strength(u)) for u in counted]
    coverage: dict[str | None, Coverage] = {}
    for u in counted:
        known = Coverage(int(strength(u) is not None), 1, "units")
        coverage[sector_of(u)] = coverage[sector_of(u)] + known if sector_of(u) in coverage else known
    facts: list[RotationFacts] = []
    windows: list[RotationWindow] = []
    rotating: dict[int, bool] = {}
    for r in stored:
        unit = units[r.unit_id]
        top = _top(unit, units)
        own = strength(unit)
        f = rotation_facts(r, unit=unit.name, unit_type=str(unit.unit_type), sector=sector_of(unit) or sector_of(top))
        # A sub-unit of unknown size takes away an unknown part of its parent: none is assumed.
        affected = None if top is unit else (own if own is not None else 0)
        windows.append(RotationWindow(top.id or 0, f.effective, f.available_fraction, affected))
        if f.planned.overlap(period) or (f.actual and f.actual.overlap(period)):
            facts.append(f)
            rotating[unit.id or 0] = own is not None and strength(top) is not None
    facts.sort(key=lambda f: (f.planned.start, f.unit, f.rotation_id))
    daily = available_strength(strengths, windows, period)
    lowest: dict[str | None, SectorDay] = {}
    for day in daily:
        if day.sector not in lowest or day.available < lowest[day.sector].available:
            lowest[day.sector] = day
    period_facts = [
        PeriodFacts(p.name, sectors.get(p.sector_id) if p.sector_id is not None else None, p.tempo,
                    Window(p.start_on, p.end_on))
        for p in periods
        if p.end_on >= p.start_on
    ]  # fmt: skip
    return RotationReport(
        date_from=date_from,
        date_to=date_to,
        daily=daily,
        lowest=list(lowest.values()),
        overlaps=rotation_overlaps(facts, unit_types),
        high_periods=high_period_clashes(facts, period_facts),
        deviations=[deviation(f, tolerance_days) for f in facts],
        units_without_strength=sorted(u.name for u in counted if strength(u) is None),
        strength_coverage=[
            SectorCoverage(k, coverage[k]) for k in sorted(coverage, key=lambda s: (s is None, s or ""))
        ],
        rotating_coverage=Coverage(sum(rotating.values()), len(rotating), "rotating units"),
    )
