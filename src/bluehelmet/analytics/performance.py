"""Performance of uniformed units: evaluations, findings, improvement plans, reports and inspections.

Ratings are words of the ordinal scale of the settings, best first. A rating *passes* when it
lies in the better half of the scale (rounded up: on excellent / satisfactory / needs
improvement / unsatisfactory, the first two pass; on a three-word scale, the first two). A
period is inclusive at both ends, and an open end does not limit it. An improvement action is
*overdue* on a day when its due date is before that day and it was not completed by that day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bluehelmet.domain.equipment import Inspection
from bluehelmet.domain.evaluations import (
    Evaluation,
    EvaluationFinding,
    EvaluationKind,
    ImprovementAction,
    ImprovementPlan,
)
from bluehelmet.domain.units import Unit

__all__ = [
    "EvaluatedUnit",
    "OverdueAction",
    "PerformanceReport",
    "PeriodCount",
    "SubUnitFindings",
    "count_by_month",
    "evaluated_units",
    "overdue_actions",
    "passes",
    "performance",
    "sub_unit_findings",
]


def passes(rating: str | None, scale: Sequence[str]) -> bool | None:
    """Whether ``rating`` is in the better half of ``scale``; None when unrated or off the scale."""
    if rating is None or rating not in scale:
        return None
    return scale.index(rating) < (len(scale) + 1) // 2


def _within(day: date, date_from: date | None, date_to: date | None) -> bool:
    return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)


def _name(units: Mapping[int, Unit], unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    unit = units.get(unit_id)
    return unit.name if unit is not None else f"#{unit_id}"


@dataclass(frozen=True)
class EvaluatedUnit:
    """One military unit evaluation: the strength is the evaluated one, else the unit's deployed."""

    evaluation_id: int
    unit_id: int
    unit: str
    unit_type: str
    evaluated_on: date
    strength: int | None
    overall_rating: str | None
    passes: bool | None
    domain_ratings: dict[str, str]


