"""Data quality: the values missing that a figure needs, and the numbers typed into quoted text.

Each check looks at one kind of record for one value a figure of the pages or the letter rests
on (a unit's strength, an incident's casualties, a place's coordinates), counts the records
without it, names the figures each gap weakens in the words of a reporting officer, and lists
the records so that someone can fill them. ``bluehelmet check`` and the Data quality page read
the same report; a sector account sees only its sector's records (``listing.scoped_select``,
the scoping every list uses).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_, select

from bluehelmet.analytics.equipment import equipment_holders
from bluehelmet.domain.access import Action, Principal, Role
from bluehelmet.domain.catalogue import entity_class
from bluehelmet.domain.equipment import EquipmentItem, EquipmentStatusChange
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.evaluations import EvaluationKind
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.domain.records import Record
from bluehelmet.domain.typed_numbers import MEASURES, typed_numbers
from bluehelmet.domain.units import Component, DeploymentStatus, Unit
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import scoped_select
from bluehelmet.services.scope import mission_named
from bluehelmet.storage.rollups import DAY_ROLLUP, PLACED_SECTOR
from bluehelmet.storage.search import any_word_clause
from bluehelmet.storage.tables import TABLES

__all__ = [
    "CHECKS",
    "LISTED",
    "VICTIM_FIELDS",
    "Check",
    "Gap",
    "GapRecord",
    "QualityReport",
    "TypedNumberFinding",
    "quality_report",
]  # fmt: skip

#: An incident's killed and injured by victim group: each may be unknown (not reported), not zero.
VICTIM_FIELDS = (
    "killed_peacekeepers", "injured_peacekeepers", "killed_national_forces", "injured_national_forces",
    "killed_civilians", "injured_civilians",
)  # fmt: skip
#: At most this many records are listed per check (the count is always whole).
LISTED = 200
_PRESENT = frozenset({DeploymentStatus.DEPLOYED, DeploymentStatus.ROTATING, DeploymentStatus.ADVANCE_TEAM_ONLY})


@dataclass(frozen=True)
class GapRecord:
    """A record missing values: its kind and id (for a link), its name, the fields it lacks."""

    kind: str
    record_id: int
    label: str
    missing: list[str]
    note: str = ""


@dataclass(frozen=True)
class Gap:
    """One check's answer: ``count`` of the ``checked`` records lack what ``missing`` says."""

    check: str
    kind: str
    missing: str
    weakens: list[str]
    count: int
    checked: int
    records: list[GapRecord]


@dataclass(frozen=True)
class TypedNumberFinding:
    """A number typed into quoted text that a field of the record holds, contradicts or lacks."""

    kind: str
    record_id: int
    label: str
    field: str
    quoted: str
    relation: str
    reason: str


@dataclass(frozen=True)
class QualityReport:
    mission: str
    on: date
    gaps: list[Gap]
    typed_numbers: list[TypedNumberFinding]

    @property
    def clean(self) -> bool:
        return not self.typed_numbers and all(g.count == 0 for g in self.gaps)


@dataclass(frozen=True)
class _Scope:
    """What the checks read beside each record: the day, the contingents that should hold major
    equipment (and which of them have items recorded), and the items with a report."""

    tx: Transaction
    principal: Principal
    mission_id: int
    on: date
    holders: dict[int, int] = field(default_factory=dict)
    with_items: set[int] = field(default_factory=set)
    reported: set[int] = field(default_factory=set)
    unit_names: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """What one check reads: records of ``kind`` that should have a value (``applies``) and the
    fields each lacks (``lacks``); for the kinds that grow large, ``population`` (the records
    checked) and ``where`` (those lacking a value) are conditions of the query instead, and such a
    check applies to its whole population (counted in the database, only the listed records read)."""

    key: str
    kind: str
    missing: str
    weakens: tuple[str, ...]
    applies: Callable[[Any, _Scope], bool]
    lacks: Callable[[Any, _Scope], list[str]]
    where: Callable[[Any], Any] | None = None
    population: Callable[[Any], Any] | None = None
    note: Callable[[Any], str] = field(default=lambda _r: "")
    #: The incident tolls whose "not recorded" counts the rollups keep (``storage.rollups``
    #: MEASURES, ``<toll>_unknown``): the check (a record lacks any of them) is counted from the
    #: day rollup when those counts settle it, else from the table.
    rolled: tuple[str, ...] = ()


