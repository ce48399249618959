"""The demo command: the reference mission, loaded so a new user sees a real mission at once."""

from __future__ import annotations

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.geography.attribution import SOURCES, attribution_markdown
from bluehelmet.reference.loader import MISSION_NAME, load_reference
from bluehelmet.services import records

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
@json_option
def about(as_json: bool) -> None:
    """About the data: the public sources bluehelmet ships, their terms and credits."""
    emit(
        {"sources": [{"name": s.name, "terms": s.terms, "url": s.url} for s in SOURCES],
         "attribution": attribution_markdown()},
        as_json,
        attribution_markdown(),
    )  # fmt: skip
