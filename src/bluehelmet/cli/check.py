"""`bluehelmet check`: the values missing that a figure needs, and numbers typed into quoted text.

Exit codes: 0 when nothing is missing and no typed number is found; 3 when a check finds gaps
or a typed number (the report is printed either way); 1 when the check cannot run (no
mission, no database), as for every command; 2 for a mistaken command line (click's).
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, plain, table
from bluehelmet.services import quality

__all__ = ["COMMANDS", "FOUND", "check"]

#: The exit code when the check finds something (0: nothing; 1: an error; 2: a usage error).
FOUND = 3


@click.command("check")
@click.option("--on", "on", type=DAY, help="The day the checks look from (default: today, UTC).")
@click.option("--only", "only", multiple=True, type=click.Choice([c.key for c in quality.CHECKS]),
              help="Run only this check (repeatable).")  # fmt: skip
@click.option("--top", type=click.IntRange(1), default=10, show_default=True,
              help="Records listed per check (--json lists up to 200).")  # fmt: skip
@mission_option
@json_option
@pass_door
def check(
    door: Door, /, on: datetime | None, only: tuple[str, ...], top: int, mission: str | None, as_json: bool
) -> None:
    """Data quality: per kind of record, the values missing that a figure needs (units without
    strength, incidents without casualty figures, rotations without actual dates, places without
    coordinates, equipment without a serviceability report...), with counts, the figures each
    gap weakens and the records; and every number typed into quoted text that a field of the
    same record holds or contradicts.

    Exits 0 when nothing is found, 3 when something is (the report is printed either way), 1
    when the check cannot run."""
    report = quality.quality_report(door.db, on=day(on), checks=only, mission=mission, actor=door.actor)
    emit(plain(report) | {"clean": report.clean}, as_json, _text(report, top))
    if not report.clean:
        sys.exit(FOUND)


def _text(report: quality.QualityReport, top: int) -> str:
    lines = [f"Data quality of {report.mission} on {report.on.isoformat()}"]
    for gap in report.gaps:
        lines.append("")
        lines.append(f"{gap.check}: {gap.count} of {gap.checked} {gap.missing}")
        if gap.count:
            lines += [f"  weakens: {w}" for w in gap.weakens]
            rows = [(r.record_id, r.label, ", ".join(r.missing), r.note) for r in gap.records]
            lines.append(table(rows, [gap.kind.lower(), "record", "missing", "note"], top=top, indent="  "))
    lines.append("")
    lines.append(f"typed numbers: {len(report.typed_numbers)} in quoted text")
    found = [(f"{n.kind} {n.record_id}", n.label, n.field, n.reason) for n in report.typed_numbers]
    if found:
        lines.append(table(found, ["record", "name", "field", "what"], top=top, indent="  "))
    return "\n".join(lines)


COMMANDS = (check,)
