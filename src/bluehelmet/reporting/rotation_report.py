"""Section (b), troop rotations: high operational periods, battalions rotating at the same time
against the plan, and the strength left available."""

from __future__ import annotations

from datetime import date, timedelta

from bluehelmet.analytics.coverage import coverage_of
from bluehelmet.domain.operations import Activity
from bluehelmet.domain.places import Sector
from bluehelmet.domain.rotations import OperationalPeriod, Rotation, Tempo
from bluehelmet.domain.units import DeploymentStatus, Unit
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Figure,
    Names,
    Paragraph,
    Place,
    Section,
    Sentence,
    Series,
    Style,
    Value,
)
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_, Plural
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
        return Section("rotations", N_("Troop rotations"), (Paragraph(tuple(out), "rotations"),))
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
    by_name = {u.name: u for u in scope.live(Unit)}
    sectors = {s.name: s for s in scope.live(Sector)}
    for pair in report.overlaps.against_plan:
        sector = sectors.get(pair.sector or "")
        where = scope.sector_place(sector.id if sector else None) or Place(pair.sector or "")
        values: dict[str, Value] = {
            "units": Names(
                tuple(scope.described(u) if (u := by_name.get(name)) else T(name) for name in (pair.first, pair.second))
            ),
            "sector": where,
            "start": Day(pair.start),
            "end": Day(pair.end),
        }
        out.append(
            Sentence(
                N_(
                    "{units} rotated at the same time in {sector}, from {start} to {end}, because the contributors "
                    "did not keep to the planned windows."
                ),
                values,
            )
        )
        low = lowest.get(pair.sector)
        if low is not None and low.rotating_units >= 2:
            in_sector = [
                u
                for u in scope.live(Unit)
                if sector is not None and u.sector_id == sector.id and u.parent_id is None
                and u.deployment_status == DeploymentStatus.DEPLOYED
            ]  # fmt: skip
            # a unit counts as known when the service found a strength for it (deployed, authorised or rotating)
            unknown = set(report.units_without_strength)
            coverage = coverage_of((None if u.name in unknown else 1 for u in in_sector), "units")
            message: str | Plural = (
                N_("Available strength in {sector} fell to {available} of {deployed} on {day}.")
                if coverage.complete
                else Np_(
                    "Of the {total} units in {sector}, {known} has a recorded strength: for it alone, available "
                    "strength fell to {available} of {deployed} on {day}.",
                    "Of the {total} units in {sector}, {known} have a recorded strength: among them, available "
                    "strength fell to {available} of {deployed} on {day}.",
                )
            )
            out.append(
                Sentence(
                    message,
                    {
                        "sector": where,
                        "known": figure(
                            f"rotations.{pair.sector}.strength_known",
                            coverage.known,
                            N_("Deployed units of the sector whose strength is recorded: counted."),
                            evidence("Unit", [u.id for u in in_sector if u.name not in unknown]),
                        ),
                        "total": figure(
                            f"rotations.{pair.sector}.units",
                            coverage.total,
                            N_("Deployed units of the sector: counted."),
                            evidence("Unit", [u.id for u in in_sector]),
                        ),
                        "day": Day(low.day),
                        "available": figure(
                            f"rotations.{pair.sector}.available",
                            low.available,
                            N_(
                                "Strength available in the "
                                "sector that day: each unit's strength, reduced while it rotates."
                            ),
                            evidence("Rotation", [pair.first_rotation_id, pair.second_rotation_id]),
                            coverage=coverage,
                        ),
                        "deployed": figure(
                            f"rotations.{pair.sector}.deployed",
                            low.deployed,
                            N_("Strength deployed in the sector that day: summed over its units."),
                            coverage=coverage,
                        ),
                    },
                    "known",
                )
            )
        out.extend(_tempo(scope, pair.sector or "", pair.start, pair.end))
    return Section(
        "rotations", N_("Troop rotations"), (Paragraph(tuple(out), "rotations"),), (_strength_chart(report, mine),)
    )


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
    found = next((s for s in scope.live(Sector) if s.name == sector), None)
    where = scope.sector_place(found.id if found else None) or Place(sector)
    method = N_("Activities (patrols, missions, moves) of the units of {sector} that began from {date_from} to "
                "{date_to}, divided by the weeks.")  # fmt: skip

    def rate(key: str, chosen: list[Activity], first: date, last: date) -> Figure:
        return figure(key, 7 * len(chosen) / days, method, evidence("Activity", [a.id for a in chosen]),
                      style=Style.RATE, sector=where, date_from=Day(first), date_to=Day(last))  # fmt: skip

    values: dict[str, Value] = {
        "sector": where,
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
