"""Creating, changing, deleting and restoring any record: validate, write, audit, together.

This is the only way data changes. Each function works inside a :class:`Transaction`, so a
caller (an import, say) can make many changes that land all together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bluehelmet.domain import rules
from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.catalogue import ENTITIES, entity_class
from bluehelmet.domain.errors import InvalidRecord, NotFound, Problem, StaleVersion
from bluehelmet.domain.places import Location, Mission
from bluehelmet.domain.records import Record, entity_fields, reference_list_target, reference_target, snapshot
from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.services.database import Transaction
from bluehelmet.services.parsing import editable_values, parse_filters, parse_record
from bluehelmet.storage import repository, rollups

__all__ = [
    "LARGEST_ID",
    "count",
    "create",
    "create_parsed",
    "delete",
    "get",
    "history",
    "kind_of",
    "list_records",
    "restore",
    "rule_context",
    "update",
]

#: The largest id a record can have (the id columns hold 32-bit integers on PostgreSQL).
LARGEST_ID = 2**31 - 1


def kind_of(kind: str | type[Record]) -> type[Record]:
    return entity_class(kind) if isinstance(kind, str) else kind


@dataclass
class _Context:
    """The rules' view of the database, inside the caller's transaction. With ``seen`` (one
    check of one record, during which nothing is written), each record read is read once: the
    rules ask for a mission for each reference and again for the coordinates."""

    tx: Transaction
    seen: dict[tuple[str, int], Record | None] | None = None

    @property
    def today(self) -> date:
        return self.tx.today

    @property
    def rating_scale(self) -> Sequence[str]:
        return self.tx.settings.rating_scale

    def get(self, entity: str, record_id: int) -> Record | None:
        key = (entity, record_id)
        if self.seen is not None and key in self.seen:
            return self.seen[key]
        with self.tx.session.no_autoflush:
            found = repository.read(self.tx.session, entity_class(entity), record_id)
        if self.seen is not None:
            self.seen[key] = found
        return found

    def children(self, entity: str, field: str, record_id: int) -> list[Record]:
        return list(repository.select_records(self.tx.session, entity_class(entity), {field: record_id}))

    def find(self, entity: str, values: dict[str, Any]) -> list[Record]:
        return repository.find_read(self.tx.session, entity_class(entity), values)

    def area_contains(self, mission: Mission, latitude: float, longitude: float) -> bool | None:
        boundaries = Boundaries.load(mission.country_iso3)
        return None if boundaries is None else boundaries.contains(latitude, longitude)


def rule_context(tx: Transaction) -> rules.RuleContext:
    """What the rules see of the mission record, inside ``tx``."""
    return _Context(tx)


def _refuse_if_broken(
    tx: Transaction, record: Record, before: Record | None = None, *, natural_keys: bool = True
) -> None:
    problems = rules.check(record, _Context(tx, {}), before, natural_keys=natural_keys)
    if problems:
        raise InvalidRecord(problems)


def _audit(tx: Transaction, record: Record, action: AuditAction, before: dict[str, Any] | None) -> None:
    assert record.id is not None and record.version is not None
    entry = AuditEntry(
        entity=type(record).__name__,
        record_id=record.id,
        action=action,
        version=record.version,
        actor=tx.actor,
        at=record.updated_at or tx.now(),
        before=before,
        after=snapshot(record),
    )
    repository.append_audit(tx.session, entry)


def _flush(tx: Transaction, record: Record, expected: int | None) -> None:
    label, ident = record.label(), record.id  # read now: a refused flush expires the record
    connection = tx.session.connection()
    try:
        tx.session.flush()
    except StaleDataError:
        # Another transaction changed the row between our read and our write: refuse, with the
        # record as that change left it (as a stale version found on reading is refused). The
        # refused flush rolled the transaction back; its connection can still read.
        with Session(bind=connection) as reader:
            current = reader.get(type(record), ident) if ident is not None else None
            found = snapshot(current) if current is not None else {"version": "deleted"}
        raise StaleVersion(label, expected, found) from None


def _recount(tx: Transaction, counted: rollups.Contribution | None, record: Record) -> None:
    """Once a change is written: take what the record counted in the rollup out, and what it
    counts now in (both nothing for records other than incidents)."""
    rollups.add_delta(tx.rollup, counted, -1)
    rollups.add_delta(tx.rollup, rollups.contribution(record, tx.sector_of), 1)


def _live(tx: Transaction, cls: type[Record], record_id: int) -> Record:
    record = repository.get(tx.session, cls, record_id)
    if record is None:
        raise NotFound(cls.__name__, record_id)
    if record.is_deleted:
        raise NotFound(cls.__name__, record_id, deleted=True)
    return record


def _check_version(record: Record, expected: int | None) -> None:
    if expected is not None and expected != record.version:
        raise StaleVersion(record.label(), expected, snapshot(record))


def create(tx: Transaction, kind: str | type[Record], data: Mapping[str, Any]) -> Record:
    """Validate ``data`` as a new record of ``kind``, store it, and audit its creation."""
    return create_parsed(tx, parse_record(kind_of(kind), data))


def create_parsed(tx: Transaction, record: Record, *, keys_checked: bool = False) -> Record:
    """Store a record already parsed by :func:`~bluehelmet.services.parsing.parse_record` (and
    not yet stored), after checking its rules, and audit its creation. ``keys_checked`` says the
    caller has just looked its natural keys up and found no record (a load does), so the same
    look-up is not made twice."""
    _refuse_if_broken(tx, record, natural_keys=not keys_checked)
    now = tx.now()
    record.created_at = record.updated_at = now
    record.created_by = record.updated_by = tx.actor
    repository.insert_new(tx.session, record)
    _audit(tx, record, AuditAction.CREATE, None)
    _recount(tx, None, record)
    return record


def update(
    tx: Transaction, kind: str | type[Record], record_id: int, changes: Mapping[str, Any], version: int
) -> Record:
    """Apply ``changes`` to the record if it is still at ``version``; refuse a stale change.

    Returns the record as stored. A change that changes nothing writes nothing.
    """
    cls = kind_of(kind)
    current = _live(tx, cls, record_id)
    _check_version(current, version)
    before = snapshot(current)
    candidate = parse_record(cls, {**editable_values(current), **changes})
    candidate.id = current.id
    previous = cls(**{f.name: getattr(current, f.name) for f in entity_fields(cls)})
    previous.id = current.id
    _refuse_if_broken(tx, candidate, previous)
    changed = [f.name for f in entity_fields(cls) if getattr(candidate, f.name) != getattr(current, f.name)]
    if not changed:
        return current
    counted = rollups.contribution(current, tx.sector_of)
    for name in changed:
        setattr(current, name, getattr(candidate, name))
    current.updated_at = tx.now()
    current.updated_by = tx.actor
    _flush(tx, current, version)
    _audit(tx, current, AuditAction.UPDATE, before)
    _recount(tx, counted, current)
    if isinstance(current, Location) and "sector_id" in changed:
        _moved(tx, current.id or 0, before.get("sector_id"), current.sector_id)
    return current


def _moved(tx: Transaction, location_id: int, old: Any, new: int | None) -> None:
    """A location changed sector: the incidents placed through it move in the rollups with it."""
    rollups.moved_location(tx.session, tx.rollup, location_id, old, new)
    tx.location_sectors[location_id] = new


def _referrers(tx: Transaction, record: Record) -> list[Problem]:
    name = type(record).__name__
    problems = []
    assert record.id is not None
    for cls in ENTITIES:
        for f in entity_fields(cls):
            if reference_target(f) == name:
                ids = repository.referrers(tx.session, cls, f.name, record.id)
            elif reference_list_target(f) == name:
                ids = repository.list_referrers(tx.session, cls, f.name, record.id)
            else:
                continue
            if cls is type(record):
                ids = [i for i in ids if i != record.id]
            if ids:
                shown = ", ".join(f"#{i}" for i in ids[:5]) + (" ..." if len(ids) > 5 else "")
                reason = f"{len(ids)} {cls.__name__} record(s) ({shown}) still refer to it by {f.name}"
                problems.append(Problem(record.label(), "id", reason))
    return problems


def delete(tx: Transaction, kind: str | type[Record], record_id: int, version: int | None = None) -> Record:
    """Mark the record deleted (it stays, with its history, and can be restored).

    Refused while live records still refer to it, so nothing is left pointing at a deleted record.
    """
    cls = kind_of(kind)
    current = _live(tx, cls, record_id)
    _check_version(current, version)
    problems = _referrers(tx, current)
    if problems:
        raise InvalidRecord(problems)
    before = snapshot(current)
    counted = rollups.contribution(current, tx.sector_of)
    current.deleted_at = current.updated_at = tx.now()
    current.deleted_by = current.updated_by = tx.actor
    _flush(tx, current, version)
    _audit(tx, current, AuditAction.DELETE, before)
    _recount(tx, counted, current)
    return current


def restore(tx: Transaction, kind: str | type[Record], record_id: int, version: int | None = None) -> Record:
    """Undo a soft delete, if the record's references are all still live."""
    cls = kind_of(kind)
    current = repository.get(tx.session, cls, record_id)
    if current is None:
        raise NotFound(cls.__name__, record_id)
    if not current.is_deleted:
        raise InvalidRecord([Problem(current.label(), "deleted_at", "is not deleted")])
    _check_version(current, version)
    before = snapshot(current)
    # Check the restored record as a copy, so a refusal leaves the stored one untouched.
    restored = cls(**{f.name: getattr(current, f.name) for f in entity_fields(cls)})
    restored.id = current.id
    _refuse_if_broken(tx, restored)
    current.deleted_at = current.deleted_by = None
    current.updated_at = tx.now()
    current.updated_by = tx.actor
    _flush(tx, current, version)
    _audit(tx, current, AuditAction.RESTORE, before)
    _recount(tx, None, current)
    return current


