"""Commands on records of any kind: init, audit, kinds, and record add/update/delete/restore/show/list."""

from __future__ import annotations

import json
import typing
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.records import Record, entity_fields, snapshot
from bluehelmet.services import records

__all__ = ["audit", "init", "kinds", "record"]


@click.command()
@json_option
@pass_door
def init(door: Door, as_json: bool) -> None:
    """Create the database schema, or bring it up to date (safe to run again)."""
    status = door.db.init_schema()
    if status.before == status.after:
        text = f"{status.url}: schema already at {status.after}, nothing to do"
    else:
        text = f"{status.url}: schema {status.before or 'empty'} -> {status.after}"
    emit(
        {"url": status.url, "backend": status.backend, "before": status.before, "after": status.after},
        as_json,
        text,
    )


@click.command()
@click.argument("kind")
@click.argument("record_id", type=int)
@json_option
@pass_door
def audit(door: Door, kind: str, record_id: int, as_json: bool) -> None:
    """The history of one record: who changed what, when, oldest first."""
    with door.transaction() as tx:
        cls = records.kind_of(kind)
        entries = records.history(tx, cls, record_id)
        data = [
            {
                "action": str(e.action),
                "version": e.version,
                "actor": e.actor,
                "at": e.at.isoformat(),
                "before": e.before,
                "after": e.after,
            }
            for e in entries
        ]
    if not entries and not as_json:
        click.echo(f"{cls.__name__} #{record_id} has no history")
        return
    lines = []
    for e in entries:
        lines.append(f"v{e.version} {e.at.isoformat()} {e.action} by {e.actor}")
        before, after = e.before or {}, e.after or {}
        for key, value in after.items():
            if key not in ("version", "updated_at", "updated_by") and before.get(key) != value:
                was = f"{json.dumps(before.get(key), ensure_ascii=False)} -> " if e.before is not None else ""
                lines.append(f"    {key}: {was}{json.dumps(value, ensure_ascii=False)}")
    emit(data, as_json, "\n".join(lines))


@click.command()
@json_option
def kinds(as_json: bool) -> None:
    """The kinds of record the mission keeps, and their fields."""
    data = {entity_name(cls): [f.name for f in entity_fields(cls)] for cls in ENTITIES}
    emit(data, as_json, "\n".join(f"{k}: {', '.join(v)}" for k, v in data.items()))


# ------------------------------------------------------------------------- record commands


@click.group()
def record() -> None:
    """Add, change, delete, restore, show and list records of any kind."""


def _as_text(cls: type[Record], name: str) -> bool:
    """Whether a FIELD=VALUE value is taken as text (names, dates, vocabulary) or as JSON."""
    hint = typing.get_type_hints(cls)[name]
    args = typing.get_args(hint) or (hint,)
    return any(a in (str, date, datetime, time) or (isinstance(a, type) and issubclass(a, StrEnum)) for a in args)


def _values(cls: type[Record], pairs: tuple[str, ...], json_input: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if json_input:
        try:
            loaded = json.loads(json_input)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not JSON: {error}", param_hint="--data") from None
        if not isinstance(loaded, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--data")
        values.update(loaded)
    names = {f.name for f in entity_fields(cls)}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' is not FIELD=VALUE", param_hint="FIELD=VALUE")
        if name not in names or _as_text(cls, name) or raw == "":
            values[name] = None if raw == "" else raw
            continue
        try:
            values[name] = json.loads(raw)
        except json.JSONDecodeError:
            values[name] = raw
    return values


def _show(rec: Record, as_json: bool) -> None:
    data = snapshot(rec)
    width = max(len(k) for k in data)
    emit(data, as_json, "\n".join(f"{k.ljust(width)}  {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()))


_data_option = click.option("--data", "json_input", metavar="JSON", help="Field values as one JSON object.")


@record.command("add")
@click.argument("kind")
@click.argument("pairs", nargs=-1, metavar="[FIELD=VALUE]...")
@_data_option
@json_option
@pass_door
def record_add(door: Door, kind: str, pairs: tuple[str, ...], json_input: str | None, as_json: bool) -> None:
    """Add a record of KIND from FIELD=VALUE pairs or --data.

    For example: `record add unit mission_id=1 name="INF-1" ...`.
    """
    cls = records.kind_of(kind)
    with door.transaction() as tx:
        rec = records.create(tx, cls, _values(cls, pairs, json_input))
    _show(rec, as_json)


@record.command("update")
@click.argument("kind")
@click.argument("record_id", type=int)
@click.argument("pairs", nargs=-1, metavar="[FIELD=VALUE]...")
@click.option("--version", "version", type=int, required=True, help="The version you are changing.")
@_data_option
@json_option
@pass_door
def record_update(
    door: Door,
    kind: str,
    record_id: int,
    pairs: tuple[str, ...],
    version: int,
    json_input: str | None,
    as_json: bool,
) -> None:
    """Change fields of a record; refused if it changed since VERSION."""
    cls = records.kind_of(kind)
    with door.transaction() as tx:
        rec = records.update(tx, cls, record_id, _values(cls, pairs, json_input), version)
    _show(rec, as_json)


@record.command("delete")
@click.argument("kind")
@click.argument("record_id", type=int)
@click.option("--version", "version", type=int, help="Refuse if the record is no longer at this version.")
@json_option
@pass_door
def record_delete(door: Door, kind: str, record_id: int, version: int | None, as_json: bool) -> None:
    """Delete a record (softly: it can be restored)."""
    with door.transaction() as tx:
        rec = records.delete(tx, kind, record_id, version)
    _show(rec, as_json)


@record.command("restore")
@click.argument("kind")
@click.argument("record_id", type=int)
@json_option
@pass_door
def record_restore(door: Door, kind: str, record_id: int, as_json: bool) -> None:
    """Undo the deletion of a record."""
    with door.transaction() as tx:
        rec = records.restore(tx, kind, record_id)
    _show(rec, as_json)


@record.command("show")
@click.argument("kind")
@click.argument("record_id", type=int)
@click.option("--deleted", is_flag=True, help="Show it even if deleted.")
@json_option
@pass_door
def record_show(door: Door, kind: str, record_id: int, deleted: bool, as_json: bool) -> None:
    """Show one record."""
    with door.transaction() as tx:
        rec = records.get(tx, kind, record_id, include_deleted=deleted)
    _show(rec, as_json)


@record.command("list")
@click.argument("kind")
@click.argument("pairs", nargs=-1, metavar="[FIELD=VALUE]...")
@click.option("--deleted", is_flag=True, help="Include deleted records.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@json_option
@pass_door
def record_list(
    door: Door, kind: str, pairs: tuple[str, ...], deleted: bool, limit: int, offset: int, as_json: bool
) -> None:
    """List records of KIND, optionally where FIELD=VALUE."""
    cls = records.kind_of(kind)
    with door.transaction() as tx:
        found = records.list_records(
            tx, cls, _values(cls, pairs, None), include_deleted=deleted, limit=limit, offset=offset
        )
        data = [snapshot(r) for r in found]
        labels = [r.label() + (" [deleted]" if r.is_deleted else "") for r in found]
    emit(data, as_json, "\n".join(labels) if labels else f"no {entity_name(cls)} records")
