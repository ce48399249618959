"""The conflicts a database keeps, side by side, and their resolution by a person.

A record in conflict shows, field by field, the record as it stands here ("mine") and as the
latest change that could not be applied has it ("theirs"). A person keeps one, or picks field by
field; the result is written as a new change (audited, under the person's name) that names
every change it settles, so the other side applies it and closes its own conflict too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.catalogue import entity_class
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import JSONValue, new_uid, snapshot
from bluehelmet.domain.sync import Change, Keep, differing_fields, merged
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.sync_log import capture, global_image, local_node, log_change, write_state
from bluehelmet.storage import sync_tables as store

__all__ = ["Conflict", "FieldPair", "list_conflicts", "resolve"]


@dataclass(frozen=True)
class FieldPair:
    name: str
    mine: JSONValue
    theirs: JSONValue
    differs: bool


@dataclass(frozen=True)
class Conflict:
    """The open conflicts of one record, as a person decides on them."""

    kind: str
    record_uid: str
    label: str
    reasons: list[str]
    nodes: list[str]
    changes: list[str]
    detected_at: datetime
    fields: list[FieldPair]
    theirs_by: str
    theirs_at: str


def _visible(tx: Transaction, principal: Principal | None, kind: str, uid: str) -> bool:
    record = store.by_uid(tx.session, entity_class(kind), uid)
    return principal is None or record is None or allowed(tx, principal, Action.READ, record)


def _conflict(tx: Transaction, rows: list[dict[str, Any]]) -> Conflict:
    last = rows[-1]
    theirs = dict(last["incoming"]["after"])
    cls = entity_class(last["kind"])
    current = store.by_uid(tx.session, cls, last["record_uid"])
    mine = global_image(tx, cls, snapshot(current)) if current is not None else None
    differ = set(differing_fields(mine, theirs))
    names = [n for n in [*(mine or {}), *(k for k in theirs if k not in (mine or {}))] if n not in ("id", "uid")]
    pairs = [FieldPair(n, (mine or {}).get(n), theirs.get(n), n in differ) for n in names]
    label = current.label() if current is not None else f"{last['kind']} {last['record_uid']}"
    return Conflict(last["kind"], last["record_uid"], label, [r["reason"] for r in rows], [r["node"] for r in rows],
                    [r["change_uid"] for r in rows], rows[0]["detected_at"], pairs, str(last["incoming"]["actor"]),
                    str(last["incoming"]["at"]))  # fmt: skip


def list_conflicts(db: Database, actor: str, principal: Principal | None = None) -> list[Conflict]:
    """Every record with open conflicts that ``principal`` may read, oldest first."""
    with db.transaction(actor) as tx:
        by_record: dict[str, list[dict[str, Any]]] = {}
        for row in store.conflict_rows(tx.session):
            by_record.setdefault(row["record_uid"], []).append(row)
        return [_conflict(tx, rows) for uid, rows in by_record.items() if _visible(tx, principal, rows[0]["kind"], uid)]


def resolve(
    db: Database, actor: str, record_uid: str, keep: Keep, fields: Mapping[str, Keep] | None = None,
    principal: Principal | None = None,
) -> Change | None:  # fmt: skip
    """Settle the open conflicts of a record: keep mine, keep theirs, or (``fields``) pick field
    by field, the rest from ``keep``. Written as a new change, audited under ``actor`` (None when
    there is nothing to write: keeping "mine" of a record this database does not hold)."""
    with db.transaction(actor) as tx:
        capture(tx)
        rows = store.open_conflicts_of(tx.session, record_uid)
        if not rows or not _visible(tx, principal, rows[0]["kind"], record_uid):
            raise BluehelmetError(f"no open conflict on record {record_uid}")
        cls = entity_class(rows[0]["kind"])
        theirs = dict(rows[-1]["incoming"]["after"])
        current = store.by_uid(tx.session, cls, record_uid)
        mine = global_image(tx, cls, snapshot(current)) if current is not None else None
        if current is None and keep == Keep.MINE and not fields:
            # Nothing here to keep (a record refused on arrival): the conflict is closed, the
            # change it holds stays in the list, and nothing is written.
            store.set_conflicts(tx.session, [r["id"] for r in rows],
                                {"resolution": keep.value, "resolved_by": actor}, tx.now())  # fmt: skip
            return None
        image = merged(mine, theirs, fields or {}, keep)
        image["uid"] = record_uid
        versions = [int(r["incoming"]["version"]) for r in rows] + [current.version or 0 if current else 0]
        version = max(versions) + 1
        action = AuditAction.UPDATE if current is not None else AuditAction.CREATE
        at = tx.now()
        entry = write_state(tx, cls, image, version=version, actor=actor, at=at, action=action)
        change = Change(uid=new_uid(), kind=cls.__name__, record_uid=record_uid, action=action.value, version=version,
                        after=global_image(tx, cls, entry.after or {}), actor=actor, node=local_node(tx), at=at,
                        base=store.head_of(tx.session, record_uid),
                        merges=tuple(r["change_uid"] for r in rows))  # fmt: skip
        assert entry.id is not None
        log_change(tx, change, entry.id)
        how = keep.value if not fields else "merge"
        store.set_conflicts(tx.session, [r["id"] for r in rows],
                            {"resolution": how, "resolved_by": actor, "resolved_change": change.uid}, at)  # fmt: skip
        return change
