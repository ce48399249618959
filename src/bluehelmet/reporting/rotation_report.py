"""Section (b), troop rotations: high operational periods, battalions rotating at the same time
against the plan, and the strength left available."""

from __future__ import annotations

from datetime import date, timedelta

from bluehelmet.domain.operations import Activity
from bluehelmet.domain.rotations import OperationalPeriod, Rotation, Tempo
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Figure,
    Paragraph,
    Section,
    Sentence,
    Series,
    Style,
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
        out.extend(_tempo(scope, pair.sector or "", pair.start, pair.end))
    return Section("rotations", N_("Troop rotations"), (Paragraph(tuple(out)),), (_strength_chart(report, mine),))


def _sector_name(scope: Scope, unit_id: int) -> str:
    unit = scope.unit(unit_id)
    while unit is not None and unit.sector_id is None and unit.parent_id is not None:
        unit = scope.unit(unit.parent_id)
    return scope.sector(unit.sector_id) if unit is not None else ""


def _tempo(scope: Scope, sector: str, start: date, end: date) -> list[Sentence]:
    """Activities of the sector's units per week while the rotations overlapped, against the
    same number of days just before: what the overlap cost in operations."""
    days = (end - start).days + 1
    before_start = start - timedelta(days=days)
    mine = [a for a in scope.live(Activity) if any(_sector_name(scope, u) == sector for u in a.unit_ids)]
    during = [a for a in mine if start <= a.start_on <= end]
    before = [a for a in mine if before_start <= a.start_on < start]
    if not before or len(during) >= len(before):
        return []
    method = N_("Activities (patrols, missions, moves) of the units of {sector} that began from {date_from} to "
                "{date_to}, divided by the weeks.")  # fmt: skip

    def rate(key: str, chosen: list[Activity], first: date, last: date) -> Figure:
        return figure(key, 7 * len(chosen) / days, method, evidence("Activity", [a.id for a in chosen]),
                      style=Style.RATE, sector=T(sector), date_from=Day(first), date_to=Day(last))  # fmt: skip

    values: dict[str, Value] = {
        "sector": T(sector),
        "before": rate(f"rotations.{sector}.tempo.before", before, before_start, start - timedelta(days=1)),
        "during": rate(f"rotations.{sector}.tempo.during", during, start, end),
    }
    return [Sentence(N_("Meanwhile the activities of the units in {sector} fell from {before} to {during} a week."),
                     values)]  # fmt: skip


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
