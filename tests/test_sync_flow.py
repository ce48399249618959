"""Acceptance of sector nodes that sync (issue 25, item 1): a server on PostgreSQL served by
uvicorn on a loopback port, and two nodes of the same sector on SQLite files. Records created
and edited on both nodes offline (and on the server) reach all three with their audit history;
the same record edited on both nodes is a conflict on the second sync, resolved by a person,
with nothing lost.

The fixtures here (a small hand-made mission, the served server, nodes) are shared by the other
tests/test_sync_*.py files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import entity_fields, snapshot
from bluehelmet.domain.sync import Keep
from bluehelmet.services import accounts, nodes, records, sync_client, sync_conflicts
from bluehelmet.services.database import Database
from bluehelmet.storage import sync_tables
from bluehelmet.web.app import create_app
from tests.browser import serving
from tests.conftest import _empty_postgres
from tests.factories import make
from tests.test_web_pages import PASSWORD, sign_in

#: Fields that differ between databases by nature: the local id and local references.
LOCAL = {"id", "mission_id", "sector_id", "location_id", "admin1_id", "admin2_id", "parent_id"}


@dataclass
class World:
    server: Database
    url: str
    tokens: dict[str, str]
    uids: dict[str, str] = field(default_factory=dict)


def build_mission(db: Database) -> dict[str, str]:
    """A mission with two sectors, a town in each and an incident at each town: their uids."""
    with db.transaction("hq-admin") as tx:
        mission = make(tx, "Mission", name="MINUSMA")
        east = make(tx, "Sector", mission_id=mission.id, name="Sector East")
        west = make(tx, "Sector", mission_id=mission.id, name="Sector West")
        kidal = make(tx, "Location", mission_id=mission.id, name="Kidal", sector_id=east.id)
        gao = make(tx, "Location", mission_id=mission.id, name="Gao", sector_id=west.id)
        found = {"mission": mission, "east": east, "west": west, "kidal": kidal, "gao": gao}
        found["east_incident"] = make(tx, "Incident", mission_id=mission.id, location_id=kidal.id, sector_id=east.id,
                                      location_name="Kidal", notes="first report", responding_unit_ids=[])  # fmt: skip
        found["west_incident"] = make(tx, "Incident", mission_id=mission.id, location_id=gao.id, sector_id=west.id,
                                      location_name="Gao", notes="west report", responding_unit_ids=[])  # fmt: skip
        return {k: r.uid for k, r in found.items()}


def serve(db: Database) -> Iterator[str]:
    """The application over ``db`` on a loopback port (a generator: its address, then stopped)."""
    with serving(create_app(db.settings, db=db)) as url:
        yield url


def make_world(postgres_url: str) -> Iterator[World]:
    """The server (PostgreSQL, served on a loopback port) with the mission and three nodes
    issued: two in Sector East (kidal, tessalit), one in Sector West (gao)."""
    _empty_postgres(postgres_url)
    server = Database(Settings(database_url=postgres_url, secret_key="s" * 40))
    uids = build_mission(server)
    tokens = {}
    for name, sector in (("kidal", "Sector East"), ("tessalit", "Sector East"), ("gao", "Sector West")):
        tokens[name] = nodes.add_node(server, "hq-admin", name, sector)[1]
    for url in serve(server):
        yield World(server, url, tokens, uids)
    server.close()


@pytest.fixture
def world(postgres_url: str) -> Iterator[World]:
    yield from make_world(postgres_url)


@pytest.fixture
def blank(sqlite_template: Path) -> Path:
    """An empty migrated SQLite file to copy for a node (migrating one takes seconds)."""
    return sqlite_template


def node_db(tmp_path: Path, name: str, template: Path) -> Database:
    shutil.copyfile(template, tmp_path / f"{name}.db")
    return Database(Settings(database_url=f"sqlite:///{tmp_path / name}.db"))


def joined(world: World, tmp_path: Path, name: str, template: Path) -> Database:
    db = node_db(tmp_path, name, template)
    sync_client.join(db, f"{name}-officer", world.url, world.tokens[name])
    return db


def state(db: Database, kind: str) -> dict[str, dict[str, Any]]:
    """Every record of ``kind`` by uid, as a person sees it (local ids aside)."""
    with db.transaction("reader") as tx:
        found = records.list_records(tx, kind, include_deleted=True)
        return {r.uid: {k: v for k, v in snapshot(r).items() if k not in LOCAL} for r in found}


def history(db: Database, kind: str) -> dict[str, list[tuple[Any, ...]]]:
    """The audit history of every record of ``kind`` by uid: version, action, who, when, after."""
    with db.transaction("reader") as tx:
        out = {}
        for r in records.list_records(tx, kind, include_deleted=True):
            assert r.id is not None
            entries = records.history(tx, kind, r.id)
            out[r.uid] = [(e.version, str(e.action), e.actor, e.at.isoformat(), (e.after or {}).get("notes"),
                           {k: v for k, v in (e.after or {}).items() if k not in LOCAL}) for e in entries]  # fmt: skip
        return out


def edit(db: Database, actor: str, uid: str, **changes: Any) -> None:
    with db.transaction(actor) as tx:
        found = [r for r in records.list_records(tx, "Incident") if r.uid == uid]
        assert found, uid
        records.update(tx, "Incident", found[0].id or 0, changes, found[0].version or 0)


def new_incident(db: Database, actor: str, notes: str) -> str:
    """A new incident at Kidal, like the first one (made by hand: the factory would add records)."""
    with db.transaction(actor) as tx:
        like = records.list_records(tx, "Incident", {"location_name": "Kidal"})[0]
        values = {
            f.name: v
            for f, v in zip(
                entity_fields(Incident), [getattr(like, f.name) for f in entity_fields(Incident)], strict=True
            )
        }
        values.update(external_id=f"{actor}-{notes[:20]}", notes=notes)
        return records.create(tx, "Incident", snapshot_values(values)).uid


def snapshot_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v.value if hasattr(v, "value") else v)
            for k, v in values.items()}  # fmt: skip


def test_a_node_joins_with_its_scope_and_edits_made_offline_everywhere_reach_all_three(
    world: World, tmp_path: Path, blank: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'kidal.db'}"
    shutil.copyfile(blank, tmp_path / "kidal.db")
    runner = CliRunner()
    joined_out = runner.invoke(cli, ["--db", url, "--actor", "kidal-officer", "node", "join", world.url,
                                     "--token", world.tokens["kidal"], "--json"])  # fmt: skip
    assert joined_out.exit_code == 0, joined_out.output
    kidal = Database(Settings(database_url=url))
    tessalit = joined(world, tmp_path, "tessalit", blank)
    for node in (kidal, tessalit):  # the node's sector and the mission's frame, nothing of Sector West
        assert set(state(node, "Incident")) == {world.uids["east_incident"]}
        assert set(state(node, "Location")) == {world.uids["kidal"]}
        assert set(state(node, "Sector")) == set(state(world.server, "Sector"))  # the frame: every sector
    # Offline: each node records and edits; headquarters too.
    from_kidal = new_incident(kidal, "kidal-officer", "ambush north of Kidal")
    edit(kidal, "kidal-officer", world.uids["east_incident"], notes="first report, confirmed by patrol")
    edit(kidal, "kidal-officer", from_kidal, perpetrator="ISGS")
    from_tessalit = new_incident(tessalit, "tessalit-officer", "IED on the Tessalit road")
    from_hq = new_incident(world.server, "hq-analyst", "rocket fire on the camp")

    first = runner.invoke(cli, ["--db", url, "sync", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"pushed": 3, "pulled": 1, "conflicts": 0}
    assert sync_client.sync(tessalit, "tessalit-officer").as_json() == {"pushed": 1, "pulled": 4, "conflicts": 0}
    assert sync_client.sync(kidal, "kidal-officer").as_json() == {"pushed": 0, "pulled": 1, "conflicts": 0}

    on_server = state(world.server, "Incident")
    east = {uid: v for uid, v in on_server.items() if uid != world.uids["west_incident"]}
    assert set(east) == {world.uids["east_incident"], from_kidal, from_tessalit, from_hq}
    assert east[world.uids["east_incident"]]["notes"] == "first report, confirmed by patrol"
    assert east[world.uids["east_incident"]]["updated_by"] == "kidal-officer"
    for node in (kidal, tessalit):
        assert state(node, "Incident") == east
        audit = history(node, "Incident")
        assert audit == {uid: v for uid, v in history(world.server, "Incident").items() if uid in east}
    for kind in ("Mission", "Sector", "Location", "AdminArea"):  # the frame and the places, with their history
        on_server, server_history = state(world.server, kind), history(world.server, kind)
        for node in (kidal, tessalit):
            held = state(node, kind)
            assert held and held == {uid: on_server[uid] for uid in held}
            assert history(node, kind) == {uid: server_history[uid] for uid in held}
    # The history travelled: who changed what, when, and on which node.
    assert [e[:3] for e in history(tessalit, "Incident")[from_kidal]] == [
        (1, "create", "kidal-officer"), (2, "update", "kidal-officer")]  # fmt: skip
    with tessalit.transaction("reader") as tx:  # ... and on which node each change was made
        made_on = {(r["record_uid"], r["version"]): r["node"] for r in sync_tables.changes_after(tx.session, 0, 1000)}
    assert made_on[(from_kidal, 2)] == "kidal" and made_on[(from_hq, 1)] == "server"
    assert made_on[(from_tessalit, 1)] == "tessalit"
    assert sync_client.sync(tessalit, "tessalit-officer").as_json() == {"pushed": 0, "pulled": 0, "conflicts": 0}
    # The server's review queue says where each report came from: the nodes' pushes, and its own.
    accounts.add_account(world.server, "tester", "hq-admin", "admin", password=PASSWORD)
    with TestClient(create_app(world.server.settings, db=world.server), follow_redirects=False) as client:
        sign_in(client, "hq-admin")
        page = client.get("/incidents", params={"from": "2000-01-01", "to": "2100-01-01"}).text
    with world.server.transaction("reader") as tx:
        ids = {r.uid: r.id for r in records.list_records(tx, "Incident") if r.uid in (from_kidal, from_hq)}
    row = {uid: page[page.index(f'id="incident-{i}"') :].split("</tr>")[0] for uid, i in ids.items()}
    assert 'data-source="node"' in row[from_kidal] and "Sector node" in row[from_kidal]
    assert 'data-source="web"' in row[from_hq]


def test_the_same_record_edited_on_both_nodes_is_a_conflict_resolved_by_a_person(
    world: World, tmp_path: Path, blank: Path
) -> None:
    kidal, tessalit = joined(world, tmp_path, "kidal", blank), joined(world, tmp_path, "tessalit", blank)
    uid = world.uids["east_incident"]
    edit(kidal, "kidal-officer", uid, notes="Kidal: two wounded", actor2="FAMa")
    edit(tessalit, "tessalit-officer", uid, notes="Tessalit: three wounded", perpetrator="ISGS")
    assert sync_client.sync(kidal, "kidal-officer").as_json() == {"pushed": 1, "pulled": 0, "conflicts": 0}
    assert sync_client.sync(tessalit, "tessalit-officer").as_json() == {"pushed": 0, "pulled": 0, "conflicts": 1}
    # Never applied silently: the server keeps Kidal's edit, Tessalit keeps its own, both list it.
    assert state(world.server, "Incident")[uid]["notes"] == "Kidal: two wounded"
    assert state(tessalit, "Incident")[uid]["notes"] == "Tessalit: three wounded"
    (on_server,) = sync_conflicts.list_conflicts(world.server, "hq-admin")
    (on_node,) = sync_conflicts.list_conflicts(tessalit, "tessalit-officer")
    differs = {f.name: (f.mine, f.theirs) for f in on_node.fields if f.differs}
    assert differs["notes"] == ("Tessalit: three wounded", "Kidal: two wounded")
    assert differs["perpetrator"] == ("ISGS", "JNIM")
    assert {f.name for f in on_server.fields if f.differs} >= {"notes", "perpetrator", "actor2"}
    # A person on the Tessalit node merges field by field: Kidal's notes and actor, its own perpetrator.
    picks = {"notes": Keep.THEIRS, "actor2": Keep.THEIRS}
    sync_conflicts.resolve(tessalit, "tessalit-officer", uid, Keep.MINE, picks)
    assert sync_client.sync(tessalit, "tessalit-officer").as_json() == {"pushed": 1, "pulled": 0, "conflicts": 0}
    assert sync_client.sync(kidal, "kidal-officer").as_json() == {"pushed": 0, "pulled": 1, "conflicts": 0}
    settled = {db: state(db, "Incident")[uid] for db in (world.server, kidal, tessalit)}
    for record in settled.values():
        assert (record["notes"], record["perpetrator"], record["actor2"]) == ("Kidal: two wounded", "ISGS", "FAMa")
        assert record["version"] == 3 and record["updated_by"] == "tessalit-officer"
    for db in (world.server, kidal, tessalit):
        assert sync_conflicts.list_conflicts(db, "reader") == []
    # Nothing lost: Tessalit's own edit stays in its history, the server keeps it with the conflict.
    notes = [e[4] for e in history(tessalit, "Incident")[uid]]
    assert notes == ["first report", "Tessalit: three wounded", "Kidal: two wounded"]
    assert [e[4] for e in history(world.server, "Incident")[uid]] == ["first report", "Kidal: two wounded",
                                                                        "Kidal: two wounded"]  # fmt: skip
