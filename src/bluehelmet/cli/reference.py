"""The demo command: the reference mission, loaded so a new user sees a real mission at once."""

from __future__ import annotations

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.geography.attribution import SOURCES, attribution_markdown
from bluehelmet.reference.loader import MISSION_NAME, load_reference
from bluehelmet.services import records, storage_size

__all__ = ["about", "demo"]


@click.command("demo")
@json_option
@pass_door
def demo(door: Door, as_json: bool) -> None:
    """Load the reference mission (MINUSMA, January-May 2021, rebuilt from S/2021/520).

    Creates the schema if needed. Safe to run again: records already there are matched, not
    duplicated.
    """
    door.db.init_schema()
    report = load_reference(door.db, door.actor)
    with door.transaction() as tx:
        counts = {entity_name(cls): records.count(tx, cls) for cls in ENTITIES}
    lines = [
        f"reference mission {MISSION_NAME} at {door.db.url}: "
        f"{report.created} records added, {report.updated} changed, {report.unchanged} already there",
        *[f"  {name}: {count}" for name, count in counts.items() if count],
        *[f"  warning: {w}" for w in report.warnings],
    ]
    emit({"created": report.created, "updated": report.updated, "unchanged": report.unchanged, "records": counts,
          "warnings": [str(w) for w in report.warnings]},
         as_json, "\n".join(lines))  # fmt: skip


@click.command("about")
@click.option("--storage", is_flag=True, help="Instead: the database's size by table, with its indexes.")
@json_option
@pass_door
def about(door: Door, storage: bool, as_json: bool) -> None:
    """About the data: the public sources bluehelmet ships, their terms and credits (with
    --storage: the database's size by table)."""
    if storage:
        size = storage_size.storage_size(door.db)
        emit(storage_size.as_dict(size), as_json, _storage_text(size))
        return
    emit(
        {"sources": [{"name": s.name, "terms": s.terms, "url": s.url} for s in SOURCES],
         "attribution": attribution_markdown()},
        as_json,
        attribution_markdown(),
    )  # fmt: skip


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def _storage_text(size: storage_size.DatabaseSize) -> str:
    free = "" if size.free is None else f", {_megabytes(size.free)} of it free pages"
    lines = [f"{size.backend} database: {_megabytes(size.total)} in all{free} ({size.method})"]
    if size.tables is None:
        return "\n".join([*lines, "  sizes by table: unknown (this SQLite has no dbstat)"])
    width = max(len(t.name) for t in size.tables) if size.tables else 5
    lines.append(f"  {'table':<{width}}  {'data':>12}  {'indexes':>12}  {'total':>12}  share")
    for t in size.tables:
        share = t.total / size.total if size.total else 0
        lines.append(f"  {t.name:<{width}}  {_megabytes(t.data):>12}  {_megabytes(t.indexes):>12}  "
                     f"{_megabytes(t.total):>12}  {share:6.1%}")  # fmt: skip
    return "\n".join(lines)
