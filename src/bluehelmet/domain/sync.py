"""What travels between the mission's server and its sector nodes: changes, and the conflicts
between them (pure: no I/O).

A change is one audited change to one record, named by a global id of its own, and carrying the
record whole as it stood after the change, its references given as the global ids of the
records they point to (local ids differ from one database to another). It names the change it
was based on (``base``) and, when a person resolved a conflict, the changes it settles
(``merges``). A database applies a change only if the record as it holds it was made by one of
those; otherwise the change is a conflict, kept for a person to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bluehelmet.domain.records import JSONValue

__all__ = [
    "BOOKKEEPING",
    "SERVER_NODE",
    "Change",
    "Keep",
    "Outcome",
    "differing_fields",
    "merged",
]

#: The name the server's own changes carry (a node may not take it).
SERVER_NODE = "server"
#: Fields of an after-image that say who and when, not what: never offered to merge.
BOOKKEEPING = frozenset({"id", "uid", "version", "created_at", "created_by", "updated_at", "updated_by"})


class Outcome(StrEnum):
    """What a database did with a change it was sent."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # already applied or already kept as a conflict: nothing done again
    CONFLICT = "conflict"  # based on a state that is no longer current: kept, not applied
    REFUSED = "refused"  # outside the sender's sector, or broken: kept, not applied


class Keep(StrEnum):
    """A person's choice for a field (or a whole record) in conflict."""

    MINE = "mine"
    THEIRS = "theirs"


@dataclass(frozen=True, kw_only=True)
class Change:
    uid: str
    kind: str
    record_uid: str
    action: str
    version: int
    after: dict[str, JSONValue]
    actor: str
    node: str
    at: datetime
    base: str | None = None
    merges: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid, "kind": self.kind, "record_uid": self.record_uid, "action": self.action,
            "version": self.version, "after": self.after, "actor": self.actor, "node": self.node,
            "at": self.at.isoformat(), "base": self.base, "merges": list(self.merges),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            uid=str(data["uid"]), kind=str(data["kind"]), record_uid=str(data["record_uid"]),
            action=str(data["action"]), version=int(data["version"]), after=dict(data["after"]),
            actor=str(data["actor"]), node=str(data["node"]), at=datetime.fromisoformat(str(data["at"])),
            base=None if data.get("base") is None else str(data["base"]),
            merges=tuple(str(m) for m in data.get("merges") or ()),
        )  # fmt: skip


def differing_fields(mine: Mapping[str, Any] | None, theirs: Mapping[str, Any] | None) -> list[str]:
    """The fields (bookkeeping aside) whose values differ between two after-images, in order."""
    a, b = mine or {}, theirs or {}
    names = [*a, *(k for k in b if k not in a)]
    return [n for n in names if n not in BOOKKEEPING and a.get(n) != b.get(n)]


def merged(
    mine: Mapping[str, Any] | None, theirs: Mapping[str, Any], choices: Mapping[str, Keep], default: Keep
) -> dict[str, Any]:
    """The record a person settled on: each field from the side chosen for it, else ``default``."""
    base = dict(theirs if default == Keep.THEIRS or mine is None else mine)
    for name, side in choices.items():
        source = theirs if side == Keep.THEIRS or mine is None else mine
        if name in source and name not in BOOKKEEPING:
            base[name] = source[name]
    return base
