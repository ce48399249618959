"""Readiness of contingent-owned major equipment: serviceability on a date, damage over time.

An item's state on a day is that of its latest status change on or before that day; an item
with no change yet is serviceable (as it was at its arrival inspection). Consecutive changes to
the same state form one *spell*: an item out of service is so *since* the first day of its
spell, and its *cause* is the cause recorded when it went out of service (or, if none was
recorded then, the first one recorded later in the same spell). A *damage* is a change from
serviceable to unserviceable, counted in the year it took effect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.domain.equipment import EquipmentItem, EquipmentStatusChange, Serviceability
from bluehelmet.domain.units import CIVILIAN_UNIT_TYPES, Component, DeploymentStatus, Unit, UnitType

__all__ = [
    "CountRow",
    "DamageRow",
    "EquipmentReadiness",
    "ItemStatus",
    "UnitServiceability",
    "damage_by_year",
    "equipment_holders",
    "readiness",
    "status_on",
]


@dataclass(frozen=True)
class ItemStatus:
    """One item on one day. ``since`` is None when no change has been recorded for it yet."""

    item_id: int
    identifier: str
    unit_id: int
    category: str
    serviceable: bool
    since: date | None
    cause: str | None  # None while serviceable


def _history(changes: Iterable[EquipmentStatusChange]) -> dict[int, list[EquipmentStatusChange]]:
    by_item: dict[int, list[EquipmentStatusChange]] = {}
    for change in changes:
        by_item.setdefault(change.equipment_id, []).append(change)
    for history in by_item.values():
        history.sort(key=lambda c: c.effective_on)
    return by_item


def _state(item: EquipmentItem, history: list[EquipmentStatusChange], day: date) -> ItemStatus:
    known = [c for c in history if c.effective_on <= day]
    assert item.id is not None
    if not known:
        return ItemStatus(item.id, item.identifier, item.unit_id, str(item.category), True, None, None)
    serviceable = known[-1].serviceability == Serviceability.SERVICEABLE
    start = len(known) - 1
    while start > 0 and (known[start - 1].serviceability == Serviceability.SERVICEABLE) == serviceable:
        start -= 1
    spell = known[start:]
    cause = None if serviceable else next((str(c.cause) for c in spell if c.cause is not None), None)
    return ItemStatus(
        item.id, item.identifier, item.unit_id, str(item.category), serviceable, spell[0].effective_on, cause
    )


def status_on(items: Iterable[EquipmentItem], changes: Iterable[EquipmentStatusChange], day: date) -> list[ItemStatus]:
    """The state of every item on ``day``, in the order of ``items``; changes of other items are ignored."""
    by_item = _history(changes)
    return [_state(item, by_item.get(item.id or 0, []), day) for item in items]


@dataclass(frozen=True)
class DamageRow:
    year: int
    cause: str | None
    items: int


def damage_by_year(
    items: Iterable[EquipmentItem], changes: Iterable[EquipmentStatusChange], until: date
) -> list[DamageRow]:
    """Damages (changes from serviceable to unserviceable) that took effect on or before
    ``until``, by year and cause, sorted by year then cause; repairs are not subtracted."""
    ids = {item.id for item in items}
    counts: Counter[tuple[int, str | None]] = Counter()
    for item_id, history in _history(changes).items():
        if item_id not in ids:
            continue
        serviceable = True
        for change in history:
            if change.effective_on > until:
                break
            now = change.serviceability == Serviceability.SERVICEABLE
            if serviceable and not now:
                counts[(change.effective_on.year, None if change.cause is None else str(change.cause))] += 1
            serviceable = now
    return [DamageRow(year, cause, n) for (year, cause), n in sorted(counts.items(), key=_year_cause)]


def _year_cause(entry: tuple[tuple[int, str | None], int]) -> tuple[int, bool, str]:
    (year, cause), _ = entry
    return year, cause is not None, cause or ""


@dataclass(frozen=True)
class CountRow:
    """Items of one group (a category, a cause) and how many are serviceable."""

    key: str | None
    items: int
    serviceable: int
    unserviceable: int


@dataclass(frozen=True)
class UnitServiceability:
    """A unit's items, the serviceable share, and whether it falls below the standard."""

    unit_id: int
    unit: str
    items: int
    serviceable: int
    unserviceable: int
    share: float
    below_standard: bool