def get(tx: Transaction, kind: str | type[Record], record_id: int, *, include_deleted: bool = False) -> Record:
    cls = kind_of(kind)
    if not isinstance(record_id, int) or not 0 < record_id <= LARGEST_ID:
        raise NotFound(cls.__name__, record_id)  # no record has it; the database would refuse to compare it
    record = repository.get(tx.session, cls, record_id)
    if record is None:
        raise NotFound(cls.__name__, record_id)
    if record.is_deleted and not include_deleted:
        raise NotFound(cls.__name__, record_id, deleted=True)
    return record


def list_records(
    tx: Transaction,
    kind: str | type[Record],
    filters: Mapping[str, Any] | None = None,
    *,
    include_deleted: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[Record]:
    cls = kind_of(kind)
    return repository.select_records(
        tx.session, cls, parse_filters(cls, filters or {}), include_deleted=include_deleted, limit=limit, offset=offset
    )


def count(tx: Transaction, kind: str | type[Record], *, include_deleted: bool = False) -> int:
    return repository.count_records(tx.session, kind_of(kind), include_deleted=include_deleted)


def history(tx: Transaction, kind: str | type[Record], record_id: int) -> list[AuditEntry]:
    """Every change to the record, oldest first (empty if it never existed)."""
    return repository.history(tx.session, kind_of(kind).__name__, record_id)
