"""`bluehelmet forecast`: incidents per admin-2 area for the next weeks, and its backtest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, table
from bluehelmet.domain.alerts import Measure
from bluehelmet.services.forecast import ForecastReport, forecast_report

__all__ = ["COMMANDS", "forecast_group"]

_MEASURE = click.option("--measure", type=click.Choice([str(m) for m in Measure]), default="incidents",
                        show_default=True, help="What is counted each week.")  # fmt: skip
_WEEKS = click.option("--weeks", type=click.IntRange(1, 4), default=4, show_default=True, help="Weeks ahead.")
_UNTIL = click.option("--until", type=DAY, help="The last day of history (default: the last incident recorded).")


def _report(door: Door, mission: str | None, measure: str, weeks: int, until: datetime | None) -> ForecastReport:
    return forecast_report(
        door.db, door.actor, mission=mission, measure=Measure(measure), weeks_ahead=weeks, until=day(until)
    )


def _backtest_value(report: ForecastReport) -> dict[str, Any]:
    b = report.backtest
    return {"skill": b.skill, "scores": b.scores, "metric": b.metric, "mae": b.mae, "best_baseline": b.best_baseline,
            "t_statistic": b.t_statistic, "origins": b.origins, "reason": b.reason}  # fmt: skip


@click.group("forecast", invoke_without_command=True)
@_MEASURE
@_WEEKS
@_UNTIL
@mission_option
@json_option
@click.pass_context
def forecast_group(
    ctx: click.Context, measure: str, weeks: int, until: datetime | None, mission: str | None, as_json: bool
) -> None:
    """Early warning: the expected count per admin-2 area for each of the next 1-4 weeks, with
    an 80% interval, from the mission's own history (see docs/watch.md). Shown only when the
    backtest finds skill over the best naive baseline; otherwise it says so."""
    if ctx.invoked_subcommand is not None:
        return
    door = ctx.find_object(Door)
    assert door is not None
    report = _report(door, mission, measure, weeks, until)
    shown = report.forecast if report.skill else None
    data: dict[str, Any] = {
        "mission": report.mission,
        "measure": report.measure,
        "history": [w.isoformat() if w else None for w in (report.first_week, report.last_week)],
        "counted": report.counted,
        "left_out": report.left_out,
        "skill": report.skill,
        "weeks": [w.isoformat() for w in report.weeks_ahead],
        "areas": [
            {"area": a.area, "expected": list(a.expected), "low": list(a.low), "high": list(a.high)}
            for a in (shown.areas if shown else [])
        ],
    }
    if not report.counted:
        emit(
            data,
            as_json,
            f"No incident of {report.mission} with an admin-2 area in the history read: nothing to forecast from.",
        )
        return
    lines = [
        f"Forecast of {report.measure} per admin-2 area, {report.mission}: history {report.first_week} to "
        f"{report.last_week}, {report.counted} counted, {report.left_out} left out (no admin-2 area"
        + (" or fatalities not recorded)" if report.measure == "fatalities" else ")"),
        f"backtest: {report.backtest.reason}",
    ]
    if shown is None:
        lines.append("No forecast: it has no skill over the naive baselines here.")
    else:
        ranked = sorted(shown.areas, key=lambda a: -a.expected[0])
        rows = [(a.area, *(f"{e:g} ({lo}-{hi})" for e, lo, hi in zip(a.expected, a.low, a.high, strict=True)))
                for a in ranked]  # fmt: skip
        lines.append(table(rows, ["area", *(f"week of {w.isoformat()}" for w in report.weeks_ahead)], top=20))
    emit(data, as_json, "\n".join(lines))


@forecast_group.command("backtest")
@_MEASURE
@_WEEKS
@_UNTIL
@mission_option
@json_option
@pass_door
def backtest_command(
    door: Door, /, measure: str, weeks: int, until: datetime | None, mission: str | None, as_json: bool
) -> None:
    """Replay past weeks: the model's score against the naive baselines (last week, the area's
    mean, the same week last year), and whether it has skill."""
    report = _report(door, mission, measure, weeks, until)
    data = _backtest_value(report)
    rows = [(name, score, report.backtest.mae.get(name)) for name, score in report.backtest.scores.items()]
    text = table(rows, ["forecast", report.backtest.metric, "mean_absolute_error"])
    text += f"\nskill: {'yes' if report.skill else 'no'} ({report.backtest.reason})"
    emit(data, as_json, text)


COMMANDS = (forecast_group,)
