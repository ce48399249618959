"""Recent changes across the whole history: who changed what, when, and which fields, for the
records (and, for administrators, the accounts) a principal may read.

Each entry is read back through ``repository.history`` (the one way the history is decoded),
found by the entries' plain columns (``storage.audit_queries``). A sector account sees the
changes of the records in its sector only; account changes are shown to those who administer.
The incidents' entries, most of the history, are kept to the sectors asked in the query itself
(``_in_sectors``); every entry is still asked ``allowed`` one by one.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.audit import AuditEntry
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import JSONValue, Record, entity_fields, reference_list_target, reference_target
from bluehelmet.services import listing, records
from bluehelmet.services.access import allowed, sectors_of
from bluehelmet.services.database import Database, Transaction
from bluehelmet.storage import repository
from bluehelmet.storage.accounts import account_rows
from bluehelmet.storage.audit_queries import Kept, recent_entries
from bluehelmet.storage.tables import TABLES

__all__ = ["ACCOUNT", "AuditFilter", "Change", "FieldChange", "RecentChanges", "recent_changes", "record_history"]

#: The kind the history gives account changes (``services.accounts``).
ACCOUNT = "Account"
#: Stamps every change carries: not what a person changed.
_STAMPS = frozenset({"version", "updated_at", "updated_by", "created_at", "created_by", "id"})
#: How many entries one page reads at most while looking for ones the principal may see.
_SCAN = 2000


@dataclass(frozen=True)
class AuditFilter:
    """Which changes to list (every bound optional; days inclusive, in UTC)."""

    kind: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sector_id: int | None = None
    before_id: int | None = None


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after; references given by the name of what they point to,
    ``vocabulary`` when the values are a field's vocabulary (an enum's values)."""

    field: str
    before: JSONValue
    after: JSONValue
    vocabulary: bool = False


@dataclass(frozen=True)
class Change:
    """One entry of the history, in words: the kind and name of the record, and what changed."""

    entry: AuditEntry
    kind: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def fields_set(self) -> int:
        """For a creation: how many fields it set (stamps aside)."""
        return len([k for k, v in (self.entry.after or {}).items() if k not in _STAMPS and v not in (None, "", [])])


@dataclass(frozen=True)
class RecentChanges:
    changes: list[Change]
    #: The entry id to continue from for older changes (None: no more).
    older: int | None


def recent_changes(db: Database, principal: Principal, flt: AuditFilter, *, limit: int = 50) -> RecentChanges:
    """The newest changes matching ``flt`` that ``principal`` may see, newest first."""
    with db.transaction(principal.name) as tx:
        kinds = _kinds(principal, flt.kind)
        accounts = {int(r["id"]): str(r["name"]) for r in account_rows(tx.session)} if ACCOUNT in kinds else {}
        since = datetime.combine(flt.date_from, time(), UTC) if flt.date_from else None
        until = datetime.combine(flt.date_to + timedelta(days=1), time(), UTC) if flt.date_to else None
        found: list[Change] = []
        cursor, scanned = flt.before_id, 0
        names = _Names(tx)
        kept = _in_sectors(principal, flt)
        while len(found) < limit and scanned < _SCAN:
            batch = recent_entries(tx.session, entities=kinds, actor=flt.actor or None, since=since, until=until,
                                   before_id=cursor, limit=min(200, _SCAN - scanned), kept=kept)  # fmt: skip
            if not batch:
                return RecentChanges(found, None)
            for entry_id, kind, record_id in batch:
                scanned += 1
                cursor = entry_id
                change = _change(tx, principal, flt, kind, record_id, entry_id, accounts, names)
                if change is not None:
                    found.append(change)
                    if len(found) == limit:
                        break
        return RecentChanges(found, cursor)


def _in_sectors(principal: Principal, flt: AuditFilter) -> Kept | None:
    """The condition that keeps the incidents' entries to the incidents of the sectors asked (a
    sector account's own, the filter's sector, or both), as ``access.sectors_of`` places them:
    so a sector account's page does not read, one by one, the changes of every other sector's
    incidents (the other kinds, fewer, are still sorted entry by entry). None: nothing to keep."""
    wanted: set[int] | None = set(principal.sectors) if principal.scoped else None
    if flt.sector_id is not None:
        wanted = {flt.sector_id} if wanted is None else wanted & {flt.sector_id}
    if wanted is None:
        return None
    inside = listing.sector_clause(Incident, frozenset(wanted))
    if inside is None:  # not written for incidents: every entry asked one by one
        return None
    return Kept(Incident.__name__, select(TABLES[Incident].c.id).where(inside))


