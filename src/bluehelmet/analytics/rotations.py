"""Rotations: strength available per sector and day, rotations at the same time in one sector,
rotation days in "high" operational periods, and how far each rotation strayed from its plan.

Windows are inclusive of both days. A rotation's *effective* window is the actual one when it
is known, else the planned one; a rotation under way (started, not yet ended) is taken to last
as long as planned from its actual start. Whether a contributor kept to the plan is derived here
from the two windows, never stored.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations

from bluehelmet.domain.rotations import Rotation, Tempo
from bluehelmet.domain.units import UnitType

__all__ = [
    "BATTALION_TYPES",
    "Deviation",
    "HighPeriodClash",
    "Overlap",
    "PeriodFacts",
    "RotationFacts",
    "RotationOverlaps",
    "RotationWindow",
    "SectorDay",
    "UnitStrength",
    "Window",
    "available_strength",
    "deviation",
    "high_period_clashes",
    "overlapping_pairs",
    "rotation_facts",
    "rotation_overlaps",
]

#: The unit types the letter calls battalions.
BATTALION_TYPES = frozenset({UnitType.INFANTRY_BATTALION, UnitType.COMBAT_CONVOY_BATTALION})


@dataclass(frozen=True, order=True)
class Window:
    """A span of days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a window cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlap(self, other: Window) -> Window | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Window(start, end) if start <= end else None


@dataclass(frozen=True)
class RotationFacts:
    """A rotation as the analysis sees it: its unit, sector and windows."""

    rotation_id: int
    unit_id: int
    unit: str
    unit_type: str
    sector: str | None
    planned: Window
    #: The actual window; None before the rotation starts. Under way, its end is estimated.
    actual: Window | None
    actual_end_known: bool
    available_fraction: float

    @property
    def effective(self) -> Window:
        return self.actual or self.planned


def rotation_facts(rotation: Rotation, *, unit: str, unit_type: str, sector: str | None) -> RotationFacts:
    """The facts of a stored rotation, with the unit's name, type and sector."""
    planned = Window(rotation.planned_start, rotation.planned_end)
    actual = None
    if rotation.actual_start is not None:
        end = rotation.actual_end or rotation.actual_start + timedelta(days=planned.days - 1)
        actual = Window(rotation.actual_start, end)
    return RotationFacts(
        rotation.id or 0, rotation.unit_id, unit, unit_type, sector, planned, actual,
        rotation.actual_end is not None, rotation.available_fraction,
    )  # fmt: skip


@dataclass(frozen=True)
class UnitStrength:
    """A unit counted in a sector's strength (sub-units are counted within their parent);
    ``strength`` None when it is not recorded: left out of the sums, never taken as 0."""

    unit_id: int
    sector: str | None
    strength: int | None


@dataclass(frozen=True)
class RotationWindow:
    """A unit's strength reduced during a window: ``affected`` of its personnel (all when None)
    work at ``available_fraction`` (a sub-unit's rotation names its parent and its own size)."""

    unit_id: int
    window: Window
    available_fraction: float
    affected: int | None = None


@dataclass(frozen=True)
class SectorDay:
    sector: str | None
    day: date
    deployed: int
    available: float
    rotating_units: int


def _days(window: Window) -> Iterable[date]:
    return (window.start + timedelta(days=n) for n in range(window.days))


def available_strength(
    units: Sequence[UnitStrength], rotations: Sequence[RotationWindow], period: Window
) -> list[SectorDay]:
    """Each sector's deployed and available strength on each day of ``period``, by sector then day.

    A unit rotating counts ``available_fraction`` of the personnel the rotation affects; two
    rotations of one unit on the same day never take away more than the unit has. A unit of
    unknown strength adds nothing to either figure, but is counted among the rotating units.
    """
    by_unit = {u.unit_id: u for u in units}
    sectors = sorted({u.sector for u in units}, key=lambda s: (s is None, s or ""))
    members = {s: [u for u in units if u.sector == s] for s in sectors}
    result = []
    for day in _days(period):
        loss: dict[int, float] = {}
        for r in rotations:
            unit = by_unit.get(r.unit_id)
            if unit is None or not r.window.contains(day):
                continue
            if unit.strength is None:
                loss.setdefault(r.unit_id, 0.0)
                continue
            affected = unit.strength if r.affected is None else min(r.affected, unit.strength)
            loss[r.unit_id] = min(unit.strength, loss.get(r.unit_id, 0.0) + affected * (1 - r.available_fraction))
        for sector in sectors:
            deployed = sum(u.strength for u in members[sector] if u.strength is not None)
            lost = sum(loss.get(u.unit_id, 0.0) for u in members[sector])
            rotating = sum(1 for u in members[sector] if u.unit_id in loss)
            result.append(SectorDay(sector, day, deployed, deployed - lost, rotating))
    result.sort(key=lambda d: (d.sector is None, d.sector or "", d.day))
    return result


