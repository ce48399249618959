"""A sector node's side of sync: joining the mission's server, and each sync after that.

A sync pushes the node's own changes (oldest first, a batch at a time), then pulls the server's
changes for the node's scope. Every step commits only once what it received is applied: the
push cursor moves once the server has answered for a batch (a batch sent again is answered
"duplicate" change by change), the pull cursor moves in the transaction that applies the
changes pulled. A sync cut anywhere (connection dropped, process killed, laptop off) resumes
from the cursors with nothing lost and nothing applied twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bluehelmet.domain.catalogue import entity_class
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.sync import Change, Outcome
from bluehelmet.services.database import Database
from bluehelmet.services.sync import MAX_BATCH, apply_change, keep_conflict
from bluehelmet.services.sync_log import capture, change_of_row
from bluehelmet.storage import sync_tables as store

__all__ = ["BATCH", "SyncResult", "every", "join", "status", "sync"]

#: Changes per request (the server takes at most ``MAX_BATCH``).
BATCH = 200
assert BATCH <= MAX_BATCH
#: The most bytes of changes one push carries (the server refuses a body past ``request_limit_kb``).
PUSH_BYTES = 512 * 1024
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class SyncResult:
    pushed: int
    pulled: int
    conflicts: int

    def as_json(self) -> dict[str, int]:
        return {"pushed": self.pushed, "pulled": self.pulled, "conflicts": self.conflicts}


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise BluehelmetError(
            f"cannot reach the server at {client.base_url}: {error or type(error).__name__}"
        ) from None
    if response.status_code in (401, 403):
        raise BluehelmetError("the server refused the node token (unknown or revoked)")
    if response.status_code != 200:
        detail = response.text[:200].replace("\n", " ")
        raise BluehelmetError(f"the server answered {response.status_code} to {path}: {detail}")
    try:
        body = response.json()
    except ValueError:
        raise BluehelmetError(f"the server's answer to {path} is not JSON") from None
    if not isinstance(body, dict):
        raise BluehelmetError(f"the server's answer to {path} is not a JSON object")
    return body


def _client(url: str, token: str, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=_TIMEOUT,
                        transport=transport, follow_redirects=False)  # fmt: skip


def join(
    db: Database, actor: str, server_url: str, token: str, *, transport: httpx.BaseTransport | None = None
) -> SyncResult:
    """Bind this database to the server as the node the token was issued for, and fill it with
    the node's scope (a first sync). Joining the same server again just syncs."""
    if not server_url.startswith(("http://", "https://")):
        raise BluehelmetError(f"the server URL must start with http:// or https:// (got {server_url!r})")
    db.init_schema()
    with _client(server_url, token, transport) as client:
        info = _call(client, "GET", "/api/sync/node")
    with db.transaction(actor) as tx:
        peer = store.find_peer(tx.session)
        if peer is not None and (peer["node"] != info["name"] or peer["server_url"] != server_url.rstrip("/")):
            raise BluehelmetError(f"this database is already the node {peer['node']!r} of {peer['server_url']}")
        if peer is None:
            store.insert_peer(tx.session, {
                "node": str(info["name"]), "server_url": server_url.rstrip("/"), "token": token,
                "sector_uid": str(info["sector_uid"]), "pull_cursor": 0, "push_cursor": 0, "joined_at": tx.now(),
            })  # fmt: skip
        else:
            store.set_peer(tx.session, {"token": token})
    return sync(db, actor, transport=transport)


