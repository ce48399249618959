"""Column types that keep the domain's values intact on both SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["GlobalId", "StrEnumType", "UTCDateTime", "is_global_id"]


def is_global_id(value: object) -> bool:
    """Whether ``value`` is a record's global id as bluehelmet writes it: a UUID in its canonical
    text (36 characters, lower case, with hyphens), the form every backend gives back."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


class StrEnumType(TypeDecorator[StrEnum]):
    """Stores a StrEnum by its value and gives the member back.

    A plain string column (no database enum or CHECK), so that adding a member to the
    vocabulary needs no migration; the services refuse values outside it.
    """

    impl = String(64)
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum_class(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_class(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC: stored without zone (SQLite has none), always returned zone-aware."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class GlobalId(TypeDecorator[str]):
    """A record's global id (the uid sync matches records by): text on SQLite, PostgreSQL's own
    ``uuid`` (16 bytes instead of 37, and half the index: migration 0031). Either way the
    services put in and get back the same canonical text; PostgreSQL refuses any other."""

    impl = String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=False))
        return dialect.type_descriptor(String(36))

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql" or is_global_id(value):
            return value if value is None else str(value)
        raise ValueError(f"a global id must be a UUID in its canonical text, not {value!r}")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)
