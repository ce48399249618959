"""Who may do what, tested over every route of the application at once: anonymous callers are
refused, each role gets exactly what ``domain.access.permits`` gives it, a sector account never
reads or changes another sector's records, and every write leaves an audit entry."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from bluehelmet.domain.access import Principal, Role, permits
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.records import snapshot
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.web.deps import Need
from tests.factories import data
from tests.test_web_api import World, build_world, incident_body

#: Routes that need nothing: the health check, the schema and its pages, signing in and out, assets,
#: and the home page, which only redirects to the situation page; and the gateways' door for
#: messages, which needs no account but the gateway's secret or signature (tests/test_intake_api.py).
OPEN = {"/healthz", "/openapi.json", "/api/docs", "/docs/oauth2-redirect", "/api/docs/oauth2-redirect", "/signin",
        "/signout", "/static/{path:path}", "/", "/api/intake/messages"}  # fmt: skip
ABSENT = 999_999
#: The sync API: a sector node's token only (``node_of``), never an account's (tests/test_sync_scope.py).
NODE_ONLY = "/api/sync/"


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def _routes(world: World) -> list[tuple[str, str, Any]]:
    """(path, method, context) of every route of the application, included routers unfolded."""
    found = []
    for context in iter_route_contexts(world.client.app.routes):  # type: ignore[attr-defined]
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append((str(context.path), method, context))
    return found


def _dependencies(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def _needs(context: Any) -> list[Need]:
    if not isinstance(context.original_route, APIRoute):
        return []
    return [call.need for call in _dependencies(context.dependant) if hasattr(call, "need")]


def _node_only(context: Any) -> bool:
    """A route of the sync API: its door is the node token's, and it declares nothing else."""
    return str(context.path).startswith(NODE_ONLY) and any(
        getattr(call, "__name__", "") == "node_of" for call in _dependencies(context.dependant)
    )


def _mission_wide(context: Any) -> bool:
    return any(getattr(call, "mission_wide", False) for call in _dependencies(context.dependant))


def _only_roles(context: Any) -> frozenset[Any] | None:
    """The roles a route is kept to beyond its need (the missions' comparison), if it says so."""
    kept = [call.roles for call in _dependencies(context.dependant) if hasattr(call, "roles")]
    return kept[0] if kept else None


def _filled(path: str) -> str:
    """A path with its parameters given: ids of no record, a kind's name as written."""
    for name in ("record_id", "incident_id"):
        path = path.replace(f"{{{name}}}", str(ABSENT)).replace(f"{{{name}:int}}", str(ABSENT))
    return path.replace("{kind}", "incident")


def test_every_route_declares_what_it_needs(world: World) -> None:
    undeclared = [(p, m) for p, m, c in _routes(world) if p not in OPEN and not _needs(c) and not _node_only(c)]
    assert undeclared == []
    assert len([p for p, _, _ in _routes(world) if p.startswith("/api/")]) > 300


