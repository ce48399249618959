"""Sync between the mission's server and its sector nodes: applying a change, and the server's
side of the protocol (what a node pushes, what it pulls).

A change is applied once: its global id is kept with it, so a change sent again (a sync cut
after the server applied it but before the node heard so) is a no-op. It is applied only if the
record here was last made by the change it was based on (or by one it settles); otherwise it is
a conflict, kept whole (``sync_conflict``) and never applied silently. A change a node may not
make (outside its sector, a kind its sector role may not write) or that breaks a rule is kept
the same way, refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.catalogue import UnknownEntity, entity_class
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord
from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import Record, snapshot
from bluehelmet.domain.sync import Change, Outcome
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.nodes import Node
from bluehelmet.services.parsing import unstorable
from bluehelmet.services.sync_log import KINDS, candidate, capture, change_of_row, global_image, log_change, write_state
from bluehelmet.storage import sync_tables as store
from bluehelmet.storage.types import is_global_id

__all__ = ["MAX_BATCH", "apply_change", "keep_conflict", "pull", "push"]

#: The most changes one push or one pull carries.
MAX_BATCH = 500


def keep_conflict(tx: Transaction, change: Change, reason: str, current: Record | None) -> None:
    """Keep ``change`` unapplied in the conflict list, with the record as it stands here."""
    mine = global_image(tx, type(current), snapshot(current)) if current is not None else None
    store.insert_conflict(tx.session, {
        "change_uid": change.uid, "kind": change.kind, "record_uid": change.record_uid, "node": change.node,
        "reason": reason, "incoming": change.as_json(), "mine": mine, "detected_at": tx.now(),
    })  # fmt: skip


def _outside(tx: Transaction, principal: Principal, cls: type[Record], change: Change, current: Record | None) -> str:
    """Why a node may not make this change (empty if it may)."""
    if not permits(principal, Action.WRITE, cls.__name__):
        return f"a sector node may not change {cls.__name__} records"
    try:
        wanted = candidate(tx, cls, change.after)
    except InvalidRecord as error:
        return str(error)
    if current is not None and not allowed(tx, principal, Action.WRITE, current):
        return "outside the node's sector"
    return "" if allowed(tx, principal, Action.WRITE, wanted) else "outside the node's sector"


def apply_change(tx: Transaction, change: Change, principal: Principal | None = None) -> tuple[Outcome, str]:
    """Apply one change here (checked against ``principal``'s reach when a node sent it)."""
    s = tx.session
    change = replace(change, after={**change.after, "uid": change.record_uid})  # the record's id is the change's
    if store.find_change(s, change.uid) is not None or store.find_conflict(s, change.uid) is not None:
        return Outcome.DUPLICATE, ""
    try:
        if change.kind not in KINDS:
            raise UnknownEntity(change.kind)
        cls = entity_class(change.kind)
        action = AuditAction(change.action)
        if not is_global_id(change.record_uid):
            raise ValueError(f"the record's global id {change.record_uid!r} is not a UUID in its canonical text")
    except (UnknownEntity, ValueError) as error:
        raise BluehelmetError(f"change {change.uid}: {error}") from None
    current = store.by_uid(s, cls, change.record_uid)
    why = _outside(tx, principal, cls, change, current) if principal is not None else ""
    if why:
        keep_conflict(tx, change, f"refused: {why}", current)
        return Outcome.REFUSED, why
    head = store.head_of(s, change.record_uid)
    settles = head is not None and head in change.merges
    if current is not None and head is not None and head != change.base and not settles:
        keep_conflict(tx, change, "stale: the record changed here since the change was made", current)
        return Outcome.CONFLICT, ""
    if current is not None and change.version <= (current.version or 0):
        keep_conflict(tx, change, "stale: the record is at a later version here", current)
        return Outcome.CONFLICT, ""
    try:
        entry = write_state(tx, cls, change.after, version=change.version,
                            actor=change.actor, at=change.at, action=action)  # fmt: skip
    except InvalidRecord as error:
        keep_conflict(tx, change, f"refused: {error}", current)
        return Outcome.REFUSED, str(error)
    assert entry.id is not None
    log_change(tx, change, entry.id)
    if settles:
        opened = [row["id"] for row in store.open_conflicts_of(s, change.record_uid)]
        settled = {"resolution": "settled", "resolved_by": f"{change.actor} ({change.node})",
                   "resolved_change": change.uid}  # fmt: skip
        store.set_conflicts(s, opened, settled, tx.now())
    return Outcome.APPLIED, ""


def push(db: Database, node: Node, changes: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Apply what a node sends, in order, in one transaction; what became of each change."""
    if len(changes) > MAX_BATCH:
        raise BluehelmetError(f"a push carries at most {MAX_BATCH} changes")
    parsed = []
    for n, data in enumerate(changes):
        try:
            parsed.append(Change.from_json(data))
        except (KeyError, TypeError, ValueError) as error:
            raise BluehelmetError(f"changes.{n}: not a change ({error})") from None
        why = unstorable(data.get("after")) or _not_finite(data.get("after"))
        if why:  # kept whole even when refused, so it must be storable as it came
            raise BluehelmetError(f"changes.{n}.after: {why}")
    results = []
    with db.transaction(f"node:{node.name}") as tx:
        capture(tx)  # the server's own changes are in the log before anything is compared with them
        for sent in parsed:
            change = replace(sent, node=node.name)  # made on the node the token is, whatever it says
            outcome, reason = apply_change(tx, change, node.principal)
            results.append({"uid": change.uid, "outcome": outcome.value, "reason": reason})
    return results


def _not_finite(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a number a record can hold"
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return next((why for v in value if (why := _not_finite(v))), None)
    return None


def _mission_of(record: Record) -> int | None:
    if isinstance(record, Mission):
        return record.id
    value = getattr(record, "mission_id", None)
    return int(value) if value is not None else None


def _in_scope(tx: Transaction, node: Node, row: Mapping[str, Any]) -> bool:
    record = store.by_uid(tx.session, entity_class(row["kind"]), row["record_uid"])
    if record is None:
        return False
    mission = _mission_of(record)
    if mission is not None and mission != node.mission_id:
        return False
    return allowed(tx, node.principal, Action.READ, record)


def pull(db: Database, node: Node, since: int, limit: int = MAX_BATCH) -> dict[str, Any]:
    """The changes after the cursor ``since`` that the node may read and did not make itself,
    at most ``limit``, with the cursor to ask from next and whether more may follow."""
    limit = max(1, min(limit, MAX_BATCH))
    with db.transaction(f"node:{node.name}") as tx:
        capture(tx)
    with db.transaction(f"node:{node.name}") as tx:
        rows = store.changes_after(tx.session, since, limit * 4, not_node=node.name)
        out: list[dict[str, Any]] = []
        cursor = since
        for row in rows:
            cursor = int(row["id"])
            if _in_scope(tx, node, row):
                out.append(change_of_row(row).as_json())
                if len(out) >= limit:
                    break
        more = bool(store.changes_after(tx.session, cursor, 1, not_node=node.name))
        return {"changes": out, "cursor": cursor, "more": more}
