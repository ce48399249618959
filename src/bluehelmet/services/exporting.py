"""Records out to files, streamed: rows are read from the database a batch at a time and handed
to a writer as they come, so an export of a million incidents holds a batch in memory, not all.

:func:`export_rows` reads plain column values from the table and writes each cell with the
function chosen for its column (``services.cells``): no record is built per row. The record by
record way (:func:`record_rows`, an ORM record per row written by ``values_to_text``) gives the
same cells at a tenth of the speed or less; it is kept as the reference the table export is tested against.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record, entity_fields
from bluehelmet.services import cells, records
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import Column, columns, values_to_text
from bluehelmet.services.loading import Resolver, find_mission
from bluehelmet.storage import export_queries, repository

__all__ = [
    "ExportRow", "Selection", "checked_date_field", "date_field", "export_rows", "has_coordinates", "join_view",
    "part_bounds", "record_rows", "rows_in", "shared_view",
]  # fmt: skip

# The date that places a record in time, for --from/--to, in order of preference.
_DATE_FIELDS = (
    "event_date", "start_on", "planned_start", "started_on", "observed_on", "notified_on", "effective_on",
    "evaluated_on", "inspected_on", "occurred_on", "adopted_on", "held_on", "due_on", "established_on",
)  # fmt: skip


class ExportRow(NamedTuple):
    """One record as file cells, in the order of the columns, with its coordinates when it has
    them (for maps). A tuple: a million of them are made one after another."""

    values: list[str]
    latitude: float | None
    longitude: float | None


def date_field(cls: type[Record]) -> str | None:
    """The field ``--from``/``--to`` filter ``cls`` on, if it has a date."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in entity_fields(cls)}
    return next((n for n in _DATE_FIELDS if n in names and date in (*typing.get_args(hints[n]), hints[n])), None)


def has_coordinates(cls: type[Record]) -> bool:
    return {"latitude", "longitude"} <= {f.name for f in entity_fields(cls)}


def checked_date_field(cls: type[Record], date_from: date | None, date_to: date | None) -> str | None:
    """The field ``--from``/``--to`` filter ``cls`` on; BluehelmetError if dates are given and it has none."""
    field_name = date_field(cls)
    if (date_from or date_to) and field_name is None:
        raise BluehelmetError(f"{cls.__name__} records have no date to filter with --from/--to")
    return field_name


def export_rows(
    db: Database,
    kind: str | type[Record],
    *,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "export",
    batch: int = 10_000,
) -> tuple[list[Column], Iterator[ExportRow]]:
    """The columns of ``kind`` and its live records as rows, oldest first, within the dates.

    The rows come from a generator that reads ``batch`` rows at a time: a million rows are
    never all in memory. Nothing is read before the first row is asked for."""
    cls = records.kind_of(kind)
    field_name = checked_date_field(cls, date_from, date_to)
    return columns(cls), _table_rows(db, cls, mission, field_name, date_from, date_to, actor, batch)


def _table_rows(
    db: Database,
    cls: type[Record],
    mission: str | None,
    field_name: str | None,
    date_from: date | None,
    date_to: date | None,
    actor: str,
    batch: int,
) -> Iterator[ExportRow]:
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id if "mission_id" in cls.__dataclass_fields__ else None
        yield from rows_in(tx, cls, Selection(mission_id, field_name, date_from, date_to), batch)


class Selection(NamedTuple):
    """Which records of a kind an export writes: of one mission (None: a kind without one),
    with ``date_field`` within the dates, and (for a part of a parallel export) with an id from
    the first of ``ids`` (included) to the second (excluded); None for no bound."""

    mission_id: int | None
    date_field: str | None
    date_from: date | None = None
    date_to: date | None = None
    ids: tuple[int | None, int | None] = (None, None)

    @property
    def filters(self) -> dict[str, int]:
        return {"mission_id": self.mission_id} if self.mission_id is not None else {}


def part_bounds(
    tx: Transaction, cls: type[Record], selection: Selection, parts: int, *, head: int = 0
) -> tuple[int, list[int]]:
    """How many records ``selection`` chooses, and the first id of each of ``parts`` parts but
    the first: the first ``head`` records more than an equal share, the others nearly equal
    (``storage.export_queries.part_bounds``)."""
    return export_queries.part_bounds(
        tx.session, cls, selection.filters, parts, date_field=selection.date_field,
        date_from=selection.date_from, date_to=selection.date_to, head=head,
    )  # fmt: skip


def shared_view(tx: Transaction) -> str:
    """Make ``tx``, before it reads anything, a view of the record other transactions can
    share, and name it (``storage.export_queries.shared_view``)."""
    return export_queries.shared_view(tx.session)


def join_view(tx: Transaction, view: str) -> str:
    """Make ``tx``, before it reads anything, see what the transaction that named ``view``
    sees where the database can share it, and name what it sees."""
    return export_queries.join_view(tx.session, view)


def rows_in(tx: Transaction, cls: type[Record], selection: Selection, batch: int = 10_000) -> Iterator[ExportRow]:
    """The rows of the records ``selection`` chooses, read inside ``tx``, in id order."""
    chosen = columns(cls)
    fields = [c.field for c in chosen]
    # The coordinates are read a second time, as numbers, for the map formats.
    located = ["latitude", "longitude"] if has_coordinates(cls) else []
    width = len(fields)
    text_of = cells.row_formatter(cells.formatters(tx.session, cls, chosen, selection.mission_id))
    stream = export_queries.stream_rows(
        tx.session, cls, [*fields, *located], selection.filters, date_field=selection.date_field,
        date_from=selection.date_from, date_to=selection.date_to, batch=batch, ids=selection.ids,
    )  # fmt: skip
    if located:
        for row in stream:
            yield ExportRow(text_of(row), row[width], row[width + 1])
    else:
        for row in stream:
            yield ExportRow(text_of(row), None, None)


def record_rows(
    db: Database,
    kind: str | type[Record],
    *,
    mission: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "export",
) -> tuple[list[Column], Iterator[ExportRow]]:
    """Like :func:`export_rows`, record by record: an ORM record per row, its cells written by
    ``values_to_text`` and its references named by ``Resolver.name_of``. The reference for the
    table export's cells (tests and benchmarks/export_rows.py compare the two)."""
    cls = records.kind_of(kind)
    field_name = checked_date_field(cls, date_from, date_to)
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
                list(values_to_text(record, resolver.name_of).values()),
                getattr(record, "latitude", None),
                getattr(record, "longitude", None),
            )
