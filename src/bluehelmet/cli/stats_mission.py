"""`bluehelmet stats caveats|rotations|convoys|capabilities|transition|missions`: the mission's
personnel, convoy and plan analysis, and the missions compared, as a readable table, or JSON for
scripts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, plain, share, table
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.convoys import NOTIFICATION_VEHICLE_THRESHOLD
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.services import caveat_stats, convoy_stats, mission_compare, plan_stats, rotation_stats

__all__ = ["COMMANDS", "capabilities", "caveats", "convoys", "missions", "rotations", "transition"]


def _table(rows: Sequence[Sequence[object]], columns: Sequence[str], empty: str) -> str:
    return table(rows, columns, empty=empty)


def _sector(name: str | None) -> str:
    return name or "(no sector)"


@click.command("caveats")
@click.option("--on", "on", type=DAY, help="Caveats in force on this day (default: today).")
@click.option("--from", "date_from", type=DAY, help="First day of impacts counted (inclusive).")
@click.option("--to", "date_to", type=DAY, help="Last day of impacts counted (inclusive).")
@mission_option
@json_option
@pass_door
def caveats(
    door: Door,
    /,
    on: datetime | None,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Caveats in force: declared and undeclared, by component and unit type, with their impacts."""
    result = caveat_stats.caveats(
        door.db, on=day(on), date_from=day(date_from), date_to=day(date_to), mission=mission, actor=door.actor
    )
    lines = [f"caveats in force on {result.on}: {result.caveats} ({result.declared} declared, "
             f"{result.undeclared} undeclared)"]  # fmt: skip
    if result.all_undeclared:
        lines.append("No caveat is declared, so every caveat counts as undeclared.")
    lines += [caveat_stats.describe_statement(s) for s in result.statements if s.unit_type is None]
    statements = [(s.component, s.unit_type, s.units_with_undeclared, s.units_total) for s in result.statements]
    lines += ["", table(statements, ["component", "unit_type", "units_with_undeclared", "units"], empty="no units")]
    groups = [(g.component, g.unit_type, g.declared, g.undeclared, g.units_with_undeclared) for g in result.by_group]
    columns = ["component", "unit_type", "declared", "undeclared", "units_with_undeclared"]
    lines += ["", table(groups, columns, empty="no caveats in force")]
    for title, counts in (("effect", result.impacts_by_effect), ("operation", result.impacts_by_operation)):
        lines += ["", table([(c.value, c.count) for c in counts], [title, "impacts"], empty="no impacts recorded")]
    emit(plain(result), as_json, "\n".join(lines))


@click.command("rotations")
@click.option("--from", "date_from", type=DAY, required=True, help="First day (inclusive).")
@click.option("--to", "date_to", type=DAY, required=True, help="Last day (inclusive).")
@click.option("--all-units", is_flag=True, help="Look for overlaps among all units, not only battalions.")
@click.option("--tolerance", type=click.IntRange(0), default=0, show_default=True,
              help="Days a rotation may start or end off plan and still count as keeping it.")  # fmt: skip
@click.option("--daily", is_flag=True, help="Show every sector's strength on every day.")
@mission_option
@json_option
@pass_door
def rotations(
    door: Door,
    /,
    date_from: datetime,
    date_to: datetime,
    all_units: bool,
    tolerance: int,
    daily: bool,
    mission: str | None,
    as_json: bool,
) -> None:
    """Strength available per sector, rotations at the same time, in high periods, and off plan."""
    result = rotation_stats.rotations(
        door.db, date_from.date(), date_to.date(), unit_types=None if all_units else rotation_stats.BATTALION_TYPES,
        tolerance_days=tolerance, mission=mission, actor=door.actor,
    )  # fmt: skip
    data = plain(result)
    if not daily:
        data.pop("daily")
    days = result.daily if daily else result.lowest
    off_plan = result.overlaps.against_plan
    overlap_rows = [
        (_sector(o.sector), o.first, o.second, o.start, o.end, o.days, "no" if o in off_plan else "yes")
        for o in result.overlaps.actual
    ]
    text = "\n\n".join([
        _table([(_sector(d.sector), d.day, d.deployed, f"{d.available:.0f}", d.rotating_units) for d in days],
               ["sector", "day" if daily else "lowest_day", "deployed", "available", "rotating"], "no units"),
        _table(overlap_rows, ["sector", "first", "second", "from", "to", "days", "as_planned"],
               "no rotations at the same time"),
        _table([(c.unit, c.sector, c.period, c.planned_days, c.actual_days) for c in result.high_periods],
               ["unit", "sector", "high_period", "planned_days", "actual_days"], "no rotation in a high period"),
        _table([(d.unit, d.sector, d.planned_start, d.actual_start, d.start_shift, d.end_shift, d.longer_by,
                 {True: "yes", False: "no", None: "not yet known"}[d.kept_plan]) for d in result.deviations],
               ["unit", "sector", "planned", "actual", "start_shift", "end_shift", "longer_by", "kept_plan"],
               "no rotations in the period"),
    ])  # fmt: skip
    emit(data, as_json, text)


