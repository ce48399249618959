"""The database tables, derived from the domain's dataclasses, and their ORM mapping.

Each entity's table follows from its fields: Python types give column types, ``ref``/``refs``
metadata gives foreign keys (lists of references are JSON arrays checked by the services),
``natural_keys`` gives unique constraints. The dataclasses stay free of SQLAlchemy: they are
mapped here, imperatively, once when this module is imported.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Time,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.orm import class_mapper, registry
from sqlalchemy.types import TypeEngine

from bluehelmet.domain.alerts import Alert, AlertRule
from bluehelmet.domain.attachments import Attachment
from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.catalogue import ENTITIES, entity_class, entity_name
from bluehelmet.domain.drafts import Draft
from bluehelmet.domain.incidents import TOLL_FIELDS
from bluehelmet.domain.intake import Contact, IntakeMessage
from bluehelmet.domain.records import SYSTEM_FIELDS, Record, reference_target
from bluehelmet.storage.types import GlobalId, StrEnumType, UTCDateTime

R = TypeVar("R", bound=Record)

__all__ = [
    "DAY_INDEX_TAIL",
    "FACETS",
    "FACET_INDEXES",
    "TABLES",
    "audit_block_table",
    "audit_table",
    "metadata",
    "outbox_table",
    "table_of",
    "unsaved",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
mapper_registry = registry(metadata=metadata)

_SCALARS: dict[Any, TypeEngine[Any]] = {
    int: Integer(),
    float: Float(),
    str: String(),
    bool: Boolean(),
    date: Date(),
    time: Time(),
}
# Columns worth an index beyond references: the dates analyses filter on.
_INDEXED = frozenset({"event_date", "start_on", "planned_start", "observed_on", "notified_on", "effective_on"})
# References of a large table that most of its rows leave empty: indexed only where they name a
# record (a lookup by one is all any query asks of them), so the index holds no row of the many
# without (migration 0030: the incidents' operation and own sector are empty in nearly every row).
_SPARSE = {"incident": frozenset({"location_id", "sector_id", "operation_id"})}
# References whose index another one already serves: the incident's mission leads its natural
# key (mission, external id) and every covering index (migration 0030).
_UNINDEXED = {"incident": frozenset({"mission_id"})}


def _column_type(tp: Any) -> tuple[TypeEngine[Any], bool]:
    """The column type for a field's annotation, and whether the column is nullable."""
    nullable = False
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(tp))
        (tp,) = args
    if typing.get_origin(tp) in (list, dict):
        return JSON(), nullable
    if tp is datetime:
        return UTCDateTime(), nullable
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return StrEnumType(tp), nullable
    return _SCALARS[tp], nullable


def _columns(cls: type[Record]) -> list[Column[Any]]:
    hints = typing.get_type_hints(cls)
    unindexed = _SPARSE.get(entity_name(cls), frozenset()) | _UNINDEXED.get(entity_name(cls), frozenset())
    columns: list[Column[Any]] = [Column("id", Integer, primary_key=True, autoincrement=True)]
    for f in dataclasses.fields(cls):
        if f.name == "id":
            continue
        col_type, nullable = _column_type(hints[f.name])
        if f.name == "version":
            nullable = False
        elif f.name in SYSTEM_FIELDS:
            nullable = True
        if f.name == "uid":  # the global identity sync matches records by (0022; PostgreSQL's uuid: 0031)
            columns.append(Column("uid", GlobalId(), nullable=True, index=True, unique=True))
            continue
        target = reference_target(f)
        args: list[Any] = [ForeignKey(f"{entity_name(entity_class(target))}.id")] if target else []
        indexed = (bool(target) or f.name in _INDEXED) and f.name not in unindexed
        columns.append(Column(f.name, col_type, *args, nullable=nullable, index=indexed))
    return columns


def _table(cls: type[Record]) -> Table:
    constraints = [UniqueConstraint(*key) for key in cls.natural_keys]
    table = Table(entity_name(cls), metadata, *_columns(cls), *constraints)
    for name in sorted(_SPARSE.get(table.name, ())):
        named = table.c[name].is_not(None)
        Index(None, table.c[name], sqlite_where=named, postgresql_where=named)
    return table


TABLES: dict[type[Record], Table] = {cls: _table(cls) for cls in ENTITIES}
# Records kept like the others (versioned, audited) but not mission data: no files, no generic API.
TABLES[Draft] = _table(Draft)
TABLES[AlertRule] = _table(AlertRule)
TABLES[Alert] = _table(Alert)

#: Deliveries of alerts beyond the application, written in the transaction that raises the
#: alert and sent afterwards, in order, retried with backoff until each is delivered once.
outbox_table = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alert.id"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("target", String(), nullable=False),
    Column("payload", JSON(), nullable=False),
    Column("created_at", _column_type(datetime)[0], nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", _column_type(datetime)[0], nullable=False),
    Column("delivered_at", _column_type(datetime)[0], nullable=True),
    Column("last_error", String(), nullable=False),
    Index(None, "channel", "target", "delivered_at", "id"),
)
# What arrives from outside (issue 25): evidence files and field messages, audited like the rest.
for _side in (Attachment, Contact, IntakeMessage):
    TABLES[_side] = _table(_side)

