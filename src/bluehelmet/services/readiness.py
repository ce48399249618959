"""Readiness of the uniformed components: equipment serviceability and unit performance.

Each function reads the mission's records of one kind in one transaction (a mission holds
thousands of these, not millions) and hands them to ``bluehelmet.analytics.equipment`` and
``bluehelmet.analytics.performance``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from bluehelmet.analytics.coverage import Coverage, known_sum
from bluehelmet.analytics.equipment import EquipmentReadiness, equipment_holders, readiness
from bluehelmet.analytics.performance import PerformanceReport, performance
from bluehelmet.domain.equipment import EquipmentCategory, EquipmentItem, EquipmentStatusChange, Inspection
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.evaluations import Evaluation, EvaluationFinding, ImprovementAction, ImprovementPlan
from bluehelmet.domain.records import Record
from bluehelmet.domain.units import DeploymentStatus, Unit
from bluehelmet.geography.names import normalise
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.storage import repository

__all__ = ["DeployedStrength", "deployed_strength", "equipment_readiness", "performance_report", "units_and_sub_units"]

_R = TypeVar("_R", bound=Record)


def _live(tx: Transaction, cls: type[_R], **filters: Any) -> list[_R]:
    return [r for r in repository.select_records(tx.session, cls, filters) if isinstance(r, cls)]


def units_and_sub_units(units: Sequence[Unit], names: Sequence[str]) -> set[int]:
    """The ids of the units called ``names`` (matched ignoring case, accents and punctuation)
    and of all their sub-units, at any depth."""
    by_name: dict[str, list[int]] = {}
    children: dict[int | None, list[int]] = {}
    for unit in units:
        assert unit.id is not None
        by_name.setdefault(normalise(unit.name), []).append(unit.id)
        children.setdefault(unit.parent_id, []).append(unit.id)
    chosen: set[int] = set()
    for name in names:
        found = by_name.get(normalise(name))
        if not found:
            raise BluehelmetError(f"no unit called '{name}' in this mission")
        stack = list(found)
        while stack:
            unit_id = stack.pop()
            if unit_id not in chosen:
                chosen.add(unit_id)
                stack.extend(children.get(unit_id, []))
    return chosen


#: Units whose personnel are in the mission area (an advance team counts its own size).
_PRESENT = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})


@dataclass(frozen=True)
class DeployedStrength:
    """Personnel deployed: the sum of the known deployed strengths, and the units it rests on."""

    personnel: int
    coverage: Coverage


def deployed_strength(units: Iterable[Unit]) -> DeployedStrength:
    """The personnel of the units in the mission area, each counted once: a sub-unit is within
    its parent when the parent is among ``units``. A unit whose deployed strength is not
    recorded adds nothing and is counted as missing in the coverage."""
    listed = list(units)
    ids = {u.id for u in listed}
    tops = [u for u in listed if u.deployment_status in _PRESENT and (u.parent_id is None or u.parent_id not in ids)]
    personnel, coverage = known_sum((u.deployed_strength for u in tops), "units")
    return DeployedStrength(personnel, coverage)


def _categories(names: Sequence[str]) -> set[str]:
    known = {c.value for c in EquipmentCategory}
    unknown = sorted(set(names) - known)
    if unknown:
        raise BluehelmetError(
            f"unknown equipment category {', '.join(unknown)}; categories: {', '.join(sorted(known))}"
        )
    return set(names)


def equipment_readiness(
    db: Database,
    on: date | None = None,
    *,
    units: Sequence[str] = (),
    categories: Sequence[str] = (),
    unit_ids: Collection[int] | None = None,
    mission: str | None = None,
    actor: str = "stats",
) -> EquipmentReadiness:
    """Serviceability of the mission's major equipment on ``on`` (default: today, UTC) against
    the standard of the settings; ``units`` limits it to those units (by name) and their
    sub-units, ``unit_ids`` (when not None, even empty) to exactly those units by id,
    ``categories`` to those categories of equipment."""
    wanted = _categories(categories)
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id
        day = on or tx.today
        all_units = _live(tx, Unit, mission_id=mission_id)
        chosen = units_and_sub_units(all_units, units) if units else None
        if unit_ids is not None:  # an empty list is no unit, never every unit
            chosen = set(unit_ids) if chosen is None else set(chosen) & set(unit_ids)
        items = [
            item
            for item in _live(tx, EquipmentItem, mission_id=mission_id)
            if (chosen is None or item.unit_id in chosen) and (not wanted or str(item.category) in wanted)
        ]
        ids = {item.id for item in items}
        changes = [c for c in _live(tx, EquipmentStatusChange) if c.equipment_id in ids]
        names = {unit.id or 0: unit.name for unit in all_units}
        holders = equipment_holders(u for u in all_units if chosen is None or u.id in chosen)
        return readiness(items, changes, names, day, tx.settings.serviceability_standard, holders)


def performance_report(
    db: Database,
    date_from: date | None = None,
    date_to: date | None = None,
    on: date | None = None,
    *,
    mission: str | None = None,
    actor: str = "stats",
) -> PerformanceReport:
    """Evaluations, findings, police assessment reports and COE inspections of the period
    (inclusive; open ends unbounded), and improvement actions overdue on ``on`` (default: the
    end of the period, else today, UTC)."""
    if date_from and date_to and date_to < date_from:
        raise BluehelmetError(f"--to {date_to} is before --from {date_from}")
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id
        evaluations = _live(tx, Evaluation, mission_id=mission_id)
        evaluation_ids = {ev.id for ev in evaluations}
        plans = _live(tx, ImprovementPlan, mission_id=mission_id)
        plan_ids = {plan.id for plan in plans}
        return performance(
            evaluations=evaluations,
            findings=[f for f in _live(tx, EvaluationFinding) if f.evaluation_id in evaluation_ids],
            plans=plans,
            actions=[a for a in _live(tx, ImprovementAction) if a.plan_id in plan_ids],
            inspections=_live(tx, Inspection, mission_id=mission_id),
            units={unit.id or 0: unit for unit in _live(tx, Unit, mission_id=mission_id)},
            scale=tx.settings.rating_scale,
            date_from=date_from,
            date_to=date_to,
            on=on or date_to or tx.today,
        )
