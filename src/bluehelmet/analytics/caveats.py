"""Caveats: declared against undeclared, by component and unit type, what they cost, and the
sentences the letter states about them ("No formed police unit ... operates with undeclared caveats").

A caveat counts as *declared* only if it was registered with the Secretariat before the unit
deployed; anything else, including a caveat declared after deployment, is undeclared. When the
Secretariat has registered no declared caveat, every caveat is therefore undeclared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.units import Component, DeploymentStatus, Unit, UnitType

__all__ = [
    "ABSENT_STATUSES",
    "CaveatGroup",
    "CaveatStatement",
    "CaveatSummary",
    "ValueCount",
    "caveat_statements",
    "caveat_summary",
    "describe_statement",
    "is_declared",
    "is_live",
]

#: Units that are not (or no longer, or not yet) in the mission area are not counted in a statement.
ABSENT_STATUSES = frozenset({DeploymentStatus.PLEDGED, DeploymentStatus.REPATRIATED})


def is_live(caveat: Caveat, on: date) -> bool:
    """In force on ``on``: met (or declared) on or before that day and not lifted before it.

    A caveat with no date of its own is taken as in force since it was recorded.
    """
    since = caveat.first_observed or caveat.declared_on
    if since is not None and since > on:
        return False
    return caveat.lifted_on is None or caveat.lifted_on >= on


def is_declared(caveat: Caveat, deployed_on: date | None) -> bool:
    """Registered with the Secretariat before the unit deployed.

    ``deployed_on`` is when the unit arrived, if known; a declared caveat with no declaration
    date, or a unit with no known arrival, is taken at its word.
    """
    if not caveat.declared:
        return False
    return caveat.declared_on is None or deployed_on is None or caveat.declared_on <= deployed_on


@dataclass(frozen=True)
class CaveatGroup:
    """Live caveats of one component and unit type."""

    component: Component
    unit_type: UnitType
    declared: int
    undeclared: int
    units_with_undeclared: int


@dataclass(frozen=True)
class CaveatStatement:
    """Whether any unit of a component (of one unit type, or of any when ``unit_type`` is None)
    operates with undeclared caveats: the facts behind a sentence, in any language."""

    component: Component
    unit_type: UnitType | None
    units_with_undeclared: int
    units_total: int
    undeclared_caveats: int
    #: True when no such unit operates with undeclared caveats.
    none_undeclared: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "none_undeclared", self.units_with_undeclared == 0)


@dataclass(frozen=True)
class ValueCount:
    """How many records share a value (caveats of a kind; impacts of an effect, task or operation)."""

    value: str | None
    count: int


@dataclass(frozen=True)
class CaveatSummary:
    """Caveats in force on a day, and the impacts recorded in a period."""

    on: date
    caveats: int
    declared: int
    undeclared: int
    #: True when there are caveats and none is declared (the letter's "all caveats as undeclared").
    all_undeclared: bool
    by_group: list[CaveatGroup]
    by_kind: list[ValueCount]
    statements: list[CaveatStatement]
    impacts: int
    impacts_by_effect: list[ValueCount]
    impacts_by_task: list[ValueCount]
    impacts_by_operation: list[ValueCount]


def _deployed_on(unit: Unit) -> date | None:
    # status_since of a deployed unit is when it arrived; for other statuses it dates something else.
    return unit.status_since if unit.deployment_status == DeploymentStatus.DEPLOYED else None


def _counts(values: Iterable[str | None]) -> list[ValueCount]:
    counted = Counter(values)
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return [ValueCount(value, n) for value, n in ordered]


def caveat_statements(units: Sequence[Unit], undeclared_units: Mapping[int, int]) -> list[CaveatStatement]:
    """One statement per component and one per unit type present in it, over the units in the
    mission area; ``undeclared_units`` gives each unit's number of live undeclared caveats."""
    present = [u for u in units if u.deployment_status not in ABSENT_STATUSES]
    statements = []
    for component in Component:
        members = [u for u in present if u.component == component]
        if not members:
            continue
        for unit_type in [None, *sorted({u.unit_type for u in members})]:
            chosen = [u for u in members if unit_type is None or u.unit_type == unit_type]
            caveated = [u for u in chosen if undeclared_units.get(u.id or 0, 0) > 0]
            statements.append(
                CaveatStatement(
                    component, unit_type, len(caveated), len(chosen), sum(undeclared_units[u.id or 0] for u in caveated)
                )
            )
    return statements


def caveat_summary(
    caveats: Sequence[Caveat],
    units: Sequence[Unit],
    impacts: Sequence[CaveatImpact],
    on: date,
    *,
    operation_name: Callable[[int | None], str | None] = lambda _: None,
) -> CaveatSummary:
    """Caveats in force on ``on`` (by component and unit type, and by kind), the sentences about
    them, and every impact given (the caller picks the period)."""
    by_id = {u.id: u for u in units}
    live = [c for c in caveats if is_live(c, on) and c.unit_id in by_id]
    declared = {c.id for c in live if is_declared(c, _deployed_on(by_id[c.unit_id]))}
    undeclared_units: Counter[int] = Counter(c.unit_id for c in live if c.id not in declared)
    groups: dict[tuple[Component, UnitType], list[Caveat]] = {}
    for c in live:
        unit = by_id[c.unit_id]
        groups.setdefault((unit.component, unit.unit_type), []).append(c)
    by_group = [
        CaveatGroup(
            component, unit_type,
            declared=sum(1 for c in members if c.id in declared),
            undeclared=sum(1 for c in members if c.id not in declared),
            units_with_undeclared=len({c.unit_id for c in members if c.id not in declared}),
        )
        for (component, unit_type), members in sorted(groups.items())
    ]  # fmt: skip
    return CaveatSummary(
        on=on,
        caveats=len(live),
        declared=len(declared),
        undeclared=len(live) - len(declared),
        all_undeclared=bool(live) and not declared,
        by_group=by_group,
        by_kind=_counts(str(c.kind) for c in live),
        statements=caveat_statements(units, undeclared_units),
        impacts=len(impacts),
        impacts_by_effect=_counts(str(i.effect) for i in impacts),
        impacts_by_task=_counts(i.task for i in impacts),
        impacts_by_operation=_counts(operation_name(i.operation_id) for i in impacts),
    )


_PLURALS = {UnitType.INDIVIDUAL_POLICE: "individual police officers", UnitType.HEADQUARTERS: "headquarters"}


def _noun(statement: CaveatStatement, plural: bool) -> str:
    if statement.unit_type is None:
        return f"{statement.component} unit" + ("s" if plural else "")
    if statement.unit_type == UnitType.INDIVIDUAL_POLICE:
        return _PLURALS[UnitType.INDIVIDUAL_POLICE] if plural else "individual police officer"
    words = str(statement.unit_type).replace("_", " ")
    return _PLURALS.get(statement.unit_type, words + "s") if plural else words


def describe_statement(statement: CaveatStatement) -> str:
    """The statement as an English sentence: "No formed police unit operates with undeclared
    caveats." or "2 of 14 infantry companies operate with undeclared caveats."."""
    if statement.none_undeclared:
        return f"No {_noun(statement, plural=False)} operates with undeclared caveats."
    verb = "operates" if statement.units_with_undeclared == 1 else "operate"
    noun = _noun(statement, plural=statement.units_total != 1)
    return f"{statement.units_with_undeclared} of {statement.units_total} {noun} {verb} with undeclared caveats."