def record_history(db: Database, principal: Principal, kind: str, record_id: int) -> tuple[str, list[Change]]:
    """One record's name and its every change, oldest first; ``NotFound`` when the principal
    may not read it (another sector's record is not there for them)."""
    with db.transaction(principal.name) as tx:
        cls = records.kind_of(kind)
        record = records.get(tx, cls, record_id, include_deleted=True)
        if not allowed(tx, principal, Action.READ, record):
            raise NotFound(cls.__name__, record_id)
        names, shape = _Names(tx), _shape(cls)
        changes = [Change(e, cls.__name__, _named(record), [names.spelled(shape, *d) for d in _differences(e)])
                   for e in records.history(tx, cls, record_id)]  # fmt: skip
        return _named(record), changes


def _named(record: Record) -> str:
    """A record as a person names it: its label field (a name, a reference), else its number."""
    value = getattr(record, record.label_field, None)
    return str(value) if value not in (None, "") else f"#{record.id}"


def _kinds(principal: Principal, asked: str | None) -> list[str]:
    readable = [cls.__name__ for cls in ENTITIES if permits(principal, Action.READ, cls.__name__)]
    if permits(principal, Action.ADMINISTER):
        readable.append(ACCOUNT)
    return [k for k in readable if not asked or k == asked]


def _change(
    tx: Transaction,
    principal: Principal,
    flt: AuditFilter,
    kind: str,
    record_id: int,
    entry_id: int,
    accounts: dict[int, str],
    names: _Names,
) -> Change | None:
    entry = next((e for e in repository.history(tx.session, kind, record_id) if e.id == entry_id), None)
    if entry is None:
        return None
    if kind == ACCOUNT:
        if flt.sector_id is not None:
            return None
        label = accounts.get(record_id, f"#{record_id}")
        return Change(entry, kind, label, [FieldChange(k, b, a) for k, b, a in _differences(entry)])
    try:
        record = records.get(tx, kind, record_id, include_deleted=True)
    except BluehelmetError:
        return None
    if not allowed(tx, principal, Action.READ, record):
        return None
    if flt.sector_id is not None and flt.sector_id not in (sectors_of(tx, record) or set()):
        return None
    shape = _shape(type(record))
    fields = [names.spelled(shape, k, b, a) for k, b, a in _differences(entry)]
    return Change(entry, kind, _named(record), fields)


def _differences(entry: AuditEntry) -> list[tuple[str, JSONValue, JSONValue]]:
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None and entry.action.value == "create":
        return []  # a creation sets every field: the page says how many
    keys = [k for k in after if k not in _STAMPS] + [k for k in before if k not in after and k not in _STAMPS]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


_SHAPES: dict[str, dict[str, tuple[str | None, bool]]] = {}


def _shape(cls: type[Record]) -> dict[str, tuple[str | None, bool]]:
    """Each field: the kind it refers to (None: no reference) and whether it holds a vocabulary."""
    if cls.__name__ in _SHAPES:
        return _SHAPES[cls.__name__]
    hints = typing.get_type_hints(cls)
    shape = {}
    for f in entity_fields(cls):
        target = reference_target(f) or reference_list_target(f)
        hint = hints.get(f.name)
        kinds = typing.get_args(hint) or (hint,)
        vocabulary = any(isinstance(k, type) and issubclass(k, enum.Enum) for k in kinds)
        shape[f.name] = (target, vocabulary)
    _SHAPES[cls.__name__] = shape
    return shape


class _Names:
    """The names of referenced records, looked up once each."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._known: dict[tuple[str, int], str] = {}

    def _name(self, kind: str, value: Any) -> Any:
        if not isinstance(value, int):
            return value
        key = (kind, value)
        if key not in self._known:
            try:
                self._known[key] = _named(records.get(self._tx, kind, value, include_deleted=True))
            except BluehelmetError:
                self._known[key] = f"#{value}"
        return self._known[key]

    def spelled(self, shape: dict[str, tuple[str | None, bool]], name: str, before: Any, after: Any) -> FieldChange:
        target, vocabulary = shape.get(name, (None, False))
        if target is None:
            return FieldChange(name, before, after, vocabulary)
        if isinstance(before, list) or isinstance(after, list):
            return FieldChange(name, [self._name(target, v) for v in before or []],
                               [self._name(target, v) for v in after or []])  # fmt: skip
        return FieldChange(name, self._name(target, before), self._name(target, after))