def _none(*names: str) -> Callable[[Any, _Scope], list[str]]:
    return lambda r, _s: [n for n in names if getattr(r, n, None) is None]


def _everything(_r: Any, _s: _Scope) -> bool:
    return True


def _unit_in_area(r: Any, _s: _Scope) -> bool:
    return bool(r.component in (Component.MILITARY, Component.POLICE) and r.deployment_status in _PRESENT)


def _unit_strength(r: Any, _s: _Scope) -> list[str]:
    both = r.deployed_strength is None and r.authorised_strength is None
    return ["deployed_strength", "authorised_strength"] if both else []


def _estimate(r: Any) -> str:
    estimate = getattr(r, "strength_estimate", None)
    if estimate is None:
        return ""
    source = getattr(r, "strength_estimate_source", "") or "source not given"
    return f"estimate, {source}: {estimate}; not used in any figure"


def _holder(r: Any, s: _Scope) -> bool:
    return bool(s.holders.get(r.id) == r.id)


def _no_items(r: Any, s: _Scope) -> list[str]:
    return [] if r.id in s.with_items else ["equipment_item"]


def _no_report(r: Any, s: _Scope) -> list[str]:
    return [] if r.id in s.reported else ["equipment_status_change"]


def _rotation_due(r: Any, s: _Scope) -> bool:
    return bool(r.planned_start <= s.on)


def _rotation_dates(r: Any, s: _Scope) -> list[str]:
    """The actual start once the planned start has passed; the actual end once the planned end has."""
    missing = ["actual_start"] if r.actual_start is None else []
    if r.actual_end is None and r.planned_end < s.on:
        missing.append("actual_end")
    return missing


def _military_evaluation(r: Any, _s: _Scope) -> bool:
    return bool(r.kind == EvaluationKind.MILITARY_UNIT_EVALUATION)


def _unknown(*names: str) -> Callable[[Any], Any]:
    """The records with one of ``names`` unknown, as a condition of the query."""
    return lambda t: or_(*(t.c[n].is_(None) for n in names))


def _not_rejected(table: Any) -> Any:
    return table.c.review_status != ReviewStatus.REJECTED


CHECKS: tuple[Check, ...] = (
    Check("unit_strength", "Unit", "units in the mission area with neither a deployed nor an authorised strength",
          ("Personnel deployed on the Forces page: the unit is left out of the total",
           "Available strength per sector during rotations (Rotations page, the letter's paragraph on rotations)"),
          _unit_in_area, _unit_strength, note=_estimate),
    Check("unit_equipment", "Unit", "contingents in the mission area with no major equipment recorded",
          ("Equipment serviceability (Forces page, the letter's paragraph on equipment): the share serviceable "
           "speaks only for the units whose equipment is recorded",),
          _holder, _no_items),
    Check("equipment_serviceability", "EquipmentItem", "items of major equipment with no serviceability report",
          ("Equipment serviceability: an item with no report is counted serviceable, as at its arrival inspection",),
          _everything, _no_report),
    Check("incident_fatalities", "Incident", "incidents (not rejected) whose fatalities are not recorded",
          ("Fatalities in the incident statistics and on the Situation page: an unknown toll is left out, not 0",),
          _everything, _none("fatalities"), where=_unknown("fatalities"), population=_not_rejected,
          rolled=("fatalities",)),
    Check("incident_victims", "Incident",
          "incidents (not rejected) whose killed or injured by victim group are not all recorded",
          ("Peacekeepers killed or injured (Situation page)",
           "Civilians killed or injured by explosive incidents, and the year-on-year change (the letter)"),
          _everything, _none(*VICTIM_FIELDS), where=_unknown(*VICTIM_FIELDS), population=_not_rejected,
          rolled=VICTIM_FIELDS),
    Check("rotation_dates", "Rotation", "rotations begun or past their planned end without their actual dates",
          ("Rotations at the same time and against the plan (Rotations page, the letter): the planned window "
           "stands in for the actual one", "Days of rotation in high-tempo periods"),
          _rotation_due, _rotation_dates),
    Check("location_coordinates", "Location", "places without coordinates",
          ("Maps, hotspots and near-repeat clusters: incidents placed there cannot be mapped",
           "Casualty-evacuation distances from bases there"),
          _everything, _none("latitude", "longitude"), where=_unknown("latitude", "longitude")),
    Check("evaluation_strength", "Evaluation", "military unit evaluations without the evaluated strength",
          ("The strengths of the units evaluated, in the letter's paragraph on performance",),
          _military_evaluation, _none("evaluated_strength")),
)  # fmt: skip