@dataclass(frozen=True)
class EquipmentReadiness:
    """The equipment picture on one day (the letter: 22 of 40 unserviceable, 16 of them by
    explosive incidents, 2 damaged in 2021 and 14 in 2018-2020)."""

    on: date
    standard: float
    items: int
    serviceable: int
    unserviceable: int
    by_unit: list[UnitServiceability]
    by_category: list[CountRow]
    #: Items out of service on the day, by what put them out of service.
    by_cause: list[CountRow]
    #: Items out of service on the day, by cause and by the year they went out of service.
    out_of_service_since: list[DamageRow]
    #: Every damage up to the day, by year and cause, including those repaired since.
    damage_by_year: list[DamageRow]
    units_below_standard: list[str]
    statuses: list[ItemStatus]
    #: Items whose state on the day rests on a reported change (the others are taken as
    #: serviceable, as at their arrival inspection).
    item_coverage: Coverage
    #: Units that hold major equipment with at least one item recorded, of the units ``readiness``
    #: was told hold it (all of them when it was told none).
    unit_coverage: Coverage


def _rows(statuses: Iterable[ItemStatus], key: str) -> list[CountRow]:
    totals: Counter[str | None] = Counter()
    good: Counter[str | None] = Counter()
    for status in statuses:
        value = getattr(status, key)
        totals[value] += 1
        good[value] += status.serviceable
    ordered = sorted(totals, key=lambda v: (v is not None, v or ""))
    return [CountRow(v, totals[v], good[v], totals[v] - good[v]) for v in ordered]


def readiness(
    items: Iterable[EquipmentItem],
    changes: Iterable[EquipmentStatusChange],
    unit_names: Mapping[int, str],
    on: date,
    standard: float,
    holders: Mapping[int, int] | None = None,
) -> EquipmentReadiness:
    """Serviceability of ``items`` on ``on``, by unit (against ``standard``, a share between 0
    and 1), by category and by cause, and damage by year up to that day.

    ``holders`` maps each unit that should hold major equipment to itself and each of its
    sub-units to it: the units coverage counts those with an item recorded (a sub-unit's item
    counts for its holder). Without it, the coverage speaks only of the units with items."""
    items, changes = list(items), list(changes)
    statuses = status_on(items, changes, on)
    units: dict[int, list[ItemStatus]] = {}
    for status in statuses:
        units.setdefault(status.unit_id, []).append(status)
    by_unit = []
    for unit_id, held in units.items():
        good = sum(s.serviceable for s in held)
        share = good / len(held)
        by_unit.append(
            UnitServiceability(
                unit_id, unit_names.get(unit_id, f"#{unit_id}"), len(held), good, len(held) - good, share,
                share < standard,
            )
        )  # fmt: skip
    by_unit.sort(key=lambda u: u.unit)
    broken = [s for s in statuses if not s.serviceable]
    since: Counter[tuple[int, str | None]] = Counter((s.since.year, s.cause) for s in broken if s.since is not None)
    good_total = len(statuses) - len(broken)
    return EquipmentReadiness(
        on=on,
        standard=standard,
        items=len(statuses),
        serviceable=good_total,
        unserviceable=len(broken),
        by_unit=by_unit,
        by_category=_rows(statuses, "category"),
        by_cause=_rows(broken, "cause"),
        out_of_service_since=[DamageRow(y, c, n) for (y, c), n in sorted(since.items(), key=_year_cause)],
        damage_by_year=damage_by_year(items, changes, on),
        units_below_standard=[u.unit for u in by_unit if u.below_standard],
        statuses=statuses,
        item_coverage=Coverage(sum(s.since is not None for s in statuses), len(statuses), "items"),
        unit_coverage=_unit_coverage(statuses, holders),
    )


#: Units in the mission area with their contingent-owned equipment (a pledged unit has none yet).
_HOLDING = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})
#: Units that bring no major equipment of their own.
_NO_MAJOR_EQUIPMENT = CIVILIAN_UNIT_TYPES | {UnitType.INDIVIDUAL_POLICE, UnitType.HEADQUARTERS}


def equipment_holders(units: Iterable[Unit]) -> dict[int, int]:
    """Each unit that should report major equipment (a contingent: a military or formed police
    unit in the mission area with no parent) mapped to itself, and each of its sub-units to it."""
    by_id = {u.id: u for u in units if u.id is not None}
    holders: dict[int, int] = {}
    for unit_id, unit in by_id.items():
        top, seen = unit, {unit_id}
        while top.parent_id is not None and top.parent_id in by_id and top.parent_id not in seen:
            seen.add(top.parent_id)
            top = by_id[top.parent_id]
        if (
            top.id is not None
            and top.component in (Component.MILITARY, Component.POLICE)
            and top.deployment_status in _HOLDING
            and top.unit_type not in _NO_MAJOR_EQUIPMENT
        ):
            holders[unit_id] = top.id
    return holders


def _unit_coverage(statuses: list[ItemStatus], holders: Mapping[int, int] | None) -> Coverage:
    with_items = {s.unit_id for s in statuses}
    if holders is None:
        return Coverage(len(with_items), len(with_items), "units")
    expected = set(holders.values())
    covered = {holders[u] for u in with_items if u in holders}
    return Coverage(len(covered), len(expected), "units")
