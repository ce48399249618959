"""The rules a record must keep before it is written.

Pure functions: a record (and, for an update, the record as it was) plus a :class:`RuleContext`
that can look other records up. Each broken rule is a :class:`Problem` naming the record, the
field and the reason; the service refuses the whole change if there is any.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bluehelmet.domain.alerts import AlertRule, rule_problems
from bluehelmet.domain.caveats import Caveat
from bluehelmet.domain.equipment import EquipmentStatusChange, Inspection, Serviceability
from bluehelmet.domain.errors import Problem
from bluehelmet.domain.evaluations import Evaluation, EvaluationFinding, EvaluationKind, PerformanceDomain
from bluehelmet.domain.generic_rules import RuleContext, generic
from bluehelmet.domain.incidents import (
    REVIEW_TRANSITIONS,
    SUB_EVENT_TYPES,
    Incident,
    IncidentCategory,
    SubEventType,
)
from bluehelmet.domain.operations import Activity, ActivityType, Operation, OperationPhase
from bluehelmet.domain.places import AdminArea, AdminLevel, Location, Mission
from bluehelmet.domain.records import (
    Record,
)
from bluehelmet.domain.rotations import Rotation
from bluehelmet.domain.transition import ActivityStatus, TransitionActivity
from bluehelmet.domain.units import (
    CIVILIAN_UNIT_TYPES,
    POLICE_UNIT_TYPES,
    Component,
    ContributingCountry,
    Unit,
    UnitType,
)

__all__ = ["RuleContext", "check", "checked_alone"]

_ISO3 = re.compile(r"^[A-Z]{3}$")


# ---------------------------------------------------------------- rules of one kind of record


def _mission(rec: Mission, ctx: RuleContext) -> list[Problem]:
    who, problems = rec.label(), []
    if not _ISO3.match(rec.country_iso3):
        problems.append(Problem(who, "country_iso3", f"'{rec.country_iso3}' is not an ISO 3166 alpha-3 code"))
    box = (rec.min_latitude, rec.max_latitude, rec.min_longitude, rec.max_longitude)
    if any(v is None for v in box) and not all(v is None for v in box):
        problems.append(Problem(who, "min_latitude", "give all four bounds of the mission area or none"))
    elif rec.min_latitude is not None:
        assert rec.max_latitude is not None and rec.min_longitude is not None and rec.max_longitude is not None
        if not -90 <= rec.min_latitude < rec.max_latitude <= 90:
            problems.append(Problem(who, "max_latitude", "latitude bounds must satisfy -90 <= min < max <= 90"))
        if not -180 <= rec.min_longitude < rec.max_longitude <= 180:
            problems.append(Problem(who, "max_longitude", "longitude bounds must satisfy -180 <= min < max <= 180"))
    return problems


def _country(rec: ContributingCountry, ctx: RuleContext) -> list[Problem]:
    if not _ISO3.match(rec.iso3):
        return [Problem(rec.label(), "iso3", f"'{rec.iso3}' is not an ISO 3166 alpha-3 code")]
    return []


_LEVELS = list(AdminLevel)


def _admin_area(rec: AdminArea, ctx: RuleContext) -> list[Problem]:
    if rec.parent_id is None:
        return []
    parent = ctx.get("AdminArea", rec.parent_id)
    if isinstance(parent, AdminArea) and _LEVELS.index(parent.level) != _LEVELS.index(rec.level) - 1:
        return [
            Problem(rec.label(), "parent_id", f"an {rec.level} area lies in an area one level up, not {parent.level}")
        ]
    return []


def _location(rec: Location, ctx: RuleContext) -> list[Problem]:
    problems = []
    areas: dict[str, AdminArea] = {}
    for field, level in (("admin1_id", AdminLevel.ADMIN1), ("admin2_id", AdminLevel.ADMIN2)):
        ident = getattr(rec, field)
        area = ctx.get("AdminArea", ident) if ident is not None else None
        if isinstance(area, AdminArea):
            areas[field] = area
            if area.level != level:
                problems.append(Problem(rec.label(), field, f"{area.label()} is an {area.level} area, not {level}"))
    admin1, admin2 = areas.get("admin1_id"), areas.get("admin2_id")
    if not problems and admin1 is not None and admin2 is not None and admin2.parent_id != admin1.id:
        problems.append(Problem(rec.label(), "admin2_id", f"{admin2.label()} does not lie in {admin1.label()}"))
    return problems


_STRENGTHS = ("authorised_strength", "deployed_strength")


def _component_of(unit_type: UnitType) -> Component:
    if unit_type in POLICE_UNIT_TYPES:
        return Component.POLICE
    if unit_type in CIVILIAN_UNIT_TYPES:
        return Component.CIVILIAN
    return Component.MILITARY


def _unit(rec: Unit, ctx: RuleContext) -> list[Problem]:
    who, problems = rec.label(), []
    expected = _component_of(rec.unit_type)
    if rec.unit_type not in (UnitType.HEADQUARTERS, UnitType.OTHER) and expected != rec.component:
        problems.append(Problem(who, "unit_type", f"a {rec.unit_type} belongs to the {expected} component"))
    parent = ctx.get("Unit", rec.parent_id) if rec.parent_id is not None else None
    if isinstance(parent, Unit):
        for name in _STRENGTHS:
            mine, theirs = getattr(rec, name), getattr(parent, name)
            if mine is not None and theirs is not None and mine > theirs:
                problems.append(Problem(who, name, f"{mine} is larger than its parent {parent.label()} ({theirs})"))
        seen = {rec.id}
        while isinstance(parent, Unit):
            if parent.id in seen:
                problems.append(Problem(who, "parent_id", "would make the unit its own parent"))
                break
            seen.add(parent.id)
            parent = ctx.get("Unit", parent.parent_id) if parent.parent_id is not None else None
    if rec.id is not None:
        for child in ctx.children("Unit", "parent_id", rec.id):
            for name in _STRENGTHS:
                mine, theirs = getattr(rec, name), getattr(child, name)
                if mine is not None and theirs is not None and theirs > mine:
                    problems.append(
                        Problem(who, name, f"{mine} is smaller than its sub-unit {child.label()} ({theirs})")
                    )
    return problems


def _caveat(rec: Caveat, ctx: RuleContext) -> list[Problem]:
    if rec.declared_on is not None and not rec.declared:
        return [Problem(rec.label(), "declared_on", "is set but the caveat is not marked declared")]
    return []


def _status_change(rec: EquipmentStatusChange, ctx: RuleContext) -> list[Problem]:
    if rec.serviceability == Serviceability.UNSERVICEABLE and rec.cause is None:
        return [Problem(rec.label(), "cause", "is required when the item is unserviceable (use 'other' if unknown)")]
    if rec.serviceability == Serviceability.SERVICEABLE and rec.cause is not None:
        return [Problem(rec.label(), "cause", "only an unserviceable item has a cause")]
    return []


def _inspection(rec: Inspection, ctx: RuleContext) -> list[Problem]:
    if (
        rec.items_inspected is not None
        and rec.items_serviceable is not None
        and rec.items_serviceable > rec.items_inspected
    ):
        return [
            Problem(
                rec.label(),
                "items_serviceable",
                f"{rec.items_serviceable} is more than the {rec.items_inspected} items inspected",
            )
        ]
    return []


def _rating(who: str, field: str, rating: str | None, ctx: RuleContext) -> list[Problem]:
    if rating is not None and rating not in ctx.rating_scale:
        return [Problem(who, field, f"'{rating}' is not on the rating scale ({', '.join(ctx.rating_scale)})")]
    return []


def _evaluation(rec: Evaluation, ctx: RuleContext) -> list[Problem]:
    who = rec.label()
    problems = _rating(who, "overall_rating", rec.overall_rating, ctx)
    domains = {d.value for d in PerformanceDomain}
    for domain, rating in rec.domain_ratings.items():
        if domain not in domains:
            problems.append(Problem(who, "domain_ratings", f"'{domain}' is not a performance domain"))
        problems += _rating(who, "domain_ratings", rating, ctx)
    unit = ctx.get("Unit", rec.unit_id)
    expected = {
        Component.MILITARY: EvaluationKind.MILITARY_UNIT_EVALUATION,
        Component.POLICE: EvaluationKind.POLICE_ASSESSMENT_REPORT,
    }
    if isinstance(unit, Unit) and expected.get(unit.component, rec.kind) != rec.kind:
        problems.append(
            Problem(who, "kind", f"a {unit.component} unit gets a {expected[unit.component]}, not a {rec.kind}")
        )
    return problems


def _finding(rec: EvaluationFinding, ctx: RuleContext) -> list[Problem]:
    who = rec.label()
    problems = _rating(who, "rating", rec.rating, ctx)
    evaluation = ctx.get("Evaluation", rec.evaluation_id)
    sub = ctx.get("Unit", rec.sub_unit_id) if rec.sub_unit_id is not None else None
    if isinstance(evaluation, Evaluation) and isinstance(sub, Unit):
        ancestor: Record | None = sub
        while isinstance(ancestor, Unit) and ancestor.id != evaluation.unit_id:
            ancestor = ctx.get("Unit", ancestor.parent_id) if ancestor.parent_id is not None else None
        if ancestor is None:
            problems.append(Problem(who, "sub_unit_id", f"{sub.label()} is not part of the evaluated unit"))
    return problems


def _phase(rec: OperationPhase, ctx: RuleContext) -> list[Problem]:
    return _within_operation(rec, rec.operation_id, ctx)


def _within_operation(rec: Activity | OperationPhase, operation_id: int | None, ctx: RuleContext) -> list[Problem]:
    op = ctx.get("Operation", operation_id) if operation_id is not None else None
    if not isinstance(op, Operation):
        return []
    if rec.start_on < op.start_on:
        return [Problem(rec.label(), "start_on", f"{rec.start_on} is before {op.label()} started ({op.start_on})")]
    if op.end_on is not None and rec.end_on is not None and rec.end_on > op.end_on:
        return [Problem(rec.label(), "end_on", f"{rec.end_on} is after {op.label()} ended ({op.end_on})")]
    return []


def _activity(rec: Activity, ctx: RuleContext) -> list[Problem]:
    if rec.patrol_range is not None and rec.activity_type != ActivityType.PATROL:
        return [Problem(rec.label(), "patrol_range", "only a patrol has a range")]
    return _within_operation(rec, rec.operation_id, ctx)


_IED_SUB_EVENTS = {
    IncidentCategory.IED_DETONATED: frozenset({SubEventType.REMOTE_EXPLOSIVE, SubEventType.SUICIDE_BOMB}),
    IncidentCategory.IED_NEUTRALISED: frozenset({SubEventType.REMOTE_EXPLOSIVE, SubEventType.DISRUPTED_WEAPONS_USE}),
}
_KILLED = ("killed_peacekeepers", "killed_national_forces", "killed_civilians")


def _incident(rec: Incident, ctx: RuleContext, before: Record | None) -> list[Problem]:
    who, problems = rec.label(), []
    if rec.sub_event_type not in SUB_EVENT_TYPES[rec.event_type]:
        problems.append(Problem(who, "sub_event_type", f"'{rec.sub_event_type}' is not a kind of '{rec.event_type}'"))
    allowed = _IED_SUB_EVENTS.get(rec.category) if rec.category else None
    if allowed is not None and rec.sub_event_type not in allowed:
        names = " or ".join(sorted(f"'{s}'" for s in allowed))
        problems.append(Problem(who, "category", f"an {rec.category} incident has sub-event type {names}"))
    if rec.event_date > ctx.today:
        problems.append(Problem(who, "event_date", f"{rec.event_date} is in the future"))
    # The victims recorded by group are at least the killed they count; a total not recorded is
    # unknown, not fewer than anything, and a group not recorded adds nothing it does not know.
    killed = sum(getattr(rec, name) or 0 for name in _KILLED)
    if rec.fatalities is not None and killed > rec.fatalities:
        problems.append(
            Problem(who, "fatalities", f"{rec.fatalities} is fewer than the {killed} killed by victim group")
        )
    if (
        isinstance(before, Incident)
        and before.review_status != rec.review_status
        and rec.review_status not in REVIEW_TRANSITIONS[before.review_status]
    ):
        problems.append(Problem(who, "review_status", f"cannot go from {before.review_status} to {rec.review_status}"))
    return problems


def _rotation(rec: Rotation, ctx: RuleContext) -> list[Problem]:
    if not 0 <= rec.available_fraction <= 1:
        return [Problem(rec.label(), "available_fraction", f"{rec.available_fraction} is not between 0 and 1")]
    return []


def _transition(rec: TransitionActivity, ctx: RuleContext) -> list[Problem]:
    who = rec.label()
    if rec.status == ActivityStatus.DELAYED and not rec.delay_reason.strip():
        return [Problem(who, "delay_reason", "a delayed activity says why it is delayed")]
    if (rec.status == ActivityStatus.COMPLETED) != (rec.completed_on is not None):
        return [Problem(who, "completed_on", "is set exactly when the activity is completed")]
    return []


def _alert_rule(rec: AlertRule, ctx: RuleContext) -> list[Problem]:
    known = frozenset(str(c) for c in IncidentCategory)
    return [Problem(rec.label(), name, reason) for name, reason in rule_problems(rec, known)]


_Rule = Callable[[Any, RuleContext], list[Problem]]
_RULES: dict[type[Record], _Rule] = {
    Mission: _mission,
    ContributingCountry: _country,
    AdminArea: _admin_area,
    Location: _location,
    Unit: _unit,
    Caveat: _caveat,
    EquipmentStatusChange: _status_change,
    Inspection: _inspection,
    Evaluation: _evaluation,
    EvaluationFinding: _finding,
    OperationPhase: _phase,
    Activity: _activity,
    Rotation: _rotation,
    TransitionActivity: _transition,
    AlertRule: _alert_rule,
}


def checked_alone(cls: type[Record]) -> bool:
    """Whether a new record of ``cls`` breaks no rule that reads other records of its kind (the
    generic rules and the incident's read the record and the records it refers to), so a batch
    of them may be checked against what is stored before any is written, natural keys apart."""
    return cls not in _RULES


def check(
    record: Record, ctx: RuleContext, before: Record | None = None, *, natural_keys: bool = True
) -> list[Problem]:
    """Every rule ``record`` breaks; ``before`` is the record as stored, for an update."""
    problems = generic(record, ctx, natural_keys)
    if isinstance(record, Incident):
        problems += _incident(record, ctx, before)
    rule = _RULES.get(type(record))
    if rule is not None:
        problems += rule(record, ctx)
    return problems
