"""`bluehelmet stats hotspots | equipment | performance`: a readable table, or JSON for scripts.

The commands are attached to the `stats` group by ``bluehelmet.cli``; ``COMMANDS`` lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, plain, share, table
from bluehelmet.services import hotspots as hotspot_service
from bluehelmet.services import readiness
from bluehelmet.services.stats import IncidentFilter

__all__ = ["COMMANDS", "equipment", "hotspots", "performance"]


def _indented(rows: Sequence[Sequence[Any]], header: Sequence[str], top: int | None = None) -> str:
    return table(rows, header, top=top, indent="  ")


_period_from = click.option("--from", "date_from", type=DAY, help="First day (inclusive).")
_period_to = click.option("--to", "date_to", type=DAY, help="Last day (inclusive).")


@click.command("hotspots")
@click.option("--resolution", type=click.IntRange(0, 15), default=7, show_default=True,
              help="H3 resolution of the hexagons (7: about 5 km² a cell).")  # fmt: skip
@click.option("--near-repeat-km", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              help="Two IEDs at most this far apart (and within the days) are near repeats.")  # fmt: skip
@click.option("--near-repeat-days", type=click.IntRange(0), default=2, show_default=True,
              help="Two IEDs at most this many days apart (and within the distance) are near repeats.")  # fmt: skip
@click.option("--min-size", type=click.IntRange(1), default=2, show_default=True,
              help="Smallest cluster reported (1 lists every IED).")  # fmt: skip
@click.option("--top", type=click.IntRange(1), default=20, show_default=True,
              help="Rows of each table shown (--json lists all).")  # fmt: skip
@_period_from
@_period_to
@mission_option
@json_option
@pass_door
def hotspots(
    door: Door,
    /,
    resolution: int,
    near_repeat_km: float,
    near_repeat_days: int,
    min_size: int,
    top: int,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Incidents in H3 hexagons, and IEDs linked by near repeats (within the distance and the
    days) into clusters."""
    flt = IncidentFilter(day(date_from), day(date_to))
    result = hotspot_service.hotspots(
        door.db, flt, resolution, near_repeat_km, near_repeat_days, min_size=min_size, mission=mission
    )
    hexes, clusters = result.hexagons, result.clusters
    text = "\n".join(
        [
            f"H3 resolution {resolution}: {hexes.points} incidents in {len(hexes.hexagons)} hexagons"
            f" ({hexes.without_coordinates} without coordinates)",
            _indented([(h.cell, h.count, f"{h.latitude:.4f}", f"{h.longitude:.4f}") for h in hexes.hexagons],
                   ["cell", "incidents", "latitude", "longitude"], top),
            "",
            f"IED near repeats within {near_repeat_km:g} km and {near_repeat_days} days: {clusters.incidents} IEDs,"
            f" {len(clusters.clusters)} clusters of {min_size} or more holding {clusters.clustered}",
            _indented([(c.size, c.first, c.last, f"{c.latitude:.4f}", f"{c.longitude:.4f}",
                     " ".join(f"#{m}" for m in c.members)) for c in clusters.clusters],
                   ["size", "first", "last", "latitude", "longitude", "incidents"], top),
        ]
    )  # fmt: skip
    emit(plain(result), as_json, text)


@click.command("equipment")
@click.option("--on", "on", type=DAY, help="The day the state is read on (default: today).")
@click.option("--unit", "units", multiple=True, metavar="NAME", help="Only this unit and its sub-units (repeatable).")
@click.option("--category", "categories", multiple=True, metavar="CATEGORY",
              help="Only this category of equipment (repeatable), e.g. armoured_personnel_carrier.")  # fmt: skip
@mission_option
@json_option
@pass_door
def equipment(
    door: Door,
    /,
    on: datetime | None,
    units: tuple[str, ...],
    categories: tuple[str, ...],
    mission: str | None,
    as_json: bool,
) -> None:
    """Serviceable and unserviceable major equipment on a day, by unit (against the
    standard), category and cause, and damage by year."""
    result = readiness.equipment_readiness(door.db, day(on), units=units, categories=categories, mission=mission)
    below = ", ".join(result.units_below_standard) or "none"
    text = "\n".join(
        [
            f"Major equipment on {result.on}: {result.items} items, {result.serviceable} serviceable,"
            f" {result.unserviceable} unserviceable; standard {share(result.standard)}, units below it: {below}",
            _indented([(u.unit, u.items, u.serviceable, u.unserviceable, share(u.share),
                     "below standard" if u.below_standard else "") for u in result.by_unit],
                   ["unit", "items", "serviceable", "unserviceable", "share", ""]),
            "",
            _indented([(r.key, r.items, r.serviceable, r.unserviceable) for r in result.by_category],
                   ["category", "items", "serviceable", "unserviceable"]),
            "",
            "Out of service on the day, by cause and the year it went out of service:",
            _indented([(r.cause, r.year, r.items) for r in result.out_of_service_since], ["cause", "year", "items"]),
            "",
            "Damage by year (every change from serviceable to unserviceable, repaired or not):",
            _indented([(r.year, r.cause, r.items) for r in result.damage_by_year], ["year", "cause", "items"]),
        ]
    )  # fmt: skip
    emit(plain(result), as_json, text)


@click.command("performance")
@_period_from
@_period_to
@click.option("--on", "on", type=DAY, help="The day improvement actions are overdue on (default: --to, else today).")
@mission_option
@json_option
@pass_door
def performance(
    door: Door,
    /,
    date_from: datetime | None,
    date_to: datetime | None,
    on: datetime | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Units evaluated with their strength and ratings, sub-units with findings, improvement
    actions overdue, police assessment reports (PAER) and COE inspections."""
    result = readiness.performance_report(door.db, day(date_from), day(date_to), day(on), mission=mission)
    period = f"{result.date_from or 'the start'} to {result.date_to or 'today'}"
    paer, coe = result.police_assessment_reports, result.coe_inspections
    text = "\n".join(
        [
            f"Military units evaluated from {period}: {result.distinct_units_evaluated}",
            _indented([(u.unit, u.unit_type, u.evaluated_on, u.strength, u.overall_rating,
                     ", ".join(f"{k}: {v}" for k, v in u.domain_ratings.items())) for u in result.units_evaluated],
                   ["unit", "type", "evaluated", "strength", "rating", "domains"]),
            "",
            f"Sub-units with findings: {len(result.sub_units_with_findings)}",
            _indented([(f.unit, f.sub_unit or "(the unit)", f.evaluated_on, f.worst_rating, ", ".join(f.domains))
                    for f in result.sub_units_with_findings], ["unit", "sub-unit", "evaluated", "worst", "domains"]),
            "",
            f"Improvement actions overdue on {result.on}: {len(result.overdue_actions)}",
            _indented([(a.unit, a.due_on, a.days_overdue, a.domain, a.description) for a in result.overdue_actions],
                   ["unit", "due", "days late", "domain", "action"]),
            "",
            f"Police assessment reports (PAER): {paer.total}"
            + "".join(f"; {k}: {v}" for k, v in paer.by_label.items()),
            f"COE inspections: {coe.total}" + "".join(f"; {k}: {v}" for k, v in coe.by_label.items()),
            _indented([(month, paer.by_month.get(month, 0), coe.by_month.get(month, 0))
                    for month in sorted({*paer.by_month, *coe.by_month})], ["month", "PAER", "COE inspections"]),
        ]
    )  # fmt: skip
    emit(plain(result), as_json, text)


#: The commands of this module, to be added to the `stats` group.
COMMANDS = (hotspots, equipment, performance)
