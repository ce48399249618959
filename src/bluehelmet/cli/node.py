"""`bluehelmet node ...`: sector nodes. On the server: issue, list and revoke them; on a node's
laptop: join the server (docs/nodes.md)."""

from __future__ import annotations

import click

from bluehelmet.cli.door import Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import table
from bluehelmet.services import nodes, sync_client

__all__ = ["COMMANDS", "node"]


@click.group("node")
def node() -> None:
    """Sector nodes that work offline and sync with the mission's server."""


@node.command("add")
@click.argument("name")
@click.option("--sector", metavar="NAME", required=True, help="The sector the node holds.")
@mission_option
@json_option
@pass_door
def node_add(door: Door, name: str, sector: str, mission: str | None, as_json: bool) -> None:
    """Issue a node for one sector (on the server); its token is printed once."""
    issued, token = nodes.add_node(door.db, door.actor, name, sector, mission=mission)
    emit({"name": issued.name, "token": token}, as_json,
         f"node {issued.name} ({issued.sector}) issued\ntoken (shown once): {token}")  # fmt: skip


@node.command("list")
@json_option
@pass_door
def node_list(door: Door, as_json: bool) -> None:
    """Every node issued, with its sector and when it was last seen."""
    rows = nodes.list_nodes(door.db, door.actor)

    def when(value: object) -> str | None:
        return value.isoformat() if value is not None else None  # type: ignore[attr-defined]

    data = [{"name": n.name, "sector": n.sector, "revoked_at": when(n.revoked_at), "last_seen_at": when(n.last_seen_at)}
            for n in rows]  # fmt: skip
    emit(data, as_json, table([[d["name"], d["sector"], d["revoked_at"] or "", d["last_seen_at"] or ""] for d in data],
                              ["name", "sector", "revoked", "last seen"], empty="no nodes"))  # fmt: skip


@node.command("revoke")
@click.argument("name")
@json_option
@pass_door
def node_revoke(door: Door, name: str, as_json: bool) -> None:
    """Refuse a node's token from now on (what it sent stays)."""
    revoked = nodes.revoke_node(door.db, door.actor, name)
    emit({"name": revoked.name, "revoked": True}, as_json, f"node {revoked.name} revoked")


@node.command("join")
@click.argument("server_url")
@click.option("--token", required=True, help="The node token 'bluehelmet node add' printed on the server.")
@json_option
@pass_door
def node_join(door: Door, server_url: str, token: str, as_json: bool) -> None:
    """Make this database (--db) the node the token was issued for, filled with its scope."""
    result = sync_client.join(door.db, door.actor, server_url, token)
    emit(result.as_json(), as_json, f"joined {server_url}: {result.pulled} change(s) pulled")


COMMANDS = (node,)