def _visible(
    scope: _Scope,
    cls: type[Record],
    where: Callable[[Any], Any] | None = None,
    population: Callable[[Any], Any] | None = None,
) -> tuple[list[Any], int]:
    """The live records of the mission (of ``population``) that the principal may read,
    narrowed by ``where`` in SQL, and how many of the population the principal may read in all."""
    table = TABLES[cls]
    stmt, ask_each = scoped_select(cls, scope.principal)
    if "mission_id" in table.c:
        stmt = stmt.where(table.c.mission_id == scope.mission_id)
    if population is not None:
        stmt = stmt.where(population(table))
    session = scope.tx.session
    if where is None:
        found = [r for r in session.scalars(stmt.order_by(table.c.id)) if _may(scope, ask_each, r)]
        return found, len(found)
    narrowed = [r for r in session.scalars(stmt.where(where(table)).order_by(table.c.id)) if _may(scope, ask_each, r)]
    if ask_each:
        total = sum(1 for r in session.scalars(stmt) if _may(scope, ask_each, r))
    else:
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    return narrowed, total


def _may(scope: _Scope, ask_each: bool, record: Record) -> bool:
    return not ask_each or allowed(scope.tx, scope.principal, Action.READ, record)


def _counted(scope: _Scope, cls: type[Record], check: Check) -> tuple[list[Any], int, int] | None:
    """For a check written as conditions (``where``: it applies to its whole ``population``):
    the first ``LISTED`` records lacking the value, how many lack it and how many were checked,
    counted in the database (the incidents may be a million: only the listed ones are read).
    None when the kind's records must each be asked whether the principal may read them."""
    assert check.where is not None
    table = TABLES[cls]
    stmt, ask_each = scoped_select(cls, scope.principal)
    if ask_each:
        return None
    if "mission_id" in table.c:
        stmt = stmt.where(table.c.mission_id == scope.mission_id)
    if check.population is not None:
        stmt = stmt.where(check.population(table))
    lacking = check.where(table)
    session = scope.tx.session
    rolled = _rolled_counts(scope, check.rolled) if check.rolled else None
    if rolled is not None:
        count, total = rolled
    else:
        both = stmt.with_only_columns(func.count(case((lacking, 1))), func.count()).order_by(None)  # one pass
        count, total = session.execute(both).one()
    first = session.scalars(stmt.where(lacking).order_by(table.c.id).limit(LISTED))
    return list(first), int(count or 0), int(total or 0)


def _rolled_counts(scope: _Scope, tolls: tuple[str, ...]) -> tuple[int, int] | None:
    """How many of the mission's live, not rejected incidents lack any of ``tolls``, and how
    many there are, as the principal may read them: from the day rollup (a few thousand rows),
    which keeps each toll's count not recorded per day and the sector an incident is placed in
    (the sector a sector account reads by). The rollup counts each toll apart: for several, the
    count is settled only when one of them is lacking everywhere (else None: count the table)."""
    days = DAY_ROLLUP.table
    stmt = select(func.sum(days.c.events), *(func.sum(days.c[f"{toll}_unknown"]) for toll in tolls))
    stmt = stmt.where(days.c.mission_id == scope.mission_id)
    if scope.principal.scoped:
        stmt = stmt.where(days.c[PLACED_SECTOR].in_(sorted(scope.principal.sectors)))
    total, *lacking = (int(n or 0) for n in scope.tx.session.execute(stmt).one())
    if len(lacking) == 1 or max(lacking) == total:
        return max(lacking), total
    return None