audit_table = Table(
    "audit_entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(64), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("action", _column_type(AuditAction)[0], nullable=False),
    Column("version", Integer, nullable=False),
    Column("actor", String(), nullable=False),
    Column("at", _column_type(datetime)[0], nullable=False),
    Column("before", JSON(none_as_null=True), nullable=True),
    Column("after", JSON(none_as_null=True), nullable=True),
    # How before and after are stored (storage/audit_codec.py: full images, a creation without
    # its stamps, a row of an import's block, or only the fields a change changed).
    Column("form", Integer, nullable=False, server_default="0"),
    Column("block_id", Integer, nullable=True),
    Index(None, "entity", "record_id"),
)
#: The creations of one batch of an import, compressed together (append-only like the entries).
audit_block_table = Table(
    "audit_block",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(64), nullable=False),
    Column("data", LargeBinary(), nullable=False),
    # A run (audit_codec.Form.RUN, 0032): its records' ids from first to last, and the run of entry
    # ids their creations were given, in the records' order (the last is the run's stored entry).
    Column("first_record_id", Integer, nullable=True),
    Column("last_record_id", Integer, nullable=True),
    Column("first_entry_id", Integer, nullable=True),
    Column("last_entry_id", Integer, nullable=True),
    Index(None, "entity", "first_record_id", "last_record_id"),
)


# The near-repeat analysis reads every IED of a mission, a tenth of the incidents: an index that
# holds all it reads answers without visiting the table (three times faster on a million).
# Partial, so that it is smaller and a grouping by category never walks it instead of the table.
_NEAR_REPEAT = ("category", "mission_id", "event_date", "deleted_at", "review_status", "latitude", "longitude")
_INCIDENT = TABLES[entity_class("Incident")]
_HAS_CATEGORY = _INCIDENT.c.category.is_not(None)
Index(
    "ix_incident_near_repeat",
    *(_INCIDENT.c[name] for name in (*_NEAR_REPEAT, "location_id")),
    sqlite_where=_HAS_CATEGORY,
    postgresql_where=_HAS_CATEGORY,
)


# The day index holds everything a grouping reads, ordered by the day and then the incident's
# types: a period is read as a range of it, and a grouping of the days with the types adds up
# neighbouring entries instead of sorting the rows (storage/aggregates.py). The place and
# perpetrator indexes ordered the same way, and the place with perpetrator one, were dropped
# (migration 0028): since the rollups of all time (migration 0012) no query of the benchmark
# read them, and they were a fifth of the database (docs/analytics.md).
FACETS = ("event_type", "sub_event_type", "category", "target", "admin1", "admin2")
_COUNTED = ("deleted_at", "review_status")
#: The ordered covering indexes of the incidents: name, and the columns before the ``FACETS``.
FACET_INDEXES = {"ix_incident_day_facets": ("event_date",)}
#: What the day index holds after the tolls, in no useful order: the place, the perpetrator and
#: whether explosives were used, so that a period's range of days is read from the index alone
#: whatever the grouping or filter (without visiting the table, whose rows lie in the order they came).
DAY_INDEX_TAIL = ("location_name", "location_id", "sector_id", "perpetrator", "explosives_used")
for _name, _leading in FACET_INDEXES.items():
    _tail = ("event_date",) if "event_date" not in _leading else ()
    _after = DAY_INDEX_TAIL if _name == "ix_incident_day_facets" else ()
    _indexed = ("mission_id", *_leading, *FACETS, *_tail, *_COUNTED, *TOLL_FIELDS, *_after)
    Index(_name, *(_INCIDENT.c[c] for c in _indexed))
# The drafts, pending review, are few: an analysis of verified incidents takes theirs away from
# the rollups (which count every status but rejected), read through this small partial index of
# the live ones (so a count of them reads the index alone: migration 0029).
_DRAFT = (_INCIDENT.c.review_status == literal_column("'draft'")) & _INCIDENT.c.deleted_at.is_(None)
Index(
    "ix_incident_drafts",
    *(_INCIDENT.c[c] for c in ("mission_id", "event_date")),
    sqlite_where=_DRAFT,
    postgresql_where=_DRAFT,
)


def table_of(cls: type[Record]) -> Table:
    return TABLES[cls]


for _cls, _tbl in TABLES.items():
    mapper_registry.map_imperatively(_cls, _tbl, version_id_col=_tbl.c.version)


def unsaved(cls: type[R], values: Mapping[str, Any]) -> R:
    """A new ``cls`` holding ``values`` (every other field at its default), built without the
    mapping's change tracking: one event per attribute set costs more than the rest of
    building a record. Only for records written by a bulk INSERT, never added to a session."""
    if cls not in _FIELDS:
        _FIELDS[cls] = dataclasses.fields(cls)
    record = class_mapper(cls).class_manager.new_instance()
    own = record.__dict__
    for f in _FIELDS[cls]:
        if f.name in values:
            own[f.name] = values[f.name]
        elif f.default is not dataclasses.MISSING:
            own[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            own[f.name] = f.default_factory()
        else:
            raise TypeError(f"{cls.__name__} needs {f.name}")
    return record


_FIELDS: dict[type[Any], tuple[dataclasses.Field[Any], ...]] = {}
