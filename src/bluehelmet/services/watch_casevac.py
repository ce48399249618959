"""The CASEVAC-cover-lost pattern: a helicopter or a medical unit (a surgical team, a level I,
II or III) that becomes unavailable leaves places of the mission beyond the 10-1-2 targets.

Assets are read as ``services.planning_coverage`` reads them (the medical and helicopter units
present, at their bases). An asset is *lost* on a day when, since at most the rule's
``period_days`` (or since a date not recorded):

- its unit is recorded as repatriating or repatriated (``deployment_status``, ``status_since``);
- or, for a helicopter unit, every helicopter it has recorded (``EquipmentItem`` of category
  helicopter) is unserviceable on that day (its last ``EquipmentStatusChange``), since the day
  the last of them went down.

A unit pledged or deploying never gave cover: its absence is not a loss. A loss older than the
window is the standing posture, not news: it is left out of both covers.

The places are the mission's own, not the whole grid: the bases of the units present, the
camps, temporary operating bases and airfields, and the places and routes of the activities and
operations running from the day to ``days_ahead`` days later. The cover with every asset (the
lost ones counted) is compared with the cover without the lost ones; a place that met the
targets (day or night) with them and misses them without is *lost*, and is named by the cause
whose return alone would bring it back (or, when no single one would, by every cause).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bluehelmet.domain.equipment import EquipmentCategory, EquipmentItem, EquipmentStatusChange, Serviceability
from bluehelmet.domain.operations import Activity, Operation
from bluehelmet.domain.places import Location
from bluehelmet.domain.units import DeploymentStatus, Unit
from bluehelmet.planning.casevac import AviationAsset, CoverageProblem, Facility, PlaceTimes, TargetPlace
from bluehelmet.planning.casevac_times import place_times
from bluehelmet.services import records
from bluehelmet.services.access import sectors_of
from bluehelmet.services.database import Transaction
from bluehelmet.services.planning_coverage import AVIATION_TYPES, FACILITY_LEVELS, SITE_KINDS, medical_and_aviation

__all__ = ["CoverFinding", "LostAsset", "casevac_cover_lost", "lost_assets"]

#: (key, message, records, sector) of one lost asset and the places it leaves beyond target.
CoverFinding = tuple[str, str, list[tuple[str, int]], int | None]

_GONE = frozenset({DeploymentStatus.REPATRIATING, DeploymentStatus.REPATRIATED})


@dataclass(frozen=True)
class LostAsset:
    """A unit whose cover is lost on the day: why, since when (None: not recorded), the records
    that say so, and its asset as the coverage counts it."""

    unit: Unit
    why: str
    since: date | None
    evidence: tuple[tuple[str, int], ...]
    asset: Facility | AviationAsset


def _asset(unit: Unit, locations: dict[int, Location]) -> Facility | AviationAsset | None:
    place = locations.get(unit.base_id or 0)
    if place is None or place.latitude is None or place.longitude is None:
        return None
    if unit.unit_type in FACILITY_LEVELS:
        return Facility(unit.name, FACILITY_LEVELS[unit.unit_type], place.latitude, place.longitude)
    if unit.unit_type in AVIATION_TYPES:
        return AviationAsset(unit.name, place.latitude, place.longitude)
    return None


def _grounded(
    tx: Transaction, mission_id: int, units: dict[int, Unit], on: date
) -> dict[int, tuple[date, tuple[tuple[str, int], ...]]]:
    """The helicopter units every recorded helicopter of which is unserviceable on ``on``: the
    day the last went down and the status changes that say so."""
    items = [
        i
        for i in records.list_records(tx, EquipmentItem, {"mission_id": mission_id})
        if isinstance(i, EquipmentItem)
        and i.category == EquipmentCategory.HELICOPTER
        and units.get(i.unit_id) is not None
        and units[i.unit_id].unit_type in AVIATION_TYPES
    ]
    if not items:
        return {}
    wanted = {i.id for i in items}
    last: dict[int, EquipmentStatusChange] = {}
    for change in records.list_records(tx, EquipmentStatusChange):
        if not isinstance(change, EquipmentStatusChange) or change.equipment_id not in wanted:
            continue
        if change.effective_on > on:
            continue
        known = last.get(change.equipment_id)
        if known is None or change.effective_on > known.effective_on:
            last[change.equipment_id] = change
    by_unit: dict[int, list[EquipmentItem]] = {}
    for item in items:
        by_unit.setdefault(item.unit_id, []).append(item)
    out = {}
    for unit_id, fleet in by_unit.items():
        states = [last.get(i.id or 0) for i in fleet]
        if all(s is not None and s.serviceability == Serviceability.UNSERVICEABLE for s in states):
            down = [s for s in states if s is not None]
            out[unit_id] = (
                max(s.effective_on for s in down),
                tuple(("EquipmentStatusChange", s.id or 0) for s in down),
            )
    return out


def lost_assets(
    tx: Transaction, mission_id: int, units: list[Unit], locations: dict[int, Location], on: date, period_days: int
) -> list[LostAsset]:
    """The medical and helicopter units whose cover is lost on ``on``, the loss begun in the
    last ``period_days`` days (or on a day not recorded)."""
    start = on - timedelta(days=max(period_days, 1) - 1)
    by_id = {u.id: u for u in units if u.id is not None}
    grounded = _grounded(tx, mission_id, by_id, on)
    out: list[LostAsset] = []
    for unit in sorted(by_id.values(), key=lambda u: u.id or 0):
        asset = _asset(unit, locations)
        if asset is None:
            continue
        if unit.deployment_status in _GONE:
            since = unit.status_since
            if since is not None and not start <= since <= on:
                continue
            out.append(LostAsset(unit, str(unit.deployment_status), since, (), asset))
        elif unit.id in grounded:
            since, evidence = grounded[unit.id or 0]
            if start <= since <= on:
                out.append(LostAsset(unit, "every helicopter recorded unserviceable", since, evidence, asset))
    return out


def _places(
    tx: Transaction, mission_id: int, units: list[Unit], locations: dict[int, Location], on: date, days_ahead: int
) -> dict[str, tuple[TargetPlace, str, tuple[str, int]]]:
    """The mission's places by key: (the place, its name, its record)."""
    out: dict[str, tuple[TargetPlace, str, tuple[str, int]]] = {}

    def located(location_id: int | None, kind: str, label: str) -> None:
        place = locations.get(location_id or 0)
        if place is None or place.latitude is None or place.longitude is None or place.id is None:
            return
        key = f"Location {place.id}"
        if key not in out:
            point = (place.latitude, place.longitude)
            out[key] = (TargetPlace(key, kind, (point,)), f"{label} {place.name}", ("Location", place.id))

    for unit in units:
        if unit.deployment_status not in _GONE and unit.deployment_status not in (
            DeploymentStatus.PLEDGED,
            DeploymentStatus.DEPLOYING,
        ):
            located(unit.base_id, "base", "base")
    for place in locations.values():
        if place.kind in SITE_KINDS:
            located(place.id, "base", SITE_KINDS[place.kind])
    horizon = on + timedelta(days=max(days_ahead, 0))
    for activity in records.list_records(tx, Activity, {"mission_id": mission_id}):
        assert isinstance(activity, Activity)
        if activity.start_on > horizon or (activity.end_on or activity.start_on) < on:
            continue
        for location_id in activity.location_ids:
            located(location_id, "task", "task place")
        ends = [locations.get(i or 0) for i in (activity.from_location_id, activity.to_location_id)]
        line: list[tuple[float, float]] = []
        for end in ends:
            if end is not None and end.latitude is not None and end.longitude is not None:
                line.append((end.latitude, end.longitude))
        if len(line) == 2 and ends[0] is not None and ends[1] is not None and activity.id is not None:
            key = f"Activity {activity.id}"
            name = f"route {ends[0].name} - {ends[1].name}"
            out[key] = (TargetPlace(key, "route", tuple(line)), name, ("Activity", activity.id))
    for operation in records.list_records(tx, Operation, {"mission_id": mission_id}):
        assert isinstance(operation, Operation)
        if operation.start_on > horizon or (operation.end_on is not None and operation.end_on < on):
            continue
        for location_id in operation.location_ids:
            located(location_id, "task", f"place of Operation {operation.name}:")
    return out