def evaluated_units(
    evaluations: Iterable[Evaluation],
    units: Mapping[int, Unit],
    scale: Sequence[str],
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[EvaluatedUnit]:
    """Military unit evaluations of the period, by date then unit."""
    rows = []
    for ev in evaluations:
        if ev.kind != EvaluationKind.MILITARY_UNIT_EVALUATION or not _within(ev.evaluated_on, date_from, date_to):
            continue
        unit = units.get(ev.unit_id)
        strength = ev.evaluated_strength
        if strength is None and unit is not None:
            strength = unit.deployed_strength
        rows.append(
            EvaluatedUnit(
                ev.id or 0, ev.unit_id, _name(units, ev.unit_id), str(unit.unit_type) if unit else "",
                ev.evaluated_on, strength, ev.overall_rating, passes(ev.overall_rating, scale),
                dict(sorted(ev.domain_ratings.items())),
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r.evaluated_on, r.unit))
    return rows


@dataclass(frozen=True)
class SubUnitFindings:
    """What one evaluation found about one sub-unit (or about the unit itself, when
    ``sub_unit_id`` is None): the domains, the worst rating, and whether that passes."""

    evaluation_id: int
    unit: str
    sub_unit_id: int | None
    sub_unit: str
    evaluated_on: date
    domains: list[str]
    worst_rating: str | None
    passes: bool | None
    findings: list[str] = field(default_factory=list)


def _worst(ratings: Iterable[str | None], scale: Sequence[str]) -> str | None:
    known = [r for r in ratings if r is not None and r in scale]
    return max(known, key=scale.index) if known else None


def sub_unit_findings(
    evaluations: Iterable[Evaluation],
    findings: Iterable[EvaluationFinding],
    units: Mapping[int, Unit],
    scale: Sequence[str],
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[SubUnitFindings]:
    """Findings of the period's evaluations (of any kind) grouped by evaluation and sub-unit."""
    chosen = {ev.id: ev for ev in evaluations if _within(ev.evaluated_on, date_from, date_to)}
    groups: dict[tuple[int, int | None], list[EvaluationFinding]] = {}
    for finding in findings:
        if finding.evaluation_id in chosen:
            groups.setdefault((finding.evaluation_id, finding.sub_unit_id), []).append(finding)
    rows = []
    for (evaluation_id, sub_unit_id), found in groups.items():
        ev = chosen[evaluation_id]
        worst = _worst((f.rating for f in found), scale)
        rows.append(
            SubUnitFindings(
                evaluation_id, _name(units, ev.unit_id), sub_unit_id, _name(units, sub_unit_id), ev.evaluated_on,
                sorted({str(f.domain) for f in found}), worst, passes(worst, scale),
                [f.finding for f in sorted(found, key=lambda f: str(f.domain))],
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r.evaluated_on, r.unit, r.sub_unit))
    return rows


@dataclass(frozen=True)
class OverdueAction:
    action_id: int
    plan_id: int
    unit: str
    description: str
    domain: str | None
    due_on: date
    days_overdue: int


def overdue_actions(
    plans: Iterable[ImprovementPlan],
    actions: Iterable[ImprovementAction],
    units: Mapping[int, Unit],
    on: date,
) -> list[OverdueAction]:
    """Actions of ``plans`` due before ``on`` and not completed by ``on``, most overdue first."""
    plan_of = {plan.id: plan for plan in plans}
    rows = []
    for action in actions:
        plan = plan_of.get(action.plan_id)
        if plan is None or action.due_on >= on:
            continue
        if action.completed_on is not None and action.completed_on <= on:
            continue
        rows.append(
            OverdueAction(
                action.id or 0, action.plan_id, _name(units, plan.unit_id), action.description,
                None if action.domain is None else str(action.domain), action.due_on, (on - action.due_on).days,
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (r.due_on, r.unit, r.description))
    return rows


@dataclass(frozen=True)
class PeriodCount:
    """How many in the period, by month (``YYYY-MM``) and by a label (a component, a kind)."""

    total: int
    by_month: dict[str, int]
    by_label: dict[str, int]


def count_by_month(
    dated: Iterable[tuple[date, str]], date_from: date | None = None, date_to: date | None = None
) -> PeriodCount:
    """Count ``(day, label)`` pairs in the period."""
    months: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    for day, label in dated:
        if _within(day, date_from, date_to):
            months[f"{day.year:04d}-{day.month:02d}"] += 1
            labels[label] += 1
    return PeriodCount(sum(months.values()), dict(sorted(months.items())), dict(sorted(labels.items())))


@dataclass(frozen=True)
class PerformanceReport:
    """The letter's paragraphs on performance: military units evaluated (four, 645, 650, 849 and
    525 strong, all satisfactory but one sub-unit), 20 police assessment reports (PAER) and 20
    COE inspections since 1 January."""

    date_from: date | None
    date_to: date | None
    on: date
    #: How many different units the military evaluations of the period covered.
    distinct_units_evaluated: int
    units_evaluated: list[EvaluatedUnit]
    sub_units_with_findings: list[SubUnitFindings]
    overdue_actions: list[OverdueAction]
    #: PAERs by month and by rating.
    police_assessment_reports: PeriodCount
    #: COE inspections by month and by the component of the inspected unit.
    coe_inspections: PeriodCount


def performance(
    *,
    evaluations: Sequence[Evaluation],
    findings: Iterable[EvaluationFinding],
    plans: Iterable[ImprovementPlan],
    actions: Iterable[ImprovementAction],
    inspections: Iterable[Inspection],
    units: Mapping[int, Unit],
    scale: Sequence[str],
    date_from: date | None,
    date_to: date | None,
    on: date,
) -> PerformanceReport:
    """Everything of the period's performance, with improvement actions overdue on ``on``."""
    paers = [
        (ev.evaluated_on, ev.overall_rating or "unrated")
        for ev in evaluations
        if ev.kind == EvaluationKind.POLICE_ASSESSMENT_REPORT
    ]
    components = {unit_id: str(unit.component) for unit_id, unit in units.items()}
    checks = [(i.inspected_on, components.get(i.unit_id, "unknown")) for i in inspections]
    evaluated = evaluated_units(evaluations, units, scale, date_from, date_to)
    return PerformanceReport(
        date_from=date_from,
        date_to=date_to,
        on=on,
        distinct_units_evaluated=len({u.unit_id for u in evaluated}),
        units_evaluated=evaluated,
        sub_units_with_findings=sub_unit_findings(evaluations, findings, units, scale, date_from, date_to),
        overdue_actions=overdue_actions(plans, actions, units, on),
        police_assessment_reports=count_by_month(paers, date_from, date_to),
        coe_inspections=count_by_month(checks, date_from, date_to),
    )
