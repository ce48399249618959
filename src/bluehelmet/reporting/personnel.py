"""Section (b), the performance of uniformed personnel: evaluations, police assessments and
COE inspections, and equipment serviceability."""

from __future__ import annotations

from collections import defaultdict

from bluehelmet.analytics.performance import EvaluatedUnit
from bluehelmet.domain.equipment import DamageCause, Inspection
from bluehelmet.domain.evaluations import Evaluation, EvaluationKind
from bluehelmet.domain.units import Component, Unit
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Names,
    Paragraph,
    Section,
    Sentence,
    Series,
    Style,
    Term,
    Value,
)
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import readiness

__all__ = ["equipment", "evaluations"]


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
        out.append(
            Sentence(
                Np_(
                    "Since {start}, {count} military unit has been evaluated.",
                    "Since {start}, {count} military units have been evaluated.",
                ),
                {"start": Day(scope.date_from), "count": n},
                "count",
            )
        )
        by_type: dict[str, list[EvaluatedUnit]] = defaultdict(list)
        for u in units:
            if u.strength is not None:
                by_type[u.unit_type].append(u)
        for unit_type, rows in sorted(by_type.items()):
            strengths = tuple(
                figure(
                    f"evaluation.{u.evaluation_id}.strength",
                    u.strength or 0,
                    N_("The strength recorded with the evaluation."),
                    evidence("Evaluation", [u.evaluation_id]),
                )
                for u in sorted(rows, key=lambda u: u.strength or 0)
            )
            count = figure(
                f"evaluations.{unit_type}",
                len(rows),
                N_("Evaluated units of this type: counted."),
                evidence("Evaluation", [u.evaluation_id for u in rows]),
            )
            out.append(
                Sentence(
                    Np_(
                        "{count} was of type {unit_type}, with a strength of {strengths}.",
                        "{count} were of type {unit_type}, with strengths of {strengths}.",
                    ),
                    {"count": count, "unit_type": Term(unit_type), "strengths": Names(strengths)},
                    "count",
                )
            )
        passed = [u for u in units if u.passes]
        below = [f for f in report.sub_units_with_findings if f.passes is False]
        message = (
            N_("All {total} units performed satisfactorily or better.")
            if len(passed) == len(units)
            else N_("{passed} of the {total} units performed satisfactorily or better.")
        )
        out.append(
            Sentence(
                message,
                {
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
        for sub in below:
            out.append(
                Sentence(
                    N_("A sub-unit of {unit}, {sub_unit}, fell short in {domains}."),
                    {
                        "unit": T(sub.unit),
                        "sub_unit": T(sub.sub_unit),
                        "domains": Names(tuple(Term(d) for d in sub.domains)),
                    },
                )
            )
    else:
        out.append(Sentence(N_("No military unit was evaluated in the period.")))
    police = _police(scope, report.police_assessment_reports.total, report.coe_inspections.total)
    paragraphs = (Paragraph(tuple(out)), Paragraph(tuple(police)))
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
        return Section("equipment", N_("Equipment serviceability"), (Paragraph(tuple(out)),))
    units = scope.by_id(Unit)
    good = [s.item_id for s in whole.statuses if s.serviceable]
    share = figure(
        "equipment.share",
        100.0 * whole.serviceable / whole.items,
        N_("Serviceable major equipment items on {day}, as a share of all items."),
        evidence("EquipmentItem", [s.item_id for s in whole.statuses]),
        style=Style.PERCENT,
        day=Day(day),
    )
    out.append(
        Sentence(
            N_(
                "On {day}, {share} per cent of the Mission's major equipment was serviceable, against a "
                "standard of {standard} per cent."
            ),
            {
                "day": Day(day),
                "share": share,
                "standard": figure(
                    "equipment.standard",
                    100 * whole.standard,
                    N_("The serviceability standard of the settings."),
                    style=Style.PERCENT,
                ),
            },
        )
    )
    groups: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for row in whole.by_unit:
        unit = units.get(row.unit_id)
        if row.below_standard and unit is not None:
            groups[(str(unit.unit_type), scope.place(unit.base_id))].append(unit)
    for (unit_type, base), members in sorted(groups.items()):
        names = [u.name for u in sorted(members, key=lambda u: u.name)]
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
            "units": Names(tuple(T(n) for n in names)),
            "unit_type": Term(unit_type),
            "base": T(base),
        }
        out.append(
            Sentence(
                N_("Of the {items} major equipment items of {units} ({unit_type}, {base}), {down} are unserviceable."),
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
    return Section("equipment", N_("Equipment serviceability"), (Paragraph(tuple(out)),), (chart,))
