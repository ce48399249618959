"""The ways a change to the mission record can be refused, each with a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BluehelmetError",
    "DatabaseUnavailable",
    "InvalidRecord",
    "NotFound",
    "Problem",
    "StaleVersion",
    "WriteConflict",
]


class BluehelmetError(Exception):
    """Base of every refusal the product reports to a user (never a traceback)."""


@dataclass(frozen=True)
class Problem:
    """One reason a record was refused: which record, which field, why."""

    record: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.reason}"


class InvalidRecord(BluehelmetError):
    """A record breaks one or more rules; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class NotFound(BluehelmetError):
    """No record of that kind has that id (or it is deleted where a live one is needed)."""

    def __init__(self, entity: str, record_id: int, *, deleted: bool = False) -> None:
        self.entity = entity
        self.record_id = record_id
        state = "is deleted" if deleted else "does not exist"
        super().__init__(f"{entity} #{record_id} {state}")


class StaleVersion(BluehelmetError):
    """The change was based on an older version of the record; it was refused, not merged."""

    def __init__(self, label: str, expected: int | None, current: dict[str, Any]) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"{label}: version {expected} is stale, the record is now at version "
            f"{current.get('version')}; reload it and apply the change again"
        )


class WriteConflict(BluehelmetError):
    """The database refused the write (another change got there first, or a rule of the schema)."""


class DatabaseUnavailable(BluehelmetError):
    """The database cannot be reached or has no bluehelmet schema yet."""
