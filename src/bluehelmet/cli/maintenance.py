"""`bluehelmet rollup rebuild|check`: keeping the incident rollup in step with the incidents."""

from __future__ import annotations

import sys

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.services import rollups

__all__ = ["COMMANDS", "rollup_check", "rollup_group", "rollup_rebuild"]


@click.group("rollup")
def rollup_group() -> None:
    """The incident rollup (monthly counts the analysis reads): rebuild it, check it."""


@rollup_group.command("rebuild")
@json_option
@pass_door
def rollup_rebuild(door: Door, as_json: bool) -> None:
    """Recompute the rollup from the incidents.

    Needed after data was written other than through bluehelmet (a bulk insert, a restore from
    a backup); changes made through bluehelmet keep it up to date."""
    rows = rollups.rebuild(door.db, actor=door.actor)
    emit({"rows": rows}, as_json, f"incident rollup of {door.db.url} rebuilt: {rows} rows")


@rollup_group.command("check")
@json_option
@pass_door
def rollup_check(door: Door, as_json: bool) -> None:
    """Compare the rollup with the incidents; exit 1 if they differ.

    Lists each differing row; `rollup rebuild` mends them."""
    differences = rollups.check(door.db, actor=door.actor)
    text = "\n".join(differences) if differences else f"incident rollup of {door.db.url} matches the incidents"
    emit({"differences": differences}, as_json, text)
    if differences:
        sys.exit(1)


COMMANDS = [rollup_group]
