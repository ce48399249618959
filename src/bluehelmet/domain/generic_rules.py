"""The rules every kind of record keeps: required fields not blank, counts not negative,
whole numbers that fit, references to live records of the same mission, dates in order,
coordinates inside the mission's country, natural keys unique. Pure, like :mod:`rules`.

What each field needs checking is worked out once per kind (:func:`_plan`): every write asks."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bluehelmet.domain.errors import Problem
from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import (
    Record,
    entity_fields,
    field_values,
    reference_list_target,
    reference_target,
)

__all__ = ["RuleContext", "generic", "mission_of"]


class RuleContext(Protocol):
    """What the rules may ask of the rest of the mission record."""

    @property
    def today(self) -> date:
        """The date against which "in the future" is judged."""

    @property
    def rating_scale(self) -> Sequence[str]:
        """The ratings an evaluation may give, best first."""

    def get(self, entity: str, record_id: int) -> Record | None:
        """The record, deleted or not, or None if there never was one."""

    def children(self, entity: str, field: str, record_id: int) -> list[Record]:
        """Live records of ``entity`` whose ``field`` is ``record_id``."""

    def find(self, entity: str, values: dict[str, Any]) -> list[Record]:
        """Records of ``entity`` (deleted included) whose fields equal ``values``."""

    def area_contains(self, mission: Mission, latitude: float, longitude: float) -> bool | None:
        """Whether the point lies in the mission's country, by its shipped boundaries, or None
        when none are shipped (the mission's bounding box is then the check)."""


# Pairs (earlier, later): when both are set, the later may not come before the earlier.
_DATE_ORDER = (
    ("start_on", "end_on"),
    ("start_on", "due_on"),
    ("planned_start", "planned_end"),
    ("actual_start", "actual_end"),
    ("started_on", "lifted_on"),
    ("first_observed", "lifted_on"),
    ("declared_on", "lifted_on"),
    ("established_on", "dissolved_on"),
    ("needed_from", "needed_by"),
    ("start_on", "completed_on"),
    ("first_observed", "reported_on"),
    ("notified_on", "planned_move_on"),
)
# Numbers that are not counts and may be negative.
_SIGNED = frozenset({"latitude", "longitude", "min_latitude", "max_latitude", "min_longitude", "max_longitude"})
# Whole numbers are stored as 32-bit integers on every backend.
_LARGEST = 2**31 - 1


_HINTS: dict[type[Record], dict[str, Any]] = {}


def _field_types(cls: type[Record]) -> dict[str, Any]:
    # Type hints never change at run time, and every write asks for them.
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _is_number(tp: Any) -> bool:
    args = typing.get_args(tp) or (tp,)
    return any(a in (int, float) for a in args)


@dataclass(frozen=True)
class _FieldPlan:
    """What the generic rules need to know of one field, worked out once per kind of record."""

    name: str
    required: bool
    number: bool  # its type is a number (the only values that can be negative or too large)
    unsigned_number: bool
    target: str | None
    list_target: str | None


_PLANS: dict[type[Record], tuple[_FieldPlan, ...]] = {}


def _plan(cls: type[Record]) -> tuple[_FieldPlan, ...]:
    """The fields of ``cls`` that a generic rule looks at, in field order: the required ones,
    the numbers and the references (an optional text, a date or a choice has none)."""
    if cls not in _PLANS:
        hints = _field_types(cls)
        plans = (
            _FieldPlan(
                name=f.name,
                required=f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                number=_is_number(hints[f.name]),
                unsigned_number=f.name not in _SIGNED and _is_number(hints[f.name]),
                target=reference_target(f),
                list_target=reference_list_target(f),
            )
            for f in entity_fields(cls)
        )
        _PLANS[cls] = tuple(p for p in plans if p.required or p.number or p.target or p.list_target)
    return _PLANS[cls]


_ORDERS: dict[type[Record], tuple[tuple[str, str], ...]] = {}


def _date_order(cls: type[Record]) -> tuple[tuple[str, str], ...]:
    """The pairs of :data:`_DATE_ORDER` that ``cls`` has both fields of."""
    if cls not in _ORDERS:
        names = {f.name for f in dataclasses.fields(cls)}
        _ORDERS[cls] = tuple((a, b) for a, b in _DATE_ORDER if a in names and b in names)
    return _ORDERS[cls]


def generic(rec: Record, ctx: RuleContext, natural_keys: bool) -> list[Problem]:
    problems: list[Problem] = []
    who = rec.label()
    mission_id = mission_of(rec, ctx)
    values = field_values(rec)
    for f in _plan(type(rec)):
        value = values[f.name]
        if value is None:
            continue
        if f.required and isinstance(value, str) and not value.strip():
            problems.append(Problem(who, f.name, "is required and may not be blank"))
        if isinstance(value, int | float) and not isinstance(value, bool):
            if f.unsigned_number and value < 0:
                problems.append(Problem(who, f.name, f"may not be negative (got {value})"))
            if isinstance(value, int) and abs(value) > _LARGEST:
                problems.append(Problem(who, f.name, f"{value} is too large to store (at most {_LARGEST})"))
        if f.target:
            problems += _check_reference(who, f.name, f.target, value, mission_id, rec, ctx)
        elif f.list_target:
            ids = list(value)
            if len(set(ids)) != len(ids):
                problems.append(Problem(who, f.name, "lists the same record twice"))
            for ident in ids:
                problems += _check_reference(who, f.name, f.list_target, ident, mission_id, rec, ctx)
    for earlier, later in _date_order(type(rec)):
        a, b = values[earlier], values[later]
        if isinstance(a, date) and isinstance(b, date) and b < a:
            problems.append(Problem(who, later, f"{b.isoformat()} is before {earlier} {a.isoformat()}"))
    problems += _check_coordinates(rec, ctx)
    if natural_keys:
        problems += _check_natural_keys(rec, ctx)
    return problems


def mission_of(rec: Record, ctx: RuleContext) -> int | None:
    """The mission a record belongs to: its own, or (for a phase, a finding...) its parent's."""
    if hasattr(rec, "mission_id"):
        return getattr(rec, "mission_id", None)
    for name, target in _parents(type(rec)):
        ident = getattr(rec, name)
        if ident is not None:
            parent = ctx.get(target, ident)
            return mission_of(parent, ctx) if parent is not None else None
    return None


_PARENTS: dict[type[Record], tuple[tuple[str, str], ...]] = {}


def _parents(cls: type[Record]) -> tuple[tuple[str, str], ...]:
    """The required references of ``cls`` (field, kind), in field order: its parents."""
    if cls not in _PARENTS:
        _PARENTS[cls] = tuple(
            (f.name, target)
            for f in entity_fields(cls)
            if (target := reference_target(f)) and f.default is dataclasses.MISSING
        )
    return _PARENTS[cls]


def _check_reference(
    who: str, field: str, target: str, ident: int, mission_id: int | None, rec: Record, ctx: RuleContext
) -> list[Problem]:
    if type(rec).__name__ == target and rec.id is not None and ident == rec.id:
        return [Problem(who, field, "may not refer to the record itself")]
    other = ctx.get(target, ident)
    if other is None:
        return [Problem(who, field, f"{target} #{ident} does not exist")]
    if other.is_deleted:
        return [Problem(who, field, f"{target} #{ident} is deleted")]
    other_mission = mission_of(other, ctx)
    if mission_id is not None and other_mission is not None and other_mission != mission_id:
        return [Problem(who, field, f"{other.label()} belongs to another mission")]
    return []


def _check_coordinates(rec: Record, ctx: RuleContext) -> list[Problem]:
    if not hasattr(rec, "latitude"):
        return []
    who = rec.label()
    lat: float | None = getattr(rec, "latitude", None)
    lon: float | None = getattr(rec, "longitude", None)
    if lat is None or lon is None:
        if lat is None and lon is None:
            return []
        return [Problem(who, "longitude" if lon is None else "latitude", "latitude and longitude go together")]
    if not -90 <= lat <= 90:
        return [Problem(who, "latitude", f"{lat} is not a latitude (-90 to 90)")]
    if not -180 <= lon <= 180:
        return [Problem(who, "longitude", f"{lon} is not a longitude (-180 to 180)")]
    mission = ctx.get("Mission", getattr(rec, "mission_id", 0))
    if not isinstance(mission, Mission):
        return []
    inside_box = _in_box(mission, lat, lon)
    inside = ctx.area_contains(mission, lat, lon)
    if inside is None:
        inside = all(inside_box)
    if inside:
        return []
    # Name the coordinate that is off: the one outside the mission's box, else longitude (the
    # sign of a longitude is the usual slip near the Greenwich meridian).
    field = "latitude" if not inside_box[0] else "longitude"
    value = lat if field == "latitude" else lon
    return [Problem(who, field, f"{value} is outside the area of mission {mission.name} ({lat}, {lon})")]


def _in_box(mission: Mission, lat: float, lon: float) -> tuple[bool, bool]:
    if mission.min_latitude is None or mission.max_latitude is None:
        return True, True
    assert mission.min_longitude is not None and mission.max_longitude is not None
    return (
        mission.min_latitude <= lat <= mission.max_latitude,
        mission.min_longitude <= lon <= mission.max_longitude,
    )


def _check_natural_keys(rec: Record, ctx: RuleContext) -> list[Problem]:
    """A natural key identifies one record. An empty part matches an empty part (two régions
    without parent and with one name clash), but a key whose own parts are all empty (an
    incident without an external id) identifies nothing and is not checked."""
    problems = []
    for key in type(rec).natural_keys:
        values = {name: getattr(rec, name) for name in key}
        if all(values[name] is None for name in key if name != "mission_id"):
            continue
        clashes = [o for o in ctx.find(type(rec).__name__, values) if o.id != rec.id]
        if clashes:
            state = " (deleted: restore it instead)" if clashes[0].is_deleted else ""
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            problems.append(Problem(rec.label(), key[-1], f"{clashes[0].label()} already has {shown}{state}"))
    return problems
