"""The command line: one short function per command, each a call into the services."""

from __future__ import annotations

import getpass
import json
import sys
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from bluehelmet import __version__
from bluehelmet.config import Settings
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record, entity_fields, snapshot
from bluehelmet.services import records
from bluehelmet.services.database import Database, Transaction

__all__ = ["cli", "main"]


class _Guarded(click.Group):
    """Turns every refusal into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BluehelmetError as error:
            _fail(str(error))
        except ValidationError as error:
            first = error.errors()[0]
            _fail(f"setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _settings(ctx: click.Context) -> Settings:
    db = ctx.params.get("db") if ctx.parent is None else ctx.find_root().params.get("db")
    try:
        return Settings(database_url=db) if db else Settings()
    except ValidationError as error:
        _fail(f"setting {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}")


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"bluehelmet {__version__}")
    ctx.exit()


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="URL",
    is_eager=True,
    help="Database URL (default: BLUEHELMET_DATABASE_URL, else sqlite:///bluehelmet.db).",
)
@click.option("--actor", metavar="NAME", help="Who is acting, for the audit history (default: your login).")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """bluehelmet: the record, analysis and reports of a peacekeeping mission."""
    settings = _settings(ctx)
    ctx.obj = _Door(settings, actor or settings.actor or getpass.getuser())


class _Door:
    """What every command needs: the settings, who acts, and the database, opened lazily."""

    def __init__(self, settings: Settings, actor: str) -> None:
        self.settings = settings
        self.actor = actor
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings)
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.db.transaction(self.actor) as tx:
            yield tx


pass_door = click.make_pass_decorator(_Door)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text)


@cli.command()
@_json_option
@pass_door
def init(door: _Door, as_json: bool) -> None:
    """Create the database schema, or bring it up to date (safe to run again)."""
    status = door.db.init_schema()
    if status.before == status.after:
        text = f"{status.url}: schema already at {status.after}, nothing to do"
    else:
        text = f"{status.url}: schema {status.before or 'empty'} -> {status.after}"
    _emit(
        {"url": status.url, "backend": status.backend, "before": status.before, "after": status.after},
        as_json,
        text,
    )


@cli.command()
@click.argument("kind")
@click.argument("record_id", type=int)
@_json_option
@pass_door
def audit(door: _Door, kind: str, record_id: int, as_json: bool) -> None:
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
    _emit(data, as_json, "\n".join(lines))


@cli.command()
@_json_option
def kinds(as_json: bool) -> None:
    """The kinds of record the mission keeps, and their fields."""
    data = {entity_name(cls): [f.name for f in entity_fields(cls)] for cls in ENTITIES}
    _emit(data, as_json, "\n".join(f"{k}: {', '.join(v)}" for k, v in data.items()))


# ------------------------------------------------------------------------- record commands


@cli.group()
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
    _emit(data, as_json, "\n".join(f"{k.ljust(width)}  {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()))


_data_option = click.option("--data", "json_input", metavar="JSON", help="Field values as one JSON object.")


@record.command("add")
@click.argument("kind")
@click.argument("pairs", nargs=-1, metavar="[FIELD=VALUE]...")
@_data_option
@_json_option
@pass_door
def record_add(door: _Door, kind: str, pairs: tuple[str, ...], json_input: str | None, as_json: bool) -> None:
    """Add a record of KIND, e.g. `record add unit mission_id=1 name="INF-1" ...`."""
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
@_json_option
@pass_door
def record_update(
    door: _Door,
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
@_json_option
@pass_door
def record_delete(door: _Door, kind: str, record_id: int, version: int | None, as_json: bool) -> None:
    """Delete a record (softly: it can be restored)."""
    with door.transaction() as tx:
        rec = records.delete(tx, kind, record_id, version)
    _show(rec, as_json)


@record.command("restore")
@click.argument("kind")
@click.argument("record_id", type=int)
@_json_option
@pass_door
def record_restore(door: _Door, kind: str, record_id: int, as_json: bool) -> None:
    """Undo the deletion of a record."""
    with door.transaction() as tx:
        rec = records.restore(tx, kind, record_id)
    _show(rec, as_json)


@record.command("show")
@click.argument("kind")
@click.argument("record_id", type=int)
@click.option("--deleted", is_flag=True, help="Show it even if deleted.")
@_json_option
@pass_door
def record_show(door: _Door, kind: str, record_id: int, deleted: bool, as_json: bool) -> None:
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
@_json_option
@pass_door
def record_list(
    door: _Door, kind: str, pairs: tuple[str, ...], deleted: bool, limit: int, offset: int, as_json: bool
) -> None:
    """List records of KIND, optionally where FIELD=VALUE."""
    cls = records.kind_of(kind)
    with door.transaction() as tx:
        found = records.list_records(
            tx, cls, _values(cls, pairs, None), include_deleted=deleted, limit=limit, offset=offset
        )
        data = [snapshot(r) for r in found]
        labels = [r.label() + (" [deleted]" if r.is_deleted else "") for r in found]
    _emit(data, as_json, "\n".join(labels) if labels else f"no {entity_name(cls)} records")


def main() -> None:
    cli(prog_name="bluehelmet")
