"""`bluehelmet rollup rebuild|check`: keeping the incident rollups in step with the incidents."""

from __future__ import annotations

import sys

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.services import rollups

__all__ = ["COMMANDS", "rollup_check", "rollup_group", "rollup_rebuild"]


@click.group("rollup")
def rollup_group() -> None:
    """The incident rollups (counts by day, week, month, place and perpetrator that the analysis
    reads): rebuild them, check them."""


@rollup_group.command("rebuild")
@json_option
@pass_door
def rollup_rebuild(door: Door, as_json: bool) -> None:
    """Recompute the rollup from the incidents.

    Needed after data was written other than through bluehelmet (a bulk insert, a restore from
    a backup); changes made through bluehelmet keep it up to date."""
    rows = rollups.rebuild(door.db, actor=door.actor)
    emit({"rows": rows}, as_json, f"incident rollups of {door.db.url} rebuilt: {rows} rows in all")


@rollup_group.command("check")
@json_option
@pass_door
def rollup_check(door: Door, as_json: bool) -> None:
    """Compare the rollup with the incidents; exit 1 if they differ.

    Lists each differing row; `rollup rebuild` mends them."""
    differences = rollups.check(door.db, actor=door.actor)
    text = "\n".join(differences) if differences else f"incident rollups of {door.db.url} match the incidents"
    emit({"differences": differences}, as_json, text)
    if differences:
        sys.exit(1)


COMMANDS = [rollup_group]
