"""The change log a database keeps for sync, and how a change is written into a database.

Every audited change to a record is *captured* into the log (``sync_change``) with a global
change id, the change it was based on (the record's last change here) and the record after it,
its references turned into the global ids of the records they point to. Capture reads the audit
history, so every way a record changes (pages, API, imports, the CLI) is in the log, and a
change written by sync itself is logged as it is written, under its own change id.

:func:`write_state` puts a record as a change or a person's resolution says it stands: checked by
the rules, the incident rollups kept in step, and audited under the change's author and time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from bluehelmet.domain import rules
from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.catalogue import ENTITIES, entity_class
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, Problem, WriteConflict
from bluehelmet.domain.places import Location
from bluehelmet.domain.records import (
    Record,
    entity_fields,
    new_uid,
    reference_list_target,
    reference_target,
    snapshot,
)
from bluehelmet.domain.sync import SERVER_NODE, Change
from bluehelmet.services.database import Transaction
from bluehelmet.services.parsing import parse_values
from bluehelmet.services.records import rule_context
from bluehelmet.storage import repository, rollups
from bluehelmet.storage import sync_tables as store

__all__ = [
    "KINDS",
    "candidate",
    "capture",
    "change_of_row",
    "global_image",
    "local_node",
    "log_change",
    "made_on_nodes",
    "write_state",
]

#: The kinds of record that sync (drafts of the letter and accounts stay on their own database).
KINDS = tuple(cls.__name__ for cls in ENTITIES)
_STAMPS = ("created_at", "created_by", "deleted_at", "deleted_by")
_BATCH = 500


def made_on_nodes(tx: Transaction, kind: str, records: Sequence[Record]) -> set[str]:
    """The uids of ``records`` created on a node other than this database's own (a sector node's
    push, as the review queue shows its source)."""
    uids = [str(uid) for r in records if (uid := getattr(r, "uid", None))]
    return store.created_elsewhere(tx.session, kind, uids, local_node(tx))


def local_node(tx: Transaction) -> str:
    """The name this database's own changes carry: its node's name, or the server's."""
    peer = store.find_peer(tx.session)
    return str(peer["node"]) if peer else SERVER_NODE


def _targets(cls: type[Record]) -> list[tuple[str, type[Record], bool]]:
    found = []
    for f in entity_fields(cls):
        single, many = reference_target(f), reference_list_target(f)
        if single or many:
            found.append((f.name, entity_class(str(single or many)), many is not None))
    return found


def global_image(
    tx: Transaction, cls: type[Record], after: Mapping[str, Any], known: dict[tuple[str, int], str | None] | None = None
) -> dict[str, Any]:
    """An after-image (local ids) with its references as global ids, without the local id
    (``known``: the global ids already looked up, kept across the calls of one capture)."""
    seen = {} if known is None else known

    def uid(target: type[Record], record_id: int) -> str | None:
        key = (target.__name__, record_id)
        if key not in seen:
            seen[key] = store.uid_of(tx.session, target, record_id)
        return seen[key]

    image = {k: v for k, v in after.items() if k != "id"}
    for name, target, many in _targets(cls):
        value = image.get(name)
        if many:
            image[name] = [uid(target, int(i)) for i in value or []]
        elif value is not None:
            image[name] = uid(target, int(value))
    return image


def _local_values(tx: Transaction, cls: type[Record], image: Mapping[str, Any]) -> dict[str, Any]:
    """The user-set fields of a global after-image, typed, with references as local ids; a
    reference to a record this database does not hold is refused, naming the field."""
    data = {f.name: image[f.name] for f in entity_fields(cls) if f.name in image}
    for name, target, many in _targets(cls):
        wanted = data.get(name)
        uids = list(wanted or []) if many else ([] if wanted is None else [wanted])
        ids = []
        for uid in uids:
            found = store.by_uid(tx.session, target, str(uid))
            if found is None:
                why = f"refers to a {target.__name__} this database does not hold"
                raise InvalidRecord([Problem(f"{cls.__name__} {image.get('uid')}", name, why)])
            ids.append(found.id)
        data[name] = ids if many else (ids[0] if ids else None)
    return parse_values(cls, data)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def candidate(tx: Transaction, cls: type[Record], image: Mapping[str, Any]) -> Record:
    """The record a global after-image describes, built (not stored), for the scope checks."""
    record = cls(**_local_values(tx, cls, image))
    record.uid = str(image["uid"])
    return record