@click.command("convoys")
@click.option("--from", "date_from", type=DAY, help="First day (default: the first record).")
@click.option("--to", "date_to", type=DAY, help="Last day (default: the last record).")
@click.option("--threshold", type=click.IntRange(0), default=NOTIFICATION_VEHICLE_THRESHOLD, show_default=True,
              help="A convoy of more vehicles than this (or with heavy weapons) must be notified.")  # fmt: skip
@click.option("--window", type=click.IntRange(1), default=3, show_default=True,
              help="Months at each end compared for the trend.")  # fmt: skip
@mission_option
@json_option
@pass_door
def convoys(
    door: Door,
    /,
    date_from: datetime | None,
    date_to: datetime | None,
    threshold: int,
    window: int,
    mission: str | None,
    as_json: bool,
) -> None:
    """Observed convoys needing notice that were notified beforehand, by month and armed group, with trends."""
    result = convoy_stats.convoys(
        door.db, date_from=day(date_from), date_to=day(date_to), threshold=threshold, window=window,
        mission=mission, actor=door.actor,
    )  # fmt: skip
    notices = {m.month: m.notifications for m in result.notifications_by_month}
    columns = ["observed", "needing_notice", "notified", "share", "need_unknown"]

    def row(r: convoy_stats.ComplianceRow) -> tuple[object, ...]:
        return (r.key, r.observed, r.needing_notice, r.notified, share(r.share), r.need_unknown)

    def said(name: str, t: convoy_stats.Trend) -> str:
        slope = "n/a" if t.slope_per_month is None else f"{t.slope_per_month:+.2f} a month"
        change = "n/a" if t.change_percent is None else f"{t.change_percent:+.0f}%"
        return f"{name}: slope {slope}; first {window} months against last {window}: {change}" + (
            " (declined)" if t.declined else ""
        )

    text = "\n\n".join([
        _table([(*row(r), notices.get(r.key or "", 0)) for r in result.by_month], ["month", *columns, "notifications"],
               "no months"),
        table([row(r) for r in result.by_armed_group], ["armed_group", *columns], empty="no convoys observed"),
        f"all: {result.total.notified} of {result.total.needing_notice} convoys needing notice were notified "
        f"beforehand ({share(result.total.share)})"
        + (f"; {result.total.need_unknown} more could not be judged (vehicles not recorded)"
           if result.total.need_unknown else "") + "\n"
        + said("notifications", result.notification_trend) + "\n" + said("compliance", result.compliance_trend),
    ])  # fmt: skip
    emit(plain(result), as_json, text)


@click.command("capabilities")
@click.option("--open", "open_only", is_flag=True, help="Only requirements with a gap today.")
@mission_option
@json_option
@pass_door
def capabilities(door: Door, /, open_only: bool, mission: str | None, as_json: bool) -> None:
    """Capabilities required by the adaptation plan against units deployed and pledged, and the gaps."""
    rows = plan_stats.capabilities(door.db, open_only=open_only, mission=mission, actor=door.actor)
    text = _table(
        [(r.capability, r.sector or "(mission)", r.required, r.deployed, r.pledged, r.gap, r.gap_after_pledges)
         for r in rows],
        ["capability", "sector", "required", "deployed", "pledged", "gap", "gap_after_pledges"],
        "no capability requirements",
    )  # fmt: skip
    emit({"rows": plain(rows)}, as_json, text)


