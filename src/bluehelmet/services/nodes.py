"""Sector nodes, on the server: issued by an admin for one sector, each with a token of its own.

A node token is 32 random bytes shown once (``bhn_...``), kept only as its SHA-256 digest, like
an API token (``services.accounts``); a revoked node is refused from then on. A node speaks as a
sector principal of its sector: it reads and writes what a sector account of that sector may.
Every change to a node is written to the audit history in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.places import Sector
from bluehelmet.domain.sync import SERVER_NODE
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.storage import repository
from bluehelmet.storage import sync_tables as store

__all__ = ["PREFIX", "Node", "add_node", "list_nodes", "node_for_token", "revoke_node"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
PREFIX = "bhn_"


@dataclass(frozen=True)
class Node:
    name: str
    sector_id: int
    sector: str
    sector_uid: str
    mission_id: int
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None

    @property
    def principal(self) -> Principal:
        """What the node may reach: what a sector account of its sector may."""
        return Principal(f"node:{self.name}", Role.SECTOR, self.sector_id)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _node(tx: Transaction, row: dict[str, Any]) -> Node:
    sector = repository.get(tx.session, Sector, row["sector_id"])
    assert isinstance(sector, Sector)
    return Node(row["name"], row["sector_id"], sector.name, sector.uid, sector.mission_id, row["created_at"],
                row["revoked_at"], row["last_seen_at"])  # fmt: skip


def _audit(tx: Transaction, node_id: int, action: AuditAction, after: dict[str, Any]) -> None:
    repository.append_audit(tx.session, AuditEntry(entity="SyncNode", record_id=node_id, action=action, version=1,
                                                   actor=tx.actor, at=tx.now(), before=None, after=after))  # fmt: skip


def add_node(db: Database, actor: str, name: str, sector: str, *, mission: str | None = None) -> tuple[Node, str]:
    """Issue a node for ``sector``; its token is returned this once."""
    if not _NAME.fullmatch(name) or name == SERVER_NODE:
        raise BluehelmetError(f"a node name is 1 to 100 letters, digits, '.', '_' or '-' (not {SERVER_NODE!r})")
    token = PREFIX + secrets.token_urlsafe(32)
    with db.transaction(actor) as tx:
        if store.find_node(tx.session, name=name) is not None:
            raise BluehelmetError(f"there is already a node {name!r}")
        mission_id = find_mission(tx, mission).id
        found = repository.find(tx.session, Sector, {"mission_id": mission_id, "name": sector})
        if not found or found[0].is_deleted:
            raise BluehelmetError(f"no sector {sector!r}")
        values = {"name": name, "sector_id": found[0].id, "token_digest": _digest(token), "created_at": tx.now(),
                  "created_by": tx.actor}  # fmt: skip
        node_id = store.insert_node(tx.session, values)
        _audit(tx, node_id, AuditAction.CREATE, {"name": name, "sector_id": found[0].id})
        return _node(tx, {**values, "revoked_at": None, "last_seen_at": None}), token


def revoke_node(db: Database, actor: str, name: str) -> Node:
    """Refuse the node's token from now on (what it already sent stays)."""
    with db.transaction(actor) as tx:
        row = store.find_node(tx.session, name=name)
        if row is None:
            raise BluehelmetError(f"no node {name!r}")
        at = row["revoked_at"] or tx.now()
        store.set_node(tx.session, row["id"], {"revoked_at": at})
        _audit(tx, row["id"], AuditAction.UPDATE, {"revoked_at": at.isoformat()})
        return _node(tx, {**row, "revoked_at": at})


def list_nodes(db: Database, actor: str) -> list[Node]:
    with db.transaction(actor) as tx:
        return [_node(tx, row) for row in store.node_rows(tx.session)]


def node_for_token(db: Database, token: str) -> Node | None:
    """The live node a token belongs to (and it is seen now), or None."""
    if not token.startswith(PREFIX):
        return None
    with db.transaction("node") as tx:
        row = store.find_node(tx.session, digest=_digest(token))
        if row is None or row["revoked_at"] is not None:
            return None
        store.set_node(tx.session, row["id"], {"last_seen_at": tx.now()})
        return _node(tx, row)
