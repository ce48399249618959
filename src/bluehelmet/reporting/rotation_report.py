"""Section (b), troop rotations: high operational periods, battalions rotating at the same time
against the plan, and the strength left available."""

from __future__ import annotations

from bluehelmet.domain.rotations import OperationalPeriod, Rotation, Tempo
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Paragraph,
    Section,
    Sentence,
    Series,
    Value,
)
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import rotation_stats

__all__ = ["rotations"]


def rotations(scope: Scope) -> Section:
    report = rotation_stats.rotations(scope.db, scope.date_from, scope.date_to, mission=scope.mission_name)
    mine = [
        r
        for r in scope.live(Rotation)
        if scope.overlaps(r.planned_start, r.planned_end) or scope.overlaps(r.actual_start, r.actual_end)
    ]
    out: list[Sentence] = []
    if not mine:
        out.append(Sentence(N_("No rotation is recorded for the period.")))
        return Section("rotations", N_("Troop rotations"), (Paragraph(tuple(out)),))
    n = figure(
        "rotations.total",
        len(mine),
        N_("Rotations planned or taking place in the period: counted."),
        evidence("Rotation", [r.id for r in mine]),
    )
    out.append(
        Sentence(
            Np_(
                "{count} rotation was planned or took place in the period.",
                "{count} rotations were planned or took place in the period.",
            ),
            {"count": n},
            "count",
        )
    )
    high = [p for p in scope.live(OperationalPeriod) if p.tempo == Tempo.HIGH and scope.overlaps(p.start_on, p.end_on)]
    if high:
        planned = sum(c.planned_days for c in report.high_periods)
        actual = sum(c.actual_days for c in report.high_periods)
        ids = [c.rotation_id for c in report.high_periods]
        if planned == 0:
            out.append(Sentence(N_("The plan kept every rotation out of the high operational periods.")))
        else:
            out.append(
                Sentence(
                    N_("The plan put {days} days of rotation inside high operational periods."),
                    {
                        "days": figure(
                            "rotations.high.planned",
                            planned,
                            N_("Planned rotation days inside high operational periods: summed."),
                            evidence("Rotation", ids),
                        )
                    },
                )
            )
        if actual:
            out.append(
                Sentence(
                    N_("In practice, {days} days of rotation fell inside high operational periods."),
                    {
                        "days": figure(
                            "rotations.high.actual",
                            actual,
                            N_("Actual rotation days inside high operational periods: summed."),
                            evidence("Rotation", ids),
                        )
                    },
                )
            )
    lowest = {d.sector: d for d in report.lowest}
    for pair in report.overlaps.against_plan:
        values: dict[str, Value] = {
            "first": T(pair.first),
            "second": T(pair.second),
            "sector": T(pair.sector or ""),
            "start": Day(pair.start),
            "end": Day(pair.end),
        }
        out.append(
            Sentence(
                N_(
                    "{first} and {second} rotated at the same time in {sector}, from {start} to {end}, "
                    "because the contributors did not keep to the planned windows."
                ),
                values,
            )
        )
        low = lowest.get(pair.sector)
        if low is not None and low.rotating_units >= 2:
            out.append(
                Sentence(
                    N_("Available strength in {sector} fell to {available} of {deployed} on {day}."),
                    {
                        "sector": T(pair.sector or ""),
                        "day": Day(low.day),
                        "available": figure(
                            f"rotations.{pair.sector}.available",
                            low.available,
                            N_(
                                "Strength available in the "
                                "sector that day: each unit's strength, reduced while it rotates."
                            ),
                            evidence("Rotation", [pair.first_rotation_id, pair.second_rotation_id]),
                        ),
                        "deployed": figure(
                            f"rotations.{pair.sector}.deployed",
                            low.deployed,
                            N_("Strength deployed in the sector that day: summed over its units."),
                        ),
                    },
                )
            )
    return Section("rotations", N_("Troop rotations"), (Paragraph(tuple(out)),), (_strength_chart(report, mine),))


def _strength_chart(report: rotation_stats.RotationReport, mine: list[Rotation]) -> Chart:
    days = sorted({d.day for d in report.daily})
    sectors = sorted({d.sector or "" for d in report.daily})
    table = {(d.sector or "", d.day): d.available for d in report.daily}
    step = max(1, len(days) // 60)  # about sixty points per line
    shown = days[::step]
    series = tuple(Series(T(s or "-"), tuple(float(table.get((s, d), 0)) for d in shown)) for s in sectors)
    return Chart(
        "available-strength",
        ChartKind.LINES,
        N_("Available strength by sector through the rotations"),
        tuple(d.isoformat() for d in shown),
        series,
        evidence=evidence("Rotation", [r.id for r in mine]),
        y_label=N_("personnel"),
    )
