"""`bluehelmet sync` and `bluehelmet conflict ...`: a node's sync, and the conflicts kept for a
person to resolve (on the server or on a node)."""

from __future__ import annotations

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.domain.sync import Keep
from bluehelmet.services import sync_client, sync_conflicts

__all__ = ["COMMANDS", "conflict", "sync"]


@click.command("sync")
@json_option
@pass_door
def sync(door: Door, as_json: bool) -> None:
    """Push this node's changes to its server and pull the server's (resumes where a cut one stopped)."""
    result = sync_client.sync(door.db, door.actor)
    emit(result.as_json(), as_json,
         f"{result.pushed} pushed, {result.pulled} pulled, {result.conflicts} record(s) in conflict")  # fmt: skip


@click.group("conflict")
def conflict() -> None:
    """Changes that arrived based on a state no longer current, kept for a person to resolve."""


@conflict.command("list")
@json_option
@pass_door
def conflict_list(door: Door, as_json: bool) -> None:
    """Every record with open conflicts, with the fields that differ (mine, theirs)."""
    found = sync_conflicts.list_conflicts(door.db, door.actor)
    data = [{"kind": c.kind, "record_uid": c.record_uid, "label": c.label, "reasons": c.reasons,
             "differs": {f.name: {"mine": f.mine, "theirs": f.theirs} for f in c.fields if f.differs}}
            for c in found]  # fmt: skip
    lines = [f"{c.kind} {c.record_uid} {c.label}: " + ", ".join(f.name for f in c.fields if f.differs) for c in found]
    emit(data, as_json, "\n".join(lines) or "no open conflicts")


@conflict.command("resolve")
@click.argument("record_uid")
@click.option("--keep", type=click.Choice([k.value for k in Keep]), required=True,
              help="The side kept for every field not named by --field.")  # fmt: skip
@click.option("--field", "picks", multiple=True, metavar="NAME=mine|theirs", help="Keep one side for one field.")
@json_option
@pass_door
def conflict_resolve(door: Door, record_uid: str, keep: str, picks: tuple[str, ...], as_json: bool) -> None:
    """Settle a record's conflicts (audited under your name; syncs like any change)."""
    fields = {}
    for pick in picks:
        name, _, side = pick.partition("=")
        if side not in {k.value for k in Keep}:
            raise click.BadParameter(f"{pick!r}: write NAME=mine or NAME=theirs", param_hint="--field")
        fields[name] = Keep(side)
    change = sync_conflicts.resolve(door.db, door.actor, record_uid, Keep(keep), fields)
    if change is None:
        emit({"record_uid": record_uid, "version": None, "change": None}, as_json, f"record {record_uid}: closed")
        return
    emit({"record_uid": record_uid, "version": change.version, "change": change.uid}, as_json,
         f"record {record_uid} settled at version {change.version}")  # fmt: skip


COMMANDS = (sync, conflict)
