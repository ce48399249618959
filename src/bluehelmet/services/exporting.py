"""Records out to files, streamed: rows are read from the database a batch at a time and handed
to a writer as they come, so an export of a million incidents holds a batch in memory, not all."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record, entity_fields
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.services.exchange import Column, columns, values_to_text
from bluehelmet.services.loading import Resolver, find_mission
from bluehelmet.storage import repository

__all__ = ["ExportRow", "date_field", "export_rows", "has_coordinates"]

# The date that places a record in time, for --from/--to, in order of preference.
_DATE_FIELDS = (
    "event_date", "start_on", "planned_start", "started_on", "observed_on", "notified_on", "effective_on",
    "evaluated_on", "inspected_on", "occurred_on", "adopted_on", "held_on", "due_on", "established_on",
)  # fmt: skip


@dataclass(frozen=True)
class ExportRow:
    """One record as file cells, with its coordinates when it has them (for maps)."""

    cells: dict[str, str]
    latitude: float | None
    longitude: float | None


def date_field(cls: type[Record]) -> str | None:
    """The field ``--from``/``--to`` filter ``cls`` on, if it has a date."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in entity_fields(cls)}
    return next((n for n in _DATE_FIELDS if n in names and date in (*typing.get_args(hints[n]), hints[n])), None)


def has_coordinates(cls: type[Record]) -> bool:
    return {"latitude", "longitude"} <= {f.name for f in entity_fields(cls)}


def export_rows(
    db: Database,
    kind: str | type[Record],
    *,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "export",
) -> tuple[list[Column], Iterator[ExportRow]]:
    """The columns of ``kind`` and its live records as rows, oldest first, within the dates."""
    cls = records.kind_of(kind)
    field_name = date_field(cls)
    if (date_from or date_to) and field_name is None:
        raise BluehelmetError(f"{cls.__name__} records have no date to filter with --from/--to")
    return columns(cls), _rows(db, cls, mission, field_name, date_from, date_to, actor)


def _rows(
    db: Database,
    cls: type[Record],
    mission: str | None,
    field_name: str | None,
    date_from: date | None,
    date_to: date | None,
    actor: str,
) -> Iterator[ExportRow]:
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id if "mission_id" in cls.__dataclass_fields__ else None
        resolver = Resolver(tx, mission_id)
        stream = repository.stream_records(
            tx.session, cls, {"mission_id": mission_id} if mission_id is not None else {},
            date_field=field_name, date_from=date_from, date_to=date_to,
        )  # fmt: skip
        for record in stream:
            yield ExportRow(
                values_to_text(record, resolver.name_of),
                getattr(record, "latitude", None),
                getattr(record, "longitude", None),
            )