def test_anonymous_callers_are_refused_everywhere(world: World) -> None:
    for path, method, _ in _routes(world):
        if path in OPEN:
            continue
        answer = world.client.request(method, _filled(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert "detail" in answer.json()
        else:  # a page sends the browser to sign in
            assert answer.status_code in (401, 303), (method, path, answer.status_code)
            assert answer.status_code == 401 or answer.headers["location"].startswith("/signin")


def _example(schema: dict[str, Any]) -> Any:
    if schema.get("format") == "date" or any(s.get("format") == "date" for s in schema.get("anyOf", [])):
        return "2021-01-01"
    return 1 if schema.get("type") == "integer" else "x"


def _representative(world: World, path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a call that any permitted role can make (answered 2xx or 4xx, never 403)."""
    params = {p["name"]: _example(p["schema"]) for p in operation.get("parameters", []) if p["in"] == "query" and
              p.get("required")}  # fmt: skip
    body = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in body:
        return {"params": {**params, "dry_run": True}, "files": {"file": ("t.csv", b"name\n", "text/csv")}}
    if "application/json" not in body:
        return {"params": params}
    if path.endswith("/letter"):
        payload: Any = {"from": "2021-06-30", "to": "2021-01-01"}
    elif path == "/api/review/incidents":
        payload = {"items": [{"id": ABSENT, "version": 1}]}
    elif path.startswith("/api/review/"):
        payload = {"status": "verified", "version": 1}
    elif path.endswith("/bulk"):  # new records of a kind: one with no fields, refused by its rules
        payload = {"records": [{}]}
    else:
        payload = {"version": 1} if method == "PATCH" else {}
    return {"params": params, "json": payload}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_exactly_what_its_role_allows(world: World, role: str) -> None:
    schema = world.client.get("/openapi.json").json()["paths"]
    principal = Principal(f"{role}-user", Role(role), world.ids["sector_east"] if role == "sector" else None)
    checked = 0
    for path, method, context in _routes(world):
        if not path.startswith("/api/") or path in OPEN:
            continue
        if _node_only(context):  # no account, whatever its role, may use the sync API
            answer = world.call(role, method, _filled(path), params={"since": 0})
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            checked += 1
            continue
        (need,) = set(_needs(context))
        expected = permits(principal, need.action, need.kind) and not (principal.scoped and _mission_wide(context))
        roles = _only_roles(context)
        expected = expected and (roles is None or principal.role in roles)
        call = _representative(world, path, method, schema[path][method.lower()])
        answer = world.call(role, method, _filled(path), **call)
        assert answer.status_code < 500, (method, path, answer.text)
        assert (answer.status_code != 403) == expected, (role, method, path, answer.status_code, answer.text[:200])
        checked += 1
    assert checked > 300


def _ids(answer: Any) -> set[int]:
    return {r["id"] for r in answer.json()["records"]}


def test_a_sector_account_never_reads_or_changes_another_sectors_records(world: World) -> None:
    ids = world.ids
    east, west, by_place = ids["incident_east"], ids["incident_west"], ids["incident_by_place"]
    listed = world.call("sector", "GET", "/api/records/incident")
    assert _ids(listed) == {east, by_place} and listed.json()["total"] == 2
    assert _ids(world.call("sector", "GET", "/api/records/incident", params={"id": west})) == set()
    assert _ids(world.call("sector", "GET", "/api/records/operation")) == {ids["operation_east"]}
    assert ids["location_west"] not in _ids(world.call("sector", "GET", "/api/records/location"))
    assert _ids(world.call("sector", "GET", "/api/records/sector")) == {ids["sector_east"]}
    assert _ids(world.call("admin", "GET", "/api/records/incident")) == {east, west, by_place}

    west_path = f"/api/records/incident/{west}"
    for method, path, kwargs in [
        ("GET", west_path, {}),
        ("GET", west_path + "/history", {}),
        ("PATCH", west_path, {"json": {"version": 1, "notes": "mine now"}}),
        ("DELETE", west_path, {"params": {"version": 1}}),
        ("POST", west_path + "/restore", {"params": {"version": 1}}),
        ("POST", f"/api/review/incidents/{west}", {"json": {"status": "verified", "version": 1}}),
        ("GET", f"/api/records/operation/{ids['operation_west']}", {}),
        ("POST", "/api/records/incident", {"json": incident_body(world, sector_id=ids["sector_west"],
                                                                  location_id=ids["location_west"])}),
        ("PATCH", f"/api/records/incident/{east}", {"json": {"version": 1, "sector_id": ids["sector_west"]}}),
        ("GET", "/api/stats/rotations", {"params": {"from": "2021-01-01", "to": "2021-12-31"}}),
    ]:  # fmt: skip
        answer = world.call("sector", method, path, **kwargs)
        # A record by id the account may not read is not found (ids cannot be walked); what it
        # may not create, move or ask is refused.
        unread = path.startswith((west_path, "/api/records/operation/", "/api/review/incidents/"))
        assert answer.status_code == (404 if unread else 403), (method, path, answer.text)
        assert "west" not in answer.text.lower() or answer.status_code == 403, answer.text
    batch = {"items": [{"id": east, "version": 1}, {"id": west, "version": 1}]}
    assert world.call("sector", "POST", "/api/review/incidents", json=batch).status_code == 422
    with world.db.transaction("tester") as tx:
        assert [e.action for e in records.history(tx, "Incident", west)] == ["create"]
        assert records.get(tx, "Incident", east).version == 1
        assert records.count(tx, "Incident") == 3

    exported = world.call("sector", "GET", "/api/export/incident").content.decode("utf-8-sig")
    assert sorted(r["external_id"] for r in csv.DictReader(io.StringIO(exported))) == ["I-east", "I-p"]
    by_sector = world.call("sector", "GET", "/api/stats/incidents", params={"by": "sector"}).json()["rows"]
    assert [(r["sector"], r["events"]) for r in by_sector] == [("Sector East", 2)]
    other = world.call("sector", "GET", "/api/stats/incidents", params={"sector": "Sector West"}).json()["rows"]
    assert other == [] or other[0]["events"] == 0
    cells = world.call("sector", "GET", "/api/map/hexagons").json()
    assert cells["incidents"] == 2
    places = world.call("sector", "GET", "/api/map/operations").json()["features"]
    assert {f["properties"]["operation_id"] for f in places} == {ids["operation_east"]}

    mine = world.call("sector", "PATCH", f"/api/records/incident/{east}", json={"version": 1, "notes": "seen"})
    assert mine.status_code == 200 and mine.json()["updated_by"] == "sector-user"


def test_every_write_leaves_an_audit_entry(world: World) -> None:
    for cls in ENTITIES:
        kind = entity_name(cls)
        with world.db.transaction("tester") as tx:
            body = data(tx, cls.__name__)  # in a mission of its own: no natural key is taken
        created = world.call("admin", "POST", f"/api/records/{kind}", json=body)
        assert created.status_code == 201, (kind, created.text)
        record_id, path = created.json()["id"], f"/api/records/{kind}/{created.json()['id']}"
        steps = [
            ("PATCH", path, {"json": {"version": 1, "provenance": "changed through the API"}}),
            ("DELETE", path, {"params": {"version": 2}}),
            ("POST", path + "/restore", {"params": {"version": 3}}),
        ]
        for method, url, kwargs in steps:
            assert world.call("admin", method, url, **kwargs).status_code == 200, (kind, method)
        with world.db.transaction("tester") as tx:
            history = records.history(tx, cls, record_id)
            current = snapshot(records.get(tx, cls, record_id))
        assert [(e.action, e.actor) for e in history] == [
            ("create", "admin-user"), ("update", "admin-user"), ("delete", "admin-user"), ("restore", "admin-user"),
        ], kind  # fmt: skip
        assert history[-1].after == current
        api_history = world.call("viewer", "GET", path + "/history").json()["entries"]
        assert [e["action"] for e in api_history] == ["create", "update", "delete", "restore"]
    verdict = {"status": "verified", "version": 1}
    assert (
        world.call("sector", "POST", f"/api/review/incidents/{world.ids['incident_east']}", json=verdict).status_code
        == 200
    )
    with world.db.transaction("tester") as tx:
        last = records.history(tx, "Incident", world.ids["incident_east"])[-1]
    assert (last.action, last.actor, (last.after or {})["review_status"]) == ("update", "sector-user", "verified")
