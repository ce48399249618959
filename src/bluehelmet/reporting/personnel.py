"""Section (b), the performance of uniformed personnel: evaluations, police assessments and
COE inspections, and equipment serviceability."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from bluehelmet.analytics.coverage import Coverage
from bluehelmet.analytics.performance import EvaluatedUnit
from bluehelmet.domain.equipment import DamageCause, Inspection
from bluehelmet.domain.evaluations import Evaluation, EvaluationKind
from bluehelmet.domain.units import Component, DeploymentStatus, Unit
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Names,
    Paragraph,
    Place,
    Section,
    Sentence,
    Series,
    Style,
    Term,
    Value,
)
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_, Plural
from bluehelmet.services import readiness

__all__ = [
    "COUNTED",
    "COUNTED_OTHER",
    "coverage_units",
    "equipment",
    "equipment_coverage",
    "evaluations",
    "holding_units",
]

#: Evaluated units counted by type, without and with their strengths ("three infantry battalions
#: (645, 650 and 849 strong)"): each a message with its plural, as each language counts them.
COUNTED: dict[str, tuple[Plural, Plural]] = {
    "infantry_battalion": (
        Np_("{count} infantry battalion", "{count} infantry battalions"),
        Np_("{count} infantry battalion ({strengths} strong)", "{count} infantry battalions ({strengths} strong)"),
    ),
    "infantry_company": (
        Np_("{count} infantry company", "{count} infantry companies"),
        Np_("{count} infantry company ({strengths} strong)", "{count} infantry companies ({strengths} strong)"),
    ),
    "combat_convoy_battalion": (
        Np_("{count} combat convoy battalion", "{count} combat convoy battalions"),
        Np_(
            "{count} combat convoy battalion ({strengths} strong)",
            "{count} combat convoy battalions ({strengths} strong)",
        ),
    ),
    "combat_convoy_company": (
        Np_("{count} combat convoy company", "{count} combat convoy companies"),
        Np_(
            "{count} combat convoy company ({strengths} strong)",
            "{count} combat convoy companies ({strengths} strong)",
        ),
    ),
}
COUNTED_OTHER = (
    Np_("{count} unit of the type {unit_type}", "{count} units of the type {unit_type}"),
    Np_(
        "{count} unit of the type {unit_type} ({strengths} strong)",
        "{count} units of the type {unit_type} ({strengths} strong)",
    ),
)


def evaluations(scope: Scope) -> Section:
    report = readiness.performance_report(scope.db, scope.date_from, scope.date_to, mission=scope.mission_name)
    out: list[Sentence] = []
    units = report.units_evaluated
    if units:
        n = figure(
            "evaluations.units",
            report.distinct_units_evaluated,
            N_("Military units evaluated in the period (each unit once): counted."),
            evidence("Evaluation", [u.evaluation_id for u in units]),
        )
        by_type: dict[str, list[EvaluatedUnit]] = defaultdict(list)
        for u in units:
            by_type[u.unit_type].append(u)
        kinds: list[Sentence] = []
        for unit_type, rows in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            count = figure(
                f"evaluations.{unit_type}",
                len(rows),
                N_("Evaluated units of this type: counted."),
                evidence("Evaluation", [u.evaluation_id for u in rows]),
            )
            known = sorted((u for u in rows if u.strength is not None), key=lambda u: u.strength or 0)
            strengths = tuple(
                figure(
                    f"evaluation.{u.evaluation_id}.strength",
                    u.strength or 0,
                    N_("The strength recorded with the evaluation."),
                    evidence("Evaluation", [u.evaluation_id]),
                )
                for u in known
            )
            counted = COUNTED.get(unit_type, COUNTED_OTHER)
            values: dict[str, Value] = {"count": count, "unit_type": Term(unit_type)}
            if strengths and len(known) == len(rows):  # strengths stated only when every unit's is known
                values["strengths"] = Names(strengths)
                kinds.append(Sentence(counted[1], values, "count"))
            else:
                kinds.append(Sentence(counted[0], values, "count"))
        out.append(
            Sentence(
                Np_(
                    "Since {start}, {count} military unit has been evaluated: {kinds}.",
                    "Since {start}, {count} military units have been evaluated, including {kinds}.",
                ),
                {"start": Day(scope.date_from), "count": n, "kinds": Names(tuple(kinds))},
                "count",
            )
        )
        passed = [u for u in units if u.passes]
        below = [f for f in report.sub_units_with_findings if f.passes is False]
        unnamed = len(below) == 1 and not scope.name_units and len(passed) == len(units)
        if unnamed:
            message = N_(
                "All {total} have been found to be performing satisfactorily, except for one sub-unit, in which "
                "issues were identified in relation to {domains}."
            )
        elif len(passed) == len(units):
            message = N_("All {total} have been found to be performing satisfactorily.")
        else:
            message = N_("{passed} of the {total} have been found to be performing satisfactorily.")
        out.append(
            Sentence(
                message,
                {
                    "domains": Names(tuple(Term(d) for d in below[0].domains)) if below else Names(()),
                    "passed": figure(
                        "evaluations.passed",
                        len(passed),
                        N_("Evaluations rated in the better half of the scale: counted."),
                        evidence("Evaluation", [u.evaluation_id for u in passed]),
                    ),
                    "total": figure(
                        "evaluations.total",
                        len(units),
                        N_("Evaluations of military units in the period: counted."),
                        evidence("Evaluation", [u.evaluation_id for u in units]),
                    ),
                },
            )
        )
        for sub in [] if unnamed else below:
            domains = Names(tuple(Term(d) for d in sub.domains))
            if scope.name_units:  # the officer chose to name the sub-units with shortcomings
                out.append(
                    Sentence(
                        N_("In {sub_unit}, a sub-unit of {unit}, issues were identified in relation to {domains}."),
                        {"unit": T(sub.unit), "sub_unit": T(sub.sub_unit), "domains": domains},
                    )
                )
            else:
                out.append(
                    Sentence(
                        N_("In one sub-unit, issues were identified in relation to {domains}."), {"domains": domains}
                    )
                )
    else:
        out.append(Sentence(N_("No military unit was evaluated in the period.")))
    police = _police(scope, report.police_assessment_reports.total, report.coe_inspections.total)
    paragraphs = (Paragraph(tuple(out), "evaluations.military"), Paragraph(tuple(police), "evaluations.police"))
    return Section("evaluations", N_("Evaluations of the military and police components"), paragraphs)


def _police(scope: Scope, reports: int, inspections: int) -> list[Sentence]:
    units = scope.by_id(Unit)
    paers = [
        e
        for e in scope.live(Evaluation)
        if e.kind == EvaluationKind.POLICE_ASSESSMENT_REPORT and scope.within(e.evaluated_on)
    ]
    checks = [
        i
        for i in scope.live(Inspection)
        if scope.within(i.inspected_on)
        and units.get(i.unit_id or 0) is not None
        and units[i.unit_id or 0].component == Component.POLICE
    ]
    a = figure(
        "police.paers",
        reports,
        N_("Performance assessment and evaluation reports of police units in the period: counted."),
        evidence("Evaluation", [e.id for e in paers]),
    )
    b = figure(
        "police.coe_inspections",
        inspections,
        N_("Contingent-owned equipment inspections in the period: counted."),
        evidence("Inspection", [i.id for i in checks]),
    )
    return [
        Sentence(
            N_(
                "The police component received {reports} performance assessment and evaluation reports, and "
                "{inspections} contingent-owned equipment inspections were conducted."
            ),
            {"reports": a, "inspections": b},
        )
    ]


def equipment(scope: Scope) -> Section:
    day = scope.date_to
    whole = readiness.equipment_readiness(scope.db, day, mission=scope.mission_name)
    out: list[Sentence] = []
    if not whole.items:
        out.append(Sentence(N_("No major equipment is recorded.")))
        return Section("equipment", N_("Equipment serviceability"), (Paragraph(tuple(out), "equipment"),))
    units = scope.by_id(Unit)
    good = [s.item_id for s in whole.statuses if s.serviceable]
    coverage = equipment_coverage(scope, {row.unit_id for row in whole.by_unit})
    share = figure(
        "equipment.share",
        100.0 * whole.serviceable / whole.items,
        N_("Serviceable major equipment items on {day}, as a share of all items."),
        evidence("EquipmentItem", [s.item_id for s in whole.statuses]),
        style=Style.PERCENT,
        day=Day(day),
    )
    share = replace(share, coverage=coverage)
    standard = figure(
        "equipment.standard",
        100 * whole.standard,
        N_("The serviceability standard of the settings."),
        style=Style.PERCENT,
    )
    if coverage.complete:
        out.append(
            Sentence(
                N_(
                    "On {day}, {share} per cent of the Mission's major equipment was serviceable, against a "
                    "standard of {standard} per cent."
                ),
                {"day": Day(day), "share": share, "standard": standard},
            )
        )
    else:  # a part is never worded as the whole: the units recorded, and the Mission's share left out
        held = figure(
            "equipment.units_recorded",
            coverage.known,
            N_("Units holding major equipment whose items are recorded, of the deployed units that hold it."),
            evidence("Unit", sorted(coverage_units(scope, {row.unit_id for row in whole.by_unit}))),
        )
        out.append(
            Sentence(
                N_(
                    "Major equipment is recorded for {known} of the {total} units that hold it, so no serviceability "
                    "rate is given for the Mission as a whole."
                ),
                {
                    "known": replace(held, coverage=coverage),
                    "total": figure(
                        "equipment.units_holding",
                        coverage.total,
                        N_("Deployed contingents of the military and police components that hold major equipment."),
                        evidence("Unit", [u.id for u in holding_units(scope)]),
                    ),
                },
            )
        )
        scope.notes.append(
            Sentence(
                N_(
                    "The Mission's serviceability rate ({share} per cent of the items recorded) is left out: major "
                    "equipment is recorded for {known} of the {total} units that hold it."
                ),
                {"share": share, "known": T(str(coverage.known)), "total": T(str(coverage.total))},
            )
        )
    groups: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for row in whole.by_unit:
        unit = units.get(row.unit_id)
        if row.below_standard and unit is not None:
            groups[(str(unit.unit_type), scope.place(unit.base_id))].append(unit)
    for (unit_type, base), members in sorted(groups.items()):
        names = [u.name for u in sorted(members, key=lambda u: u.name)]
        place = scope.where(members[0].base_id) or Place(base)
        part = readiness.equipment_readiness(scope.db, day, units=names, mission=scope.mission_name)
        items = [s.item_id for s in part.statuses]
        down = [s for s in part.statuses if not s.serviceable]
        blasted = [s for s in down if s.cause == DamageCause.EXPLOSIVE_INCIDENT and s.since is not None]
        key = f"equipment.{unit_type}.{base}"
        values: dict[str, Value] = {
            "items": figure(
                f"{key}.items",
                len(items),
                N_("Major equipment items of the units: counted."),
                evidence("EquipmentItem", items),
            ),
            "down": figure(
                f"{key}.down",
                len(down),
                N_("Of those, items unserviceable on {day}: counted."),
                evidence("EquipmentItem", [s.item_id for s in down]),
                day=Day(day),
            ),
            "units": Names((Sentence(COUNTED.get(unit_type, COUNTED_OTHER)[0], {
                "count": figure(f"{key}.units", len(members), N_("Units of this type and base: counted."),
                                evidence("Unit", [u.id for u in members])),
                "unit_type": Term(unit_type)}, "count"),)),
            "place": place,
        }  # fmt: skip
        out.append(
            Sentence(
                N_(
                    "Of the {items} major equipment items recorded for {units} based in {place}, {down} are "
                    "unserviceable."
                ),
                values,
            )
        )
        if blasted:
            this_year = [s for s in blasted if s.since and s.since.year == day.year]
            earlier = [s for s in blasted if s.since and s.since.year < day.year]
            first_year = min((s.since.year for s in earlier if s.since), default=day.year)
            method = N_(
                "Unserviceable items whose damage is recorded as caused by an explosive incident, by the year "
                "the damage happened: counted."
            )
            out.append(
                Sentence(
                    N_(
                        "{blasted} of them were damaged by explosive incidents: {recent} in {year} and "
                        "{earlier} between {first_year} and {last_year}."
                    ),
                    {
                        "blasted": figure(
                            f"{key}.explosive",
                            len(blasted),
                            method,
                            evidence("EquipmentItem", [s.item_id for s in blasted]),
                        ),
                        "recent": figure(
                            f"{key}.explosive.recent",
                            len(this_year),
                            method,
                            evidence("EquipmentItem", [s.item_id for s in this_year]),
                        ),
                        "earlier": figure(
                            f"{key}.explosive.earlier",
                            len(earlier),
                            method,
                            evidence("EquipmentItem", [s.item_id for s in earlier]),
                        ),
                        "year": T(str(day.year)),
                        "first_year": T(str(first_year)),
                        "last_year": T(str(day.year - 1)),
                    },
                )
            )
    chart = Chart(
        "equipment-by-unit",
        ChartKind.STACKED,
        N_("Major equipment by unit: serviceable and unserviceable"),
        tuple(r.unit for r in whole.by_unit),
        (
            Series(Term("serviceable"), tuple(float(r.serviceable) for r in whole.by_unit)),
            Series(Term("unserviceable"), tuple(float(r.unserviceable) for r in whole.by_unit)),
        ),
        evidence=evidence("EquipmentItem", good + [s.item_id for s in whole.statuses if not s.serviceable]),
        y_label=N_("items"),
    )
    return Section("equipment", N_("Equipment serviceability"), (Paragraph(tuple(out), "equipment"),), (chart,))


#: Unit types that hold no major equipment of their own.
_NO_MAJOR_EQUIPMENT = frozenset({"individual_police", "headquarters", "civilian_section"})


def holding_units(scope: Scope) -> list[Unit]:
    """The units a Mission-wide serviceability rate speaks for: deployed top-level contingents of the
    military and police components that hold major equipment."""
    return [
        u
        for u in scope.live(Unit)
        if u.parent_id is None
        and u.component in (Component.MILITARY, Component.POLICE)
        and u.deployment_status == DeploymentStatus.DEPLOYED
        and str(u.unit_type) not in _NO_MAJOR_EQUIPMENT
    ]


def coverage_units(scope: Scope, recorded: set[int]) -> set[int]:
    """The top-level units of the units whose equipment is recorded."""
    units = scope.by_id(Unit)
    out = set()
    for unit_id in recorded:
        unit = units.get(unit_id)
        while unit is not None and unit.parent_id is not None and unit.parent_id in units:
            unit = units[unit.parent_id]
        if unit is not None and unit.id is not None:
            out.add(unit.id)
    return out


def equipment_coverage(scope: Scope, recorded: set[int]) -> Coverage:
    """Equipment recorded for N of the units that hold major equipment."""
    total = {u.id for u in holding_units(scope)}
    known = coverage_units(scope, recorded)
    return Coverage(len(known & total), len(total | known), "units")
