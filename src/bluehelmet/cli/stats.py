"""`bluehelmet stats TOPIC`: the mission's analysis as a readable table, or JSON for scripts."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import table
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.services import stats
from bluehelmet.services.filter_check import check_places
from bluehelmet.services.stats import IncidentFilter

__all__ = ["stats_group"]

_VERIFIED = frozenset({ReviewStatus.VERIFIED})
_FILTERS = ("event_type", "sub_event_type", "category", "admin1", "admin2", "location", "sector", "target")


def _period(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--from", "date_from", type=DAY, help="First day (inclusive)."),
            click.option("--to", "date_to", type=DAY, help="Last day (inclusive)."),
            mission_option,
            *[
                click.option(f"--{name.replace('_', '-')}", name, multiple=True, help=f"Only this {name} (repeatable).")
                for name in _FILTERS
            ],
        ]
    ):
        command = option(command)
    return command


def _filter(
    door: Door,
    mission: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    values: dict[str, tuple[str, ...]],
) -> IncidentFilter:
    """The filter of the options; a place no incident names is refused, with the nearest names."""
    where = {name: list(chosen) for name, chosen in values.items() if chosen}
    flt = IncidentFilter(date_from.date() if date_from else None, date_to.date() if date_to else None, where or None)
    check_places(door.db, flt, mission=mission, actor=door.actor)
    return flt


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return table([[r.get(c) for c in columns] for r in rows], columns, empty="no incidents match")


@click.group("stats")
def stats_group() -> None:
    """The mission's analysis: incidents, rates, comparisons, IEDs, hotspots, equipment,
    performance, caveats, rotations, convoys, capabilities, transition, and the missions compared."""


@stats_group.command("incidents")
@click.option(
    "--by",
    "by",
    default="",
    help="Keys to group by, comma-separated (year, month, week, day, "
    "event_type, sub_event_type, category, admin1, admin2, location, sector, target, perpetrator).",
)
@_period
@click.option(
    "--include-drafts",
    is_flag=True,
    help="Count the drafts pending review too (by default only verified incidents count; rejected ones never do).",
)
@json_option
@pass_door
def incidents(
    door: Door,
    /,
    by: str,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    include_drafts: bool,
    as_json: bool,
    **values: tuple[str, ...],
) -> None:
    """Events and their toll, grouped; each event counted once. Verified incidents only unless
    --include-drafts; a toll that is not recorded is not added, but counted in *_unknown."""  # fmt: skip
    keys = [k.strip() for k in by.split(",") if k.strip()]
    flt = _filter(door, mission, date_from, date_to, values)
    flt = IncidentFilter(flt.date_from, flt.date_to, flt.where, None if include_drafts else _VERIFIED)
    rows = stats.incident_table(door.db, keys, flt, mission=mission)
    pending = stats.pending_review_count(door.db, flt, mission=mission)
    text = _table(rows, [*keys, "events", "fatalities", "fatalities_unknown", "killed_civilians", "injured_civilians"])
    if pending:
        reports, be = ("report", "is") if pending == 1 else ("reports", "are")
        text += f"\n{pending} {reports} pending review {be} {'included' if include_drafts else 'not included'}"
    emit({"rows": rows, "pending_review": pending, "drafts_included": include_drafts}, as_json, text)


@stats_group.command("rate")
@click.option("--split", type=DAY, required=True, help="First day of the 'after' period.")
@_period
@json_option
@pass_door
def rate(
    door: Door,
    /,
    split: datetime,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
    **values: tuple[str, ...],
) -> None:
    """Weekly rate of events before and after a date, with the rate ratio and its 95% interval."""  # fmt: skip
    result = stats.weekly_rate(
        door.db, split.date(), _filter(door, mission, date_from, date_to, values), mission=mission
    )
    ratio = (
        "n/a" if result.ratio is None else f"{result.ratio:.2f} (95% {result.ratio_low:.2f}-{result.ratio_high:.2f})"
    )
    text = (
        f"before: {result.before_events} events in {result.before_weeks:.1f} weeks = {result.rate_before:.1f} a week\n"
        f"after:  {result.after_events} events in {result.after_weeks:.1f} weeks = {result.rate_after:.1f} a week\n"
        f"ratio after/before: {ratio}"
    )
    emit(dataclasses.asdict(result), as_json, text)


@stats_group.command("compare")
@click.option("--measure", type=click.Choice(["events", "fatalities", "civilian_casualties", "killed_civilians",
              "injured_civilians", "killed_peacekeepers", "injured_peacekeepers"]), default="events",
              show_default=True)  # fmt: skip
@_period
@json_option
@pass_door
def compare(
    door: Door,
    /,
    measure: str,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
    **values: tuple[str, ...],
) -> None:
    """A measure in the period against the same dates a year earlier, with the change in per cent."""  # fmt: skip
    result = stats.compare_with_previous_year(
        door.db, _filter(door, mission, date_from, date_to, values), measure, mission=mission
    )
    change = "n/a" if result.change_percent is None else f"{result.change_percent:+.0f}%"
    text = f"{measure}: {result.current} against {result.previous} a year earlier ({change})"
    if result.current_unknown or result.previous_unknown:
        text += (f"\nrecorded values only: not recorded for {result.current_unknown} events in the period and "
                 f"{result.previous_unknown} a year earlier")  # fmt: skip
    emit(dataclasses.asdict(result), as_json, text)


@stats_group.command("ied")
@_period
@json_option
@pass_door
def ied(
    door: Door,
    /,
    date_from: datetime | None,
    date_to: datetime | None,
    mission: str | None,
    as_json: bool,
    **values: tuple[str, ...],
) -> None:
    """IEDs: in the country, against the mission, neutralised and detonated."""  # fmt: skip
    result = stats.ied_summary(door.db, _filter(door, mission, date_from, date_to, values), mission=mission)
    text = (f"IEDs in the country: {result.in_country}; against the mission: {result.against_mission} "
            f"({result.neutralised} found and neutralised, {result.detonated} detonated)")  # fmt: skip
    emit(dataclasses.asdict(result), as_json, text)
