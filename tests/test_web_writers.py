"""Writers under load, and what every request keeps while it is made cheaper: concurrent
creations through the application all land, each audited, the rollups in step; on SQLite the
writes of a process take turns (after the access check, never before); the security headers are
on every answer, errors included; an API token is refused when wrong or revoked."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from bluehelmet.domain.incidents import Incident
from bluehelmet.services import accounts, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from bluehelmet.web.deps import WriterTurns
from tests.test_web_api import World, build_world, incident_body

HEADERS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


async def _create_many(world: World, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    app = create_app(world.db.settings, db=world.db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=world.headers("analyst")) as c:
        return await asyncio.gather(*(c.post("/api/records/incident", json=body) for body in bodies))


def test_concurrent_creations_all_land_audited_with_the_rollups_in_step(world: World) -> None:
    bodies = [incident_body(world, external_id=f"C-{n}", fatalities=4 + n % 3) for n in range(30)]
    answers = asyncio.run(_create_many(world, bodies))
    assert [a.status_code for a in answers] == [201] * 30, [a.text for a in answers if a.status_code != 201]
    created = [a.json()["id"] for a in answers]
    assert len(set(created)) == 30
    with world.db.transaction("tester") as tx:
        for record_id in created:
            (entry,) = records.history(tx, Incident, record_id)
            assert (entry.action, entry.actor, entry.version) == ("create", "analyst-user", 1)
            assert records.get(tx, Incident, record_id).external_id.startswith("C-")
    assert rollups.check(world.db) == []


def test_a_stale_change_is_still_refused_among_concurrent_ones(world: World) -> None:
    path = f"/api/records/incident/{world.ids['incident_east']}"

    async def race() -> list[int]:
        app = create_app(world.db.settings, db=world.db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=world.headers("analyst")) as c:
            answers = await asyncio.gather(
                *(c.patch(path, json={"version": 1, "fatalities": 10 + n}) for n in range(8))
            )
        return sorted(a.status_code for a in answers)

    assert asyncio.run(race()) == [200] + [409] * 7
    assert rollups.check(world.db) == []


def test_writes_take_turns_on_sqlite_and_run_together_otherwise() -> None:
    def most_at_once(turns: WriterTurns) -> int:
        inside, most, lock = 0, 0, threading.Lock()

        def work() -> None:
            nonlocal inside, most
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1

        async def writers() -> None:
            await asyncio.gather(*(turns.run(work) for _ in range(5)))

        asyncio.run(writers())
        return most

    assert most_at_once(WriterTurns(serial=True)) == 1
    assert most_at_once(WriterTurns(serial=False)) > 1


def test_a_write_waits_its_turn_but_a_refusal_does_not(world: World) -> None:
    """While another write holds the turn, a creation waits for it, and a refused writer is
    answered at once: the access check comes before the queue."""
    app = create_app(world.db.settings, db=world.db)
    app.state.writers = turns = WriterTurns(serial=True)
    body = incident_body(world, external_id="Q-1")
    release = threading.Event()

    async def scenario() -> tuple[list[int], bool, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            holder = asyncio.ensure_future(turns.run(lambda: release.wait(10)))
            await asyncio.sleep(0.05)
            create = asyncio.ensure_future(c.post("/api/records/incident", json=body, headers=world.headers("analyst")))
            anonymous = await asyncio.wait_for(c.post("/api/records/incident", json=body), 5)
            viewer = await asyncio.wait_for(
                c.post("/api/records/incident", json=body, headers=world.headers("viewer")), 5
            )
            await asyncio.sleep(0.3)
            waited = not create.done()
            release.set()
            await holder
            return [anonymous.status_code, viewer.status_code], waited, (await create).status_code

    refused, waited, created = asyncio.run(scenario())
    assert refused == [401, 403]
    assert waited and created == 201


def _has_headers(answer: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert value in answer.headers.get(name, ""), (answer.request.url, answer.status_code, name)


def test_every_answer_carries_the_security_headers_errors_included(world: World) -> None:
    answers = [
        world.call(None, "GET", "/healthz"),
        world.call(None, "GET", "/api/records/incident"),  # 401
        world.call("viewer", "POST", "/api/records/incident", json={}),  # 403
        world.call("analyst", "GET", "/api/records/incident/999999"),  # 404
        world.call("analyst", "POST", "/api/records/incident", json={"fatalities": "many"}),  # 422
        world.call("analyst", "PUT", "/api/records/incident"),  # 405
        world.call(None, "GET", "/no/such/page", follow_redirects=False),
        world.call("analyst", "POST", "/api/records/incident", json=incident_body(world, external_id="H-1")),
    ]
    assert [a.status_code for a in answers] == [200, 401, 403, 404, 422, 405, 404, 201]
    for answer in answers:
        _has_headers(answer)
        assert answer.headers["cache-control"] == "no-store"


def test_a_route_keeps_its_own_cache_control(world: World) -> None:
    answer = world.call(None, "GET", "/static/app.css")
    if answer.status_code == 404:
        pytest.skip("no /static/app.css in this build")
    _has_headers(answer)
    assert answer.headers["cache-control"] == "public, max-age=3600"


def test_a_wrong_or_revoked_token_or_a_closed_account_is_refused(world: World) -> None:
    good = world.tokens["analyst"]
    assert world.call("analyst", "GET", "/api/records/incident").status_code == 200
    for wrong in (good[:-1] + ("A" if good[-1] != "A" else "B"), "bh_", "not-a-token", good + "x"):
        answer = world.client.get("/api/records/incident", headers={"Authorization": f"Bearer {wrong}"})
        assert answer.status_code == 401, wrong
        _has_headers(answer)
    engine = create_engine(world.db.settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP"))
    assert world.call("analyst", "GET", "/api/records/incident").status_code == 401
    fresh = accounts.issue_token(world.db, "tester", "viewer-user")
    assert world.client.get("/healthz", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    assert world.client.get("/api/records/incident", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    with engine.begin() as conn:
        conn.execute(text("UPDATE account SET active = false WHERE name = 'viewer-user'"))
    engine.dispose()
    assert world.client.get("/api/records/incident", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
