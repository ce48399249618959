"""Many new records of one kind in one transaction, all or nothing (``POST /api/records/{kind}/bulk``).

Each record is parsed and checked by the same rules, and admitted by the same scope, as a single
creation through :func:`services.records.create`; if any is refused, nothing is written and every
refused record's problems are named with its place in the list. Records whose rules read only
themselves and what they refer to (``rules.checked_alone``: incidents among them) are checked
against what is stored, their natural keys looked up for the whole batch at once and compared
with each other, then written together by the set-based writes of a columnar import
(``storage/bulk.py``): the rows by the driver in bulk (``executemany``, ``COPY``) with the
full-text index filled once, the audit entries by one ``INSERT ... SELECT`` a block of images,
the incidents counted by one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT`` a rollup.
Other kinds are created one after another in the same transaction, each seeing those before
it, as their rules need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from bluehelmet.domain import rules
from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import InvalidRecord, Problem
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import Record, field_values, json_value, snapshot
from bluehelmet.services import records, scope
from bluehelmet.services.batching import BatchContext
from bluehelmet.services.database import Transaction
from bluehelmet.services.listing import OutsideScope
from bluehelmet.services.parsing import parse_values
from bluehelmet.storage import repository
from bluehelmet.storage.audit_codec import STAMPS
from bluehelmet.storage.audit_store import append_block_of_rows
from bluehelmet.storage.bulk import count_in_rollups, write_rows
from bluehelmet.storage.tables import TABLES, unsaved

__all__ = ["MAX_RECORDS", "BulkRefused", "IndexedProblem", "create_many"]

#: The most records one bulk request may hold.
MAX_RECORDS = 10_000
#: Records inserted and audited per statement (the audit's blocks hold this many).
_CHUNK = 1000


@dataclass(frozen=True)
class IndexedProblem:
    """A problem of the record at ``index`` (from 0) of the list sent."""

    index: int
    problem: Problem


class BulkRefused(InvalidRecord):
    """Some records of a bulk creation were refused; nothing was written."""

    def __init__(self, found: Sequence[IndexedProblem]) -> None:
        self.indexed = list(found)
        super().__init__([p.problem for p in self.indexed])


#: Run on each new record before it is written (with its index): refuses by raising.
Gate = Callable[[int, Mapping[str, Any]], None]


def create_many(
    tx: Transaction,
    principal: Principal,
    kind: str | type[Record],
    items: Sequence[Any],
    *,
    gate: Gate | None = None,
) -> list[Record]:
    """Create every record of ``items`` (field values as JSON gives them), in order, or none.

    BulkRefused names every refused record's problems by index; a record the principal may not
    write (outside its sector) is refused with OutsideScope naming its index. ``gate`` checks
    each item's values first (the API's review gate)."""
    cls = records.kind_of(kind)
    if len(items) > MAX_RECORDS:
        reason = f"holds {len(items):,} records (at most {MAX_RECORDS:,})"
        raise InvalidRecord([Problem(cls.__name__, "records", reason)])
    if rules.checked_alone(cls):
        return _together(tx, principal, cls, items, gate)
    return _one_by_one(tx, principal, cls, items, gate)


def _values(cls: type[Record], index: int, item: Any, gate: Gate | None) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        reason = "must be a JSON object of the record's fields"
        raise InvalidRecord([Problem(f"{cls.__name__} (new)", "(record)", reason)])
    if gate is not None:
        gate(index, item)
    return parse_values(cls, item)


def _foreign(tx: Transaction, principal: Principal, cls: type[Record], item: Any) -> list[Problem] | None:
    """The refusal a scoped principal gets for referring outside its sector, if it does: it
    replaces the rules' problems, which name the records they compare (``scope.references_first``)."""
    if not principal.scoped or not isinstance(item, Mapping):
        return None
    try:
        scope.check_references(tx, principal, (cls, item))
    except InvalidRecord as error:
        return error.problems
    return None


def _admit(tx: Transaction, principal: Principal, index: int, record: Record) -> None:
    try:
        scope.admit(tx, principal, Action.WRITE, record, "create")
    except OutsideScope as error:
        raise OutsideScope(f"records[{index}]: {error}") from None
    except InvalidRecord as error:
        raise BulkRefused([IndexedProblem(index, p) for p in error.problems]) from None


def _one_by_one(
    tx: Transaction, principal: Principal, cls: type[Record], items: Sequence[Any], gate: Gate | None
) -> list[Record]:
    created: list[Record] = []
    found: list[IndexedProblem] = []
    for index, item in enumerate(items):
        try:
            record = records.create_parsed(tx, cls(**_values(cls, index, item, gate)))
        except InvalidRecord as error:
            problems = _foreign(tx, principal, cls, item) or error.problems
            found += [IndexedProblem(index, p) for p in problems]
            continue
        _admit(tx, principal, index, record)
        created.append(record)
    if found:
        raise BulkRefused(found)
    return created