@dataclass(frozen=True, order=True)
class Overlap:
    """Two rotations in one sector whose windows share days (``first`` sorts before ``second``)."""

    sector: str | None
    first: str
    second: str
    first_rotation_id: int
    second_rotation_id: int
    start: date
    end: date
    days: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", (self.end - self.start).days + 1)


def overlapping_pairs(items: Iterable[tuple[int, str, str | None, Window]]) -> list[Overlap]:
    """Every pair of windows (id, unit, sector, window) in the same sector that share a day, each
    pair once, whatever the order given; rotations of one unit are not paired with each other."""
    ordered = sorted(items, key=lambda i: (i[1], i[0]))
    found = []
    for (id_a, unit_a, sector_a, window_a), (id_b, unit_b, sector_b, window_b) in combinations(ordered, 2):
        if sector_a != sector_b or unit_a == unit_b:
            continue
        shared = window_a.overlap(window_b)
        if shared is not None:
            found.append(Overlap(sector_a, unit_a, unit_b, id_a, id_b, shared.start, shared.end))
    return sorted(found, key=lambda o: (o.sector is None, o.sector or "", o.first, o.second, o.start))


@dataclass(frozen=True)
class RotationOverlaps:
    """Rotations at the same time as planned, as they happened, and those that the plan did not
    put together (the contributors' departures from the plan)."""

    planned: list[Overlap]
    actual: list[Overlap]
    against_plan: list[Overlap]


def rotation_overlaps(
    rotations: Sequence[RotationFacts], unit_types: Collection[str] | None = BATTALION_TYPES
) -> RotationOverlaps:
    """Overlapping rotations of units of ``unit_types`` (all units when None) in one sector."""
    chosen = [r for r in rotations if unit_types is None or r.unit_type in unit_types]
    planned = overlapping_pairs((r.rotation_id, r.unit, r.sector, r.planned) for r in chosen)
    actual = overlapping_pairs((r.rotation_id, r.unit, r.sector, r.actual) for r in chosen if r.actual)
    paired = {(o.first_rotation_id, o.second_rotation_id) for o in planned}
    return RotationOverlaps(
        planned, actual, [o for o in actual if (o.first_rotation_id, o.second_rotation_id) not in paired]
    )


@dataclass(frozen=True)
class PeriodFacts:
    name: str
    sector: str | None  # None: the whole mission
    tempo: Tempo
    window: Window


@dataclass(frozen=True)
class HighPeriodClash:
    """Days of a rotation inside a high-tempo period of its sector (or of the whole mission)."""

    rotation_id: int
    unit: str
    sector: str | None
    period: str
    planned_days: int
    actual_days: int


def high_period_clashes(rotations: Sequence[RotationFacts], periods: Sequence[PeriodFacts]) -> list[HighPeriodClash]:
    """Every rotation and high period that share days, planned or actual, by unit then period."""
    clashes = []
    for r in rotations:
        for p in periods:
            if p.tempo != Tempo.HIGH or p.sector not in (None, r.sector):
                continue
            planned = r.planned.overlap(p.window)
            actual = r.actual.overlap(p.window) if r.actual else None
            if planned or actual:
                clashes.append(
                    HighPeriodClash(r.rotation_id, r.unit, r.sector, p.name,
                                    planned.days if planned else 0, actual.days if actual else 0)
                )  # fmt: skip
    return sorted(clashes, key=lambda c: (c.unit, c.period, c.rotation_id))


@dataclass(frozen=True)
class Deviation:
    """How the actual window differs from the planned one (days; positive is later or longer).

    ``kept_plan`` is None while it cannot be told yet (not started, or under way on time).
    """

    rotation_id: int
    unit: str
    sector: str | None
    planned_start: date
    planned_end: date
    actual_start: date | None
    actual_end: date | None
    start_shift: int | None
    end_shift: int | None
    longer_by: int | None
    kept_plan: bool | None


def deviation(facts: RotationFacts, tolerance_days: int = 0) -> Deviation:
    """The rotation against its plan; it kept the plan when both ends are within ``tolerance_days``."""
    planned, actual = facts.planned, facts.actual
    start_shift = (actual.start - planned.start).days if actual else None
    end_shift = (actual.end - planned.end).days if actual and facts.actual_end_known else None
    longer_by = actual.days - planned.days if actual and facts.actual_end_known else None
    kept: bool | None = None
    if start_shift is not None and abs(start_shift) > tolerance_days:
        kept = False
    elif start_shift is not None and end_shift is not None:
        kept = abs(end_shift) <= tolerance_days
    return Deviation(
        facts.rotation_id, facts.unit, facts.sector, planned.start, planned.end,
        actual.start if actual else None, actual.end if actual and facts.actual_end_known else None,
        start_shift, end_shift, longer_by, kept,
    )  # fmt: skip