def _within(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first rows whose changes together stay under ``limit`` bytes of JSON (at least one):
    a push of long texts stays under the server's request limit (1 MiB by default)."""
    size = 0
    for n, row in enumerate(rows):
        size += len(json.dumps(change_of_row(row).as_json(), default=str)) + 2
        if size > limit and n > 0:
            return rows[:n]
    return rows


def _push(db: Database, actor: str, client: httpx.Client, conflicted: set[str]) -> int:
    pushed = 0
    while True:
        with db.transaction(actor) as tx:
            peer = store.find_peer(tx.session)
            assert peer is not None
            rows = store.changes_after(tx.session, peer["push_cursor"], BATCH, node=peer["node"])
        if not rows:
            return pushed
        rows = _within(rows, PUSH_BYTES)
        changes = [change_of_row(r) for r in rows]
        answer = _call(client, "POST", "/api/sync/push", json={"changes": [c.as_json() for c in changes]})
        results = {str(r.get("uid")): r for r in answer.get("results") or [] if isinstance(r, dict)}
        with db.transaction(actor) as tx:
            for change in changes:
                result = results.get(change.uid)
                if result is None:
                    raise BluehelmetError(f"the server did not answer for change {change.uid}")
                outcome = Outcome(result["outcome"])
                pushed += outcome == Outcome.APPLIED
                if outcome in (Outcome.CONFLICT, Outcome.REFUSED):
                    conflicted.add(change.record_uid)
                if outcome == Outcome.REFUSED and store.find_conflict(tx.session, change.uid) is None:
                    current = store.by_uid(tx.session, entity_class(change.kind), change.record_uid)
                    keep_conflict(tx, change, f"refused by the server: {result.get('reason') or ''}", current)
            store.set_peer(tx.session, {"push_cursor": rows[-1]["id"]})


def _pull(db: Database, actor: str, client: httpx.Client, conflicted: set[str]) -> int:
    pulled = 0
    while True:
        with db.transaction(actor) as tx:
            peer = store.find_peer(tx.session)
            assert peer is not None
            since = int(peer["pull_cursor"])
        answer = _call(client, "GET", "/api/sync/pull", params={"since": since, "limit": BATCH})
        with db.transaction(actor) as tx:
            capture(tx)  # what was changed here meanwhile is compared with what arrives
            for data in answer.get("changes") or []:
                change = Change.from_json(data)
                outcome, _ = apply_change(tx, change)
                pulled += outcome == Outcome.APPLIED
                if outcome in (Outcome.CONFLICT, Outcome.REFUSED):
                    conflicted.add(change.record_uid)
            store.set_peer(tx.session, {"pull_cursor": int(answer["cursor"]), "synced_at": tx.now()})
        if not answer.get("more"):
            return pulled


def sync(db: Database, actor: str, *, transport: httpx.BaseTransport | None = None) -> SyncResult:
    """Push this node's changes, then pull the server's; what moved and how many records are in
    conflict after this sync's exchanges."""
    with db.transaction(actor) as tx:
        peer = store.find_peer(tx.session)
        if peer is None:
            raise BluehelmetError("this database is not a sector node: run 'bluehelmet node join URL --token T' first")
        capture(tx)
    conflicted: set[str] = set()
    with _client(peer["server_url"], peer["token"], transport) as client:
        pushed = _push(db, actor, client, conflicted)
        pulled = _pull(db, actor, client, conflicted)
    if pulled:  # what arrived may trigger the node's alert rules, as a local write does
        from bluehelmet.services import watch  # noqa: PLC0415 - watch reads missions through loading

        watch.after_changes(db, actor, watch.RULES_READING)
    return SyncResult(pushed, pulled, len(conflicted))


def status(db: Database, actor: str) -> dict[str, Any] | None:
    """Which server this node syncs with, as whom, and when it last did (None: not a node)."""
    with db.transaction(actor) as tx:
        peer = store.find_peer(tx.session)
        if peer is None:
            return None
        waiting = len(store.changes_after(tx.session, peer["push_cursor"], MAX_BATCH, node=peer["node"]))
        return {"node": peer["node"], "server_url": peer["server_url"], "synced_at": peer["synced_at"],
                "waiting": waiting}  # fmt: skip


def every(db: Database, actor: str, seconds: float, stop: threading.Event, report: Callable[[str], None]) -> None:
    """Sync every ``seconds`` until ``stop`` is set (``serve --sync-every``); a failed sync is
    reported and tried again at the next turn (it resumes where it was cut)."""
    while not stop.wait(seconds):
        try:
            result = sync(db, actor)
            report(f"sync: {result.pushed} pushed, {result.pulled} pulled, {result.conflicts} in conflict")
        except BluehelmetError as error:
            report(f"sync failed (will try again): {error}")
