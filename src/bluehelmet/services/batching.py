"""What a batched load needs besides the loader itself: which kinds may be batched, a row's
natural key read before conversion, batches of rows, a rule context that remembers, and the
planner's statistics of the table it is filling."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import Record, entity_fields, reference_list_target, reference_target
from bluehelmet.services import records
from bluehelmet.services.database import Transaction
from bluehelmet.storage.database import analyse_keys_on
from bluehelmet.storage.tables import TABLES

__all__ = ["BatchContext", "KeyOf", "PlannerStatistics", "can_batch", "chunks", "key_item"]

#: A row's natural key as its converter reads it before converting (without the mission).
KeyOf = Callable[[Mapping[str, Any]], dict[str, Any] | None]


#: Records of other kinds a batched load keeps between its batches, at most.
_KEPT_RECORDS = 50_000


def key_item(key: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(key.items()))


def can_batch(cls: type[Record]) -> bool:
    """Whether rows of ``cls`` may be written a batch at a time: no record of the kind refers
    to another of its kind (a row could then name a record of its own batch, not yet stored)."""
    name = cls.__name__
    return all(name not in (reference_target(f), reference_list_target(f)) for f in entity_fields(cls))


class PlannerStatistics:
    """PostgreSQL's statistics of the table a long load is filling, taken inside the load's own
    transaction (which counts the rows it wrote) from ``first`` rows on, each time the table is
    four times larger. Planned as empty, the natural-key look-up of each batch scans every row
    written before it, and the load takes quadratic time. Nothing is done on SQLite."""

    def __init__(self, tx: Transaction, cls: type[Record], first: int) -> None:
        self._tx, self._table, self._next = tx, TABLES[cls], first

    def refresh(self, written: int) -> None:
        """Measure the table again if ``written`` rows make it four times what was measured."""
        if written >= self._next:
            analyse_keys_on(self._tx.session.connection(), self._table)
            self._next *= 4


class BatchContext:
    """The rules' context for a batch, remembering the records of other kinds it has read (a
    load changes records of one kind only) and which coordinates lie in the mission's country:
    an import names the same mission and few thousand places again and again."""

    def __init__(self, tx: Transaction, cls: type[Record]) -> None:
        self._ctx = records.rule_context(tx)
        self._kind = cls.__name__
        self._records: dict[tuple[str, int], Record | None] = {}
        self._inside: dict[tuple[str, float, float], bool | None] = {}

    def forget(self) -> None:
        """Called after each batch, when the session lets go of what it holds. The records of
        other kinds read so far are kept (the load does not change them, and they stay
        readable once let go of: every column is loaded), unless they have grown past
        :data:`_KEPT_RECORDS`; a later batch naming the same mission and places then does not
        read them again."""
        if len(self._records) > _KEPT_RECORDS:
            self._records.clear()

    @property
    def today(self) -> date:
        return self._ctx.today

    @property
    def rating_scale(self) -> Sequence[str]:
        return self._ctx.rating_scale

    def get(self, entity: str, record_id: int) -> Record | None:
        if entity == self._kind:
            return self._ctx.get(entity, record_id)
        key = (entity, record_id)
        if key not in self._records:
            self._records[key] = self._ctx.get(entity, record_id)
        return self._records[key]

    def children(self, entity: str, field: str, record_id: int) -> list[Record]:
        return self._ctx.children(entity, field, record_id)

    def find(self, entity: str, values: dict[str, Any]) -> list[Record]:
        return self._ctx.find(entity, values)

    def area_contains(self, mission: Mission, latitude: float, longitude: float) -> bool | None:
        key = (mission.country_iso3, latitude, longitude)
        if key not in self._inside:
            if len(self._inside) > 200_000:
                self._inside.clear()
            self._inside[key] = self._ctx.area_contains(mission, latitude, longitude)
        return self._inside[key]


def chunks(rows: Iterable[tuple[int, Mapping[str, Any]]], size: int) -> Iterator[list[tuple[int, Mapping[str, Any]]]]:
    chunk: list[tuple[int, Mapping[str, Any]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