def write_state(
    tx: Transaction, cls: type[Record], image: Mapping[str, Any], *, version: int, actor: str, at: datetime,
    action: AuditAction,
) -> AuditEntry:  # fmt: skip
    """Make the record ``image`` describes stand as it says, at ``version``, by ``actor`` at ``at``.

    Refused (InvalidRecord) if a rule breaks or a reference is missing; nothing is written then.
    Returns the audit entry written (its id set)."""
    uid = str(image["uid"])
    values = _local_values(tx, cls, image)
    current = store.by_uid(tx.session, cls, uid)
    before: Record | None = None
    if current is not None:
        before = cls(**{f.name: getattr(current, f.name) for f in entity_fields(cls)})
        before.id = current.id
    checked = cls(**values)
    checked.id = current.id if current is not None else None
    problems = rules.check(checked, rule_context(tx), before)
    if problems:
        raise InvalidRecord(problems)
    old_image = snapshot(current) if current is not None else None
    counted = rollups.contribution(current, tx.sector_of) if current is not None else None
    record = current if current is not None else cls(**values)
    old_sector = getattr(current, "sector_id", None)
    for name, value in values.items():
        setattr(record, name, value)
    record.uid = uid
    for name in _STAMPS:
        value = image.get(name)
        setattr(record, name, _when(value) if name.endswith("_at") else value)
    record.created_at = record.created_at or at
    record.created_by = record.created_by or actor
    record.updated_at, record.updated_by = at, actor
    if current is None:
        tx.session.add(record)
        tx.session.flush()
        if version != 1:
            store.force_version(tx.session, record, version)
    else:
        if version <= (current.version or 0):
            raise BluehelmetError(f"{cls.__name__} {uid}: a change cannot keep or lower the version")
        record.version = version
        try:
            tx.session.flush()
        except StaleDataError:  # someone changed the record meanwhile: this sync is tried again
            raise WriteConflict(f"{cls.__name__} {uid} changed while it was being synced; sync again") from None
    rollups.add_delta(tx.rollup, counted, -1)
    rollups.add_delta(tx.rollup, rollups.contribution(record, tx.sector_of), 1)
    if isinstance(record, Location) and current is not None and old_sector != record.sector_id:
        rollups.moved_location(tx.session, tx.rollup, record.id or 0, old_sector, record.sector_id)
        tx.location_sectors[record.id or 0] = record.sector_id
    assert record.id is not None
    entry = AuditEntry(entity=cls.__name__, record_id=record.id, action=action, version=version, actor=actor, at=at,
                       before=old_image, after=snapshot(record))  # fmt: skip
    repository.append_audit(tx.session, entry)
    tx.session.flush()
    return entry


def log_change(tx: Transaction, change: Change, audit_id: int) -> None:
    """Keep ``change`` in the log as applied here as the audit entry ``audit_id``."""
    store.insert_change(tx.session, {
        "change_uid": change.uid, "kind": change.kind, "record_uid": change.record_uid, "action": change.action,
        "version": change.version, "base_change": change.base, "merges": list(change.merges) or None,
        "after": change.after, "actor": change.actor, "node": change.node, "at": change.at, "audit_id": audit_id,
    })  # fmt: skip


def change_of_row(row: Mapping[str, Any]) -> Change:
    """A row of the log as the change it keeps."""
    return Change(
        uid=row["change_uid"], kind=row["kind"], record_uid=row["record_uid"], action=row["action"],
        version=int(row["version"]), after=dict(row["after"]), actor=row["actor"], node=row["node"], at=row["at"],
        base=row["base_change"], merges=tuple(row["merges"] or ()),
    )  # fmt: skip


def capture(tx: Transaction) -> int:
    """Log every audited change not yet logged (oldest first); how many were logged.

    Takes the log for this transaction (PostgreSQL) so log rows commit in the order of their ids."""
    store.serialise_log(tx.session)
    node = local_node(tx)
    logged = 0
    known: dict[tuple[str, int], str | None] = {}
    while entries := store.uncaptured_audit(tx.session, _BATCH, KINDS):
        for entry in entries:
            cls = entity_class(entry.entity)
            after = dict(entry.after or {})
            uid = (
                after.get("uid")
                or store.uid_of(tx.session, cls, entry.record_id)
                or f"{entry.entity}:{entry.record_id}"
            )
            after["uid"] = uid
            image = global_image(tx, cls, after, known)
            change = Change(uid=new_uid(), kind=entry.entity, record_uid=str(uid), action=str(entry.action.value),
                            version=entry.version, after=image, actor=entry.actor, node=node, at=entry.at,
                            base=store.head_of(tx.session, str(uid)))  # fmt: skip
            assert entry.id is not None
            log_change(tx, change, entry.id)
            logged += 1
    return logged
