"""The audit history: one append-only entry for every change to any record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bluehelmet.domain.records import JSONValue

__all__ = ["AuditAction", "AuditEntry"]


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


@dataclass(kw_only=True)
class AuditEntry:
    """Who did what to which record and when, with the record before and after.

    ``before`` is None for a creation; ``after`` is the record as it stood once the change
    was applied (for a soft delete, with its deletion marks).
    """

    id: int | None = None
    entity: str
    record_id: int
    action: AuditAction
    version: int
    actor: str
    at: datetime
    before: dict[str, JSONValue] | None = None
    after: dict[str, JSONValue] | None = None