def _run(check: Check, scope: _Scope) -> Gap:
    cls = entity_class(check.kind)
    counted = _counted(scope, cls, check) if check.where is not None else None
    if counted is not None:
        first, count, total = counted
        lacking = [(r, check.lacks(r, scope)) for r in first]
        listed = [GapRecord(check.kind, r.id or 0, _name(r, scope), gone, check.note(r)) for r, gone in lacking]
        return Gap(check.key, check.kind, check.missing, list(check.weakens), count, total, listed)
    found, total = _visible(scope, cls, check.where, check.population)
    applying = [r for r in found if check.applies(r, scope)]
    checked = total if check.where is not None else len(applying)
    missing = [(r, gone) for r in applying if (gone := check.lacks(r, scope))]
    listed = [GapRecord(check.kind, r.id or 0, _name(r, scope), gone, check.note(r)) for r, gone in missing[:LISTED]]
    return Gap(check.key, check.kind, check.missing, list(check.weakens), len(missing), checked, listed)


def _name(record: Record, scope: _Scope) -> str:
    """How a person recognises the record: its label, after its unit's name when it has one."""
    value = getattr(record, record.label_field, None)
    own = str(value) if value not in (None, "") else f"#{record.id}"
    unit = scope.unit_names.get(getattr(record, "unit_id", None) or 0)
    return f"{unit}, {own}" if unit else own


def _equipment(scope: _Scope) -> None:
    """Fills the scope's equipment facts (the units and items are few: read whole)."""
    units = [u for u in _visible(scope, Unit)[0] if isinstance(u, Unit)]
    scope.unit_names.update((u.id or 0, u.name) for u in units)
    scope.holders.update(equipment_holders(units))
    items = [i for i in _visible(scope, EquipmentItem)[0] if isinstance(i, EquipmentItem)]
    scope.with_items.update(scope.holders[i.unit_id] for i in items if i.unit_id in scope.holders)
    changes = TABLES[EquipmentStatusChange]
    scope.reported.update(
        scope.tx.session.scalars(select(changes.c.equipment_id).where(changes.c.deleted_at.is_(None)))
    )


#: Words without which an incident's notes hold no typed toll (read in SQL: incidents may be many).
_TOLL_WORDS = ("killed", "dead", "death", "fatalit", "attacker", "assailant", "fighter")


def _incident_words(dialect: str) -> Callable[[Any], Any]:
    """The incidents whose text holds a word beginning with one of ``_TOLL_WORDS``, from the
    full-text index (``storage.search``) rather than a scan of every incident's notes; the notes
    are then read for the typed numbers themselves. A toll glued to its number ("12killed", one
    word to the index) is not found by this; "12 killed" and "12-killed" are."""
    return lambda table: any_word_clause(dialect, table, _TOLL_WORDS)


def _typed(scope: _Scope) -> list[TypedNumberFinding]:
    found = []
    for kind in MEASURES:
        cls = entity_class(kind)
        where = _incident_words(scope.tx.session.get_bind().dialect.name) if kind == "Incident" else None
        for record in _visible(scope, cls, where)[0]:
            for n in typed_numbers(record, kind):
                found.append(
                    TypedNumberFinding(kind, record.id or 0, _name(record, scope), n.field, n.quoted, str(n.relation),
                                       n.reason())
                )  # fmt: skip
    return found


def quality_report(
    db: Database,
    principal: Principal | None = None,
    *,
    on: date | None = None,
    checks: Sequence[str] = (),
    mission: str | None = None,
    actor: str = "check",
) -> QualityReport:
    """Every check (or those named in ``checks``) on the mission's records as ``principal``
    may read them (None: all of them), on ``on`` (default: today, UTC), and the typed numbers."""
    known = {c.key for c in CHECKS}
    unknown = sorted(set(checks) - known)
    if unknown:
        raise BluehelmetError(f"unknown check {', '.join(unknown)}; checks: {', '.join(sorted(known))}")
    with db.transaction(actor) as tx:
        found = mission_named(tx, principal, mission)
        who = principal or Principal(actor, Role.ADMIN)
        scope = _Scope(tx, who, found.id or 0, on or tx.today)
        _equipment(scope)
        gaps = [_run(c, scope) for c in CHECKS if not checks or c.key in checks]
        return QualityReport(found.name, scope.on, gaps, _typed(scope))