def _times(
    facilities: list[Facility], aviation: list[AviationAsset], places: list[TargetPlace]
) -> dict[str, PlaceTimes]:
    problem = CoverageProblem(facilities=tuple(facilities), aviation=tuple(aviation), places=tuple(places))
    return {p.id: p for p in place_times(problem)}


def _split(assets: list[Facility | AviationAsset]) -> tuple[list[Facility], list[AviationAsset]]:
    return [a for a in assets if isinstance(a, Facility)], [a for a in assets if isinstance(a, AviationAsset)]


def _lost_periods(full: PlaceTimes, now: PlaceTimes) -> tuple[str, ...]:
    return tuple(
        period
        for period, before, after in (
            ("day", full.meets_day, now.meets_day),
            ("night", full.meets_night, now.meets_night),
        )
        if before and not after
    )


def _place_sector(tx: Transaction, ref: tuple[str, int]) -> set[int]:
    kind, ident = ref
    if kind == "Location":
        sector = tx.sector_of(ident)
        return {sector} if sector is not None else set()
    found = sectors_of(tx, records.get(tx, kind, ident))
    return set(found or set())


def casevac_cover_lost(
    tx: Transaction, mission_id: int, on: date, *, period_days: int, days_ahead: int, sector_id: int | None
) -> list[CoverFinding]:
    """One finding per lost asset that leaves places beyond 10-1-2 (of ``sector_id`` only, when
    given): key ``Unit N:`` and the places it names, so a place lost later is a new cause."""
    scope = {"mission_id": mission_id}
    units = [u for u in records.list_records(tx, Unit, scope) if isinstance(u, Unit)]
    locations = {p.id: p for p in records.list_records(tx, Location, scope) if isinstance(p, Location) and p.id}
    lost = lost_assets(tx, mission_id, units, locations, on, period_days)
    if not lost:
        return []  # the usual day: nothing lost, no cover computed
    places = _places(tx, mission_id, units, locations, on, days_ahead)
    if sector_id is not None:
        places = {k: v for k, v in places.items() if sector_id in _place_sector(tx, v[2])}
    if not places:
        return []
    targets = [p for p, _, _ in places.values()]
    facilities, aviation = medical_and_aviation(units, locations)
    present: list[Facility | AviationAsset] = [*facilities, *aviation]
    lost_names = {a.asset.id for a in lost}
    now_assets = [a for a in present if a.id not in lost_names]
    full_assets = [*now_assets, *(a.asset for a in lost)]
    full = _times(*_split(full_assets), targets)
    now = _times(*_split(now_assets), targets)
    beyond = {key: _lost_periods(full[key], now[key]) for key in full}
    beyond = {k: v for k, v in beyond.items() if v}
    if not beyond:
        return []
    chosen = [p for p in targets if p.id in beyond]
    named: dict[int, list[str]] = {}
    for cause in lost:
        back = _times(*_split([*now_assets, cause.asset]), chosen)
        named[cause.unit.id or 0] = [k for k in beyond if not _lost_periods(full[k], back[k])]
    orphans = [k for k in beyond if not any(k in v for v in named.values())]
    out: list[CoverFinding] = []
    for cause in lost:
        keys = sorted({*named[cause.unit.id or 0], *orphans}, key=lambda k: (places[k][1], k))
        if not keys:
            continue
        unit = cause.unit
        since = cause.since.isoformat() if cause.since else "a date not recorded"
        listed = "; ".join(f"{places[k][1]} ({_worst(now[k], beyond[k])})" for k in keys)
        message = (
            f"{unit.name} ({str(unit.unit_type).replace('_', ' ')}) unavailable since {since} ({cause.why}): "
            f"{len(keys)} of the {len(places)} places watched met 10-1-2 with it and no longer do: {listed}"
        )
        refs = [("Unit", unit.id or 0), *cause.evidence, *(places[k][2] for k in keys)]
        sectors = set(_place_sector(tx, ("Location", unit.base_id)) if unit.base_id else set())
        if unit.sector_id is not None:
            sectors = {unit.sector_id}
        for k in keys:
            sectors |= _place_sector(tx, places[k][2])
        sector = sector_id if sector_id is not None else (next(iter(sectors)) if len(sectors) == 1 else None)
        out.append((f"Unit {unit.id}:" + ",".join(sorted(keys)), message, refs, sector))
    return out


def _worst(times: PlaceTimes, periods: tuple[str, ...]) -> str:
    """What the place now misses: minutes to advanced care and surgery (or out of reach)."""

    def shown(value: float | None) -> str:
        return "out of reach" if value is None else f"{value:.0f} min"

    parts = []
    for period in periods:
        advanced = times.advanced_day if period == "day" else times.advanced_night
        surgery = times.surgery_day if period == "day" else times.surgery_night
        parts.append(f"by {period}: advanced care {shown(advanced)}, surgery {shown(surgery)}")
    return "; ".join(parts)