@click.command("transition")
@click.option("--on", "on", type=DAY, help="The day to judge lateness on (default: today).")
@mission_option
@json_option
@pass_door
def transition(door: Door, /, on: datetime | None, mission: str | None, as_json: bool) -> None:
    """Transition activities late or delayed, with their reasons, by road-map phase and owner."""
    result = plan_stats.transition(door.db, on=day(on), mission=mission, actor=door.actor)
    behind = _table(
        [(s.road_map_phase, s.title, s.owner, s.status, s.due_on, s.days_late, s.delay_reason) for s in result.behind],
        ["phase", "activity", "owner", "status", "due", "days_late", "reason"],
        f"no activity late or delayed on {result.on}",
    )
    phases = _table([(g.key, g.activities, g.late_or_delayed) for g in result.by_phase],
                    ["phase", "activities", "late_or_delayed"], "no activities")  # fmt: skip
    emit(plain(result), as_json, f"on {result.on}: {len(result.behind)} of {result.activities} activities late "
         f"or delayed\n\n{behind}\n\n{phases}")  # fmt: skip


#: The commands to attach to the `stats` group.
def _toll(f: mission_compare.MissionFigures) -> str:
    """The fatalities with what they rest on, in the words of the comparison page."""
    toll = f.fatalities
    if not toll.events:
        return "0 (no incident in the period)"
    if toll.value == 0 and toll.unknown >= toll.events:
        return f"not recorded (for any of the {toll.events} incidents)"
    if toll.complete:
        return f"{toll.value} (recorded for all {toll.events} incidents)"
    return f"at least {toll.value} (not recorded for {toll.unknown} of {toll.events} incidents)"


def _figures(f: mission_compare.MissionFigures) -> list[str]:
    """One mission's column: each figure with the base it rests on, as the page words it."""
    personnel = "not recorded" if f.personnel_coverage.total and not f.personnel_coverage.known else str(f.personnel)
    return [
        str(f.incidents),
        _toll(f),
        f"{f.attacks_on_mission} (among the {f.incidents} incidents counted above)",
        str(f.units),
        f"{personnel} (strength recorded for {f.personnel_coverage.known} of {f.personnel_coverage.total} units)",
        f"{f.caveats} ({f.caveats_declared} of them declared)",
        f"{f.rotating.total} (strength known for {f.rotating.known} of them)",
        str(f.open_alerts),
    ]


_FIGURES = ["incidents", "fatalities", "attacks against the mission", "units in the mission area",
            "personnel deployed", "caveats in force", "units rotating in the period",
            "alerts waiting for acknowledgement"]  # fmt: skip


@click.command("missions")
@click.option("--from", "date_from", type=DAY, required=True, help="First day (inclusive).")
@click.option("--to", "date_to", type=DAY, required=True, help="Last day (inclusive).")
@click.option("--include-drafts", is_flag=True,
              help="Count the draft incidents awaiting review too (by default only verified incidents).")  # fmt: skip
@json_option
@pass_door
def missions(door: Door, /, date_from: datetime, date_to: datetime, include_drafts: bool, as_json: bool) -> None:
    """Every mission of the database side by side for one period: incidents, fatalities, attacks
    against the mission, units, personnel, caveats, rotations and open alerts, each with its base
    (the figures of the web page /missions)."""
    start, end = date_from.date(), date_to.date()
    statuses = None if include_drafts else frozenset({ReviewStatus.VERIFIED})
    shown = mission_compare.compare(door.db, Principal(door.actor, Role.ADMIN), start, end, statuses)
    counted = "verified and draft incidents" if include_drafts else "verified incidents only"
    columns = ["figure", *(f.mission for f in shown)]
    rows = list(zip(_FIGURES, *(_figures(f) for f in shown), strict=True)) if shown else []
    text = f"missions compared from {start} to {end} ({counted})\n" + table(rows, columns, empty="no missions")
    answer = {"from": start, "to": end, "drafts_included": include_drafts, "missions": shown}
    emit(plain(answer), as_json, text)


COMMANDS = (caveats, rotations, convoys, capabilities, transition, missions)