def _together(
    tx: Transaction, principal: Principal, cls: type[Record], items: Sequence[Any], gate: Gate | None
) -> list[Record]:
    context = BatchContext(tx, cls)
    candidates: list[Record] = []
    found: list[IndexedProblem] = []
    for index, item in enumerate(items):
        try:
            candidate = unsaved(cls, _values(cls, index, item, gate))  # written below, never by the session
            problems = rules.check(candidate, context, natural_keys=False)
        except InvalidRecord as error:
            problems = error.problems
        if problems:
            problems = _foreign(tx, principal, cls, item) or problems
            found += [IndexedProblem(index, p) for p in problems]
        else:
            candidates.append(candidate)
    if not found:
        found = list(_key_clashes(tx, cls, candidates))
    if found:
        raise BulkRefused(sorted(found, key=lambda p: p.index))
    for index, candidate in enumerate(candidates):
        _admit(tx, principal, index, candidate)
    _write(tx, cls, candidates)
    return candidates


def _key_clashes(tx: Transaction, cls: type[Record], candidates: Sequence[Record]) -> Iterator[IndexedProblem]:
    """The natural keys the batch repeats, or that a stored record (deleted or not) holds:
    a single creation's rule, with one look-up for the whole batch."""
    for key in cls.natural_keys:
        seen: dict[tuple[Any, ...], int] = {}
        wanted: list[tuple[int, tuple[Any, ...]]] = []
        for index, candidate in enumerate(candidates):
            values = tuple(getattr(candidate, name) for name in key)
            if all(v is None for name, v in zip(key, values, strict=True) if name != "mission_id"):
                continue  # a key with no part of its own identifies nothing
            shown = ", ".join(f"{name}={v}" for name, v in zip(key, values, strict=True))
            if values in seen:
                reason = f"record {seen[values]} of this list already has {shown}"
                yield IndexedProblem(index, Problem(candidate.label(), key[-1], reason))
                continue
            seen[values] = index
            wanted.append((index, values))
        plain = [values for _, values in wanted if None not in values]
        stored = repository.existing_keys(tx.session, cls, key, plain) if plain else set()
        for index, values in wanted:
            clash = values in stored
            if None in values:  # NULL matches NULL here, as in the rule: looked up alone
                clash = bool(repository.find(tx.session, cls, dict(zip(key, values, strict=True))))
            if clash:
                shown = ", ".join(f"{name}={v}" for name, v in zip(key, values, strict=True))
                reason = f"a record already has {shown}"
                yield IndexedProblem(index, Problem(candidates[index].label(), key[-1], reason))


def _write(tx: Transaction, cls: type[Record], candidates: Sequence[Record]) -> None:
    """Insert the records with ids reserved for them, audit their creations, count them: the
    set-based writes of a columnar import (``storage/bulk.py``), so the rows go in by the
    driver in bulk (the full-text index filled once), the audit's entries are written by the
    database from the rows (their images in blocks of ``_CHUNK``), and the incidents are counted
    in the rollups by one statement a rollup."""
    if not candidates:
        return
    session, table = tx.session, TABLES[cls]
    now = tx.now()
    ids = repository.reserve_ids(session, cls, len(candidates))  # one range: the FTS is filled over it
    stamps = {"version": 1, "created_at": now, "updated_at": now, "created_by": tx.actor, "updated_by": tx.actor}
    for record, record_id in zip(candidates, ids, strict=True):
        record.__dict__.update(stamps, id=record_id)
    owns = [record.__dict__ for record in candidates]  # unsaved() put every field there
    columns = {name: [own[name] for own in owns] for name in field_values(candidates[0])}
    write_rows(session, table, {c.name: columns[c.name] for c in table.columns}, len(owns))
    keys = [name for name in columns if name not in STAMPS]
    images = [_json_column(columns[key]) for key in keys]  # as snapshot() gives them, a column at a time
    for start in range(0, len(candidates), _CHUNK):
        end = start + _CHUNK
        values = list(zip(*[image[start:end] for image in images], strict=True))
        try:
            append_block_of_rows(session, table, cls.__name__, tx.actor, now, ids[start:end], keys, values)
        except ValueError:  # a value JSON cannot hold (NaN) in a block: as a batched import writes them
            created = [(record.id or 0, now, snapshot(record)) for record in candidates[start:end]]
            repository.append_creations(session, cls.__name__, tx.actor, created)
    if cls is Incident:
        count_in_rollups(session, table.c.id, ids)


_PLAIN = (str, int, float, bool, type(None))


def _json_column(column: list[Any]) -> list[Any]:
    """A column's values as snapshot() gives them: converted a column at a time when every
    value is of one kind (a choice, a date) or none, else one at a time."""
    kinds = {type(value) for value in column} - {type(None)}
    if kinds.issubset(_PLAIN):
        return column
    if len(kinds) == 1:
        (kind,) = kinds
        if issubclass(kind, Enum):
            return [None if value is None else str(value.value) for value in column]
        if kind is date:
            return [None if value is None else value.isoformat() for value in column]
    return [value if type(value) in _PLAIN else json_value(value) for value in column]
