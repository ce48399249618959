"""What every record of the mission has in common, and how its fields are described.

Each entity is a keyword-only dataclass deriving from :class:`Record`. Its fields carry the
metadata the rest of the system needs (which entity a field refers to, which fields form a
natural key), so that storage, services and later the API derive their shape from this one
declaration instead of repeating it.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any, ClassVar

__all__ = [
    "SYSTEM_FIELDS",
    "JSONValue",
    "Record",
    "entity_fields",
    "field_values",
    "json_value",
    "new_uid",
    "ref",
    "reference_list_target",
    "reference_target",
    "refs",
    "snapshot",
]

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]

#: Fields kept by the system for every record; never set by a user.
SYSTEM_FIELDS = (
    "id",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "deleted_at",
    "deleted_by",
    "uid",
)


def new_uid() -> str:
    """A global identity for a new record: the same on the server and on every sector node."""
    return str(uuid.uuid4())


def ref(entity: str, *, optional: bool = False) -> Any:
    """A field holding the id of one record of ``entity`` (checked to exist when written).

    Required unless ``optional``, in which case it defaults to None.
    """
    if optional:
        return field(default=None, metadata={"ref": entity})
    return field(metadata={"ref": entity})


def refs(entity: str) -> Any:
    """A field holding a list of ids of records of ``entity`` (each checked to exist)."""
    return field(default_factory=list, metadata={"refs": entity})


def reference_target(f: dataclasses.Field[Any]) -> str | None:
    """The entity a single-reference field points to, or None."""
    target = f.metadata.get("ref")
    return str(target) if target else None


def reference_list_target(f: dataclasses.Field[Any]) -> str | None:
    """The entity a reference-list field points to, or None."""
    target = f.metadata.get("refs")
    return str(target) if target else None


@dataclass(kw_only=True)
class Record:
    """Bookkeeping shared by every record: identity, optimistic-lock version, who and when.

    ``version`` starts at 1 on insert and grows by one with every accepted change; a change
    that carries any other version is refused as stale. ``deleted_at`` marks a soft delete.
    """

    #: Fields that together identify a record in the field's own terms (a database constraint).
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: The field that names a record to a person, used in messages.
    label_field: ClassVar[str] = "name"

    id: int | None = None
    version: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    #: The record's global identity (a UUID), beside the local ``id``: the same on the server
    #: and on every sector node that holds the record (sync matches records by it).
    uid: str = field(default_factory=new_uid)
    #: Where the record comes from: a document and paragraph, a file, or "illustrative" for a
    #: record made up to match a total that the source gives without its parts.
    provenance: str = ""

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def label(self) -> str:
        """How a person recognises this record: its label field, then its id."""
        value = getattr(self, self.label_field, None)
        ident = f"#{self.id}" if self.id is not None else "(new)"
        return f"{type(self).__name__} {ident}" + (f" '{value}'" if value not in (None, "") else "")


def entity_fields(cls: type[Record]) -> tuple[dataclasses.Field[Any], ...]:
    """The fields a user sets on ``cls`` (everything but the system bookkeeping), worked out
    once per class: the rules ask for them for every record they check."""
    found = _ENTITY_FIELDS.get(cls)
    if found is None:
        found = _ENTITY_FIELDS[cls] = tuple(f for f in dataclasses.fields(cls) if f.name not in SYSTEM_FIELDS)
    return found


_ENTITY_FIELDS: dict[type[Any], tuple[dataclasses.Field[Any], ...]] = {}


_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> JSONValue:
    if type(value) in _PLAIN:  # the common case first (a subclass, such as an enum, is not plain)
        return value  # type: ignore[no-any-return]
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot represent {type(value).__name__} in a snapshot")


def json_value(value: Any) -> JSONValue:
    """One field value as a snapshot holds it (a choice as its text, a date in ISO form)."""
    return _jsonable(value)


def snapshot(record: Record) -> dict[str, JSONValue]:
    """The record as plain JSON values, as the audit history keeps it."""
    plain = _PLAIN  # most values are already JSON values: no call for them
    return {name: value if type(value) in plain else _jsonable(value) for name, value in field_values(record).items()}


_NAMES: dict[type[Any], tuple[str, ...]] = {}


def field_values(record: Record) -> dict[str, Any]:
    """Every field of ``record`` by name. Values already in the instance's own dictionary are
    read from it (an ORM-mapped record keeps its loaded values there; reading them by attribute
    costs a descriptor call each); any other, such as an expired one, by attribute."""
    cls = type(record)
    if cls not in _NAMES:
        _NAMES[cls] = tuple(f.name for f in dataclasses.fields(record))
    own = record.__dict__
    return {name: own[name] if name in own else getattr(record, name) for name in _NAMES[cls]}
