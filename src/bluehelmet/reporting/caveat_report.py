"""Section (b), caveats: declared and undeclared, by component, their kinds and their impacts."""

from __future__ import annotations

from collections import defaultdict

from bluehelmet.domain.caveats import Caveat, CaveatImpact, CaveatKind
from bluehelmet.reporting.model import (
    Day,
    Names,
    Paragraph,
    Section,
    Sentence,
    Term,
)
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import caveat_stats

__all__ = ["caveats"]


def caveats(scope: Scope) -> Section:
    summary = caveat_stats.caveats(
        scope.db, on=scope.date_to, date_from=scope.date_from, date_to=scope.date_to, mission=scope.mission_name
    )
    live = [c for c in scope.live(Caveat) if scope.overlaps(c.first_observed or c.declared_on, c.lifted_on)]
    out: list[Sentence] = []
    by_component: dict[str, list[str]] = defaultdict(list)
    for statement in summary.statements:
        if statement.unit_type is not None and statement.units_total:
            by_component[str(statement.component)].append(str(statement.unit_type))
    for statement in summary.statements:
        if statement.unit_type is not None or not statement.units_total:
            continue
        component = str(statement.component)
        if statement.none_undeclared:
            out.append(
                Sentence(
                    N_("No unit of the {component} component operates with undeclared caveats."),
                    {"component": Term(component)},
                )
            )
        else:
            ids = [c.id for c in live if (u := scope.unit(c.unit_id)) and u.component == component and not c.declared]
            n = figure(
                f"caveats.{component}.units",
                statement.units_with_undeclared,
                N_("Units of the component with an undeclared caveat in force: counted."),
                evidence("Caveat", ids),
            )
            out.append(
                Sentence(
                    Np_(
                        "{count} unit of the {component} component operates with undeclared caveats.",
                        "{count} units of the {component} component operate with undeclared caveats.",
                    ),
                    {"count": n, "component": Term(component)},
                    "count",
                )
            )
    if summary.caveats:
        total = figure(
            "caveats.total",
            summary.caveats,
            N_("Caveats in force on {day}: counted."),
            evidence("Caveat", [c.id for c in live]),
            day=Day(scope.date_to),
        )
        if summary.all_undeclared:
            out.append(
                Sentence(
                    Np_(
                        "The Secretariat has no declared caveat registered, so the {count} caveat in force "
                        "counts as undeclared.",
                        "The Secretariat has no declared caveat registered, so all {count} caveats in force "
                        "count as undeclared.",
                    ),
                    {"count": total},
                    "count",
                )
            )
        else:
            out.append(
                Sentence(
                    N_(
                        "Of the {count} caveats in force, {declared} were declared before deployment and "
                        "{undeclared} were not."
                    ),
                    {
                        "count": total,
                        "declared": figure(
                            "caveats.declared", summary.declared, N_("Caveats declared before deployment: counted.")
                        ),
                        "undeclared": figure(
                            "caveats.undeclared",
                            summary.undeclared,
                            N_("Caveats not declared before deployment: counted."),
                        ),
                    },
                )
            )
        out.append(
            Sentence(
                N_("They concern {kinds}."),
                {"kinds": Names(tuple(Term(str(k.value)) for k in summary.by_kind if k.value))},
            )
        )
        example = next((c for c in live if c.kind == CaveatKind.WITHIN_SECTOR_MOVEMENT and c.description), None)
        quoted = scope.quotable(example.description, example.description_fr) if example else None
        if quoted is not None:
            out.append(Sentence(N_("These include limitations such as the following: {text}."), {"text": quoted}))
        casevac = [c for c in live if c.kind == CaveatKind.CASUALTY_EVACUATION_CONDITION]
        if casevac:
            n = figure(
                "caveats.casevac",
                len(casevac),
                N_("Casualty-evacuation conditions in force: counted."),
                evidence("Caveat", [c.id for c in casevac]),
            )
            out.append(
                Sentence(
                    Np_(
                        "{count} casualty-evacuation condition set by a contributor restricts where its "
                        "contingent may deploy.",
                        "{count} casualty-evacuation conditions set by contributors restrict where their "
                        "contingents may deploy.",
                    ),
                    {"count": n},
                    "count",
                )
            )
    else:
        out.append(Sentence(N_("No caveat is recorded for the period.")))
    if summary.impacts:
        impacts = [i for i in scope.live(CaveatImpact) if scope.within(i.occurred_on)]
        n = figure(
            "caveats.impacts",
            summary.impacts,
            N_("Recorded impacts of caveats on tasks in the period: counted."),
            evidence("CaveatImpact", [i.id for i in impacts]),
        )
        out.append(
            Sentence(
                Np_(
                    "{count} impact of a caveat on a task was recorded.",
                    "{count} impacts of caveats on tasks were recorded.",
                ),
                {"count": n},
                "count",
            )
        )
    return Section("caveats", N_("Caveats"), (Paragraph(tuple(out), "caveats"),))
