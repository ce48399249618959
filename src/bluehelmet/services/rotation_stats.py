"""Rotations as every door asks for them: strength per sector and day, rotations at the same
time, rotations in high operational periods, and departures from the rotation plan.

Units, rotations and operational periods are few, so they are read whole in one transaction
and analysed by ``bluehelmet.analytics.rotations``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

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
    "Deviation",
    "HighPeriodClash",
    "Overlap",
    "RotationReport",
    "SectorDay",
    "rotations",
]

#: Units whose strength is in the mission area (an advance team counts its own size).
PRESENT_STATUSES = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})


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
    #: Units counted with no strength on record (neither deployed, authorised nor rotating personnel).
    units_without_strength: list[str]


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
        moved[r.unit_id] = max(moved.get(r.unit_id, 0), r.personnel or 0)

    def strength(unit: Unit) -> int:
        return unit.deployed_strength or unit.authorised_strength or moved.get(unit.id or 0, 0)

    def sector_of(unit: Unit) -> str | None:
        return sectors.get(unit.sector_id) if unit.sector_id is not None else None

    counted = [u for u in units.values() if u.parent_id not in units and u.deployment_status in PRESENT_STATUSES]
    strengths = [UnitStrength(u.id or 0, sector_of(u), strength(u)) for u in counted]
    facts: list[RotationFacts] = []
    windows: list[RotationWindow] = []
    for r in stored:
        unit = units[r.unit_id]
        top = _top(unit, units)
        f = rotation_facts(r, unit=unit.name, unit_type=str(unit.unit_type), sector=sector_of(unit) or sector_of(top))
        windows.append(
            RotationWindow(top.id or 0, f.effective, f.available_fraction, None if top is unit else strength(unit))
        )
        if f.planned.overlap(period) or (f.actual and f.actual.overlap(period)):
            facts.append(f)
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
        units_without_strength=sorted(u.name for u in counted if strength(u) == 0),
    )
