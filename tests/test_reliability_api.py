"""The REST API under concurrent edits and a crash, against a real server (`bluehelmet serve`
in a process of its own) on each backend.

- 20 clients change the same three incidents at once: every change is either accepted (and
  the version it produced is unique) or refused as stale with 409 and the record as it now
  stands; nothing answers 5xx; the audit history holds exactly the accepted changes.
- The server is killed (SIGKILL) in the middle of a burst of writes: every write it
  acknowledged (201) is in the database afterwards, whole, and the database is sound.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluehelmet.services import accounts, records, rollups
from bluehelmet.services.database import Database
from tests.factories import data, make
from tests.test_reliability_crash import assert_sound

CLIENTS = 20
CHANGES_PER_CLIENT = 4
PASSWORD = "a long enough password"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    token: str
    log: Path
    ids: dict[str, int] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Database, log: Path) -> Server:
    """`bluehelmet serve` over ``db`` in a process of its own (its stderr in ``log``), with an
    analyst's token."""
    accounts.add_account(db, "tester", "writer", "analyst", password=PASSWORD)
    token = accounts.issue_token(db, "tester", "writer")
    port = _free_port()
    url = db.engine.url.render_as_string(hide_password=False)
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "bluehelmet", "--db", url, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, token, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()}")
    process.kill()
    raise AssertionError("the server did not start within 60 s")


def stop(server: Server) -> str:
    """Stop the server; its stderr (where a traceback would be)."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.log.read_text()


@pytest.fixture
def mission(db: Database) -> dict[str, int]:
    with db.transaction("tester") as tx:
        mission = make(tx, "Mission", name="MINUSMA")
        place = make(tx, "Location", mission_id=mission.id)
        ids = {"mission": mission.id or 0, "location": place.id or 0}
        for n in range(3):
            ids[f"incident_{n}"] = make(tx, "Incident", mission_id=mission.id, location_id=place.id,
                                        sector_id=None, external_id=f"C-{n}").id or 0  # fmt: skip
    return ids


@pytest.fixture
def server(db: Database, mission: dict[str, int], tmp_path: Path) -> Iterator[Server]:
    running = start_server(db, tmp_path / "server.log")
    running.ids = mission
    try:
        yield running
    finally:
        stop(running)


def _edit_until_accepted(server: Server, client_number: int, target: int) -> list[dict[str, Any]]:
    """One client: change ``target`` CHANGES_PER_CLIENT times, reading again after each refusal.
    Returns every answer (status and body)."""
    answers = []
    path = f"/api/records/incident/{target}"
    with server.client() as client:
        current = client.get(path).json()
        accepted = 0
        while accepted < CHANGES_PER_CLIENT:
            note = f"client {client_number} change {accepted}"
            sent = {"version": current["version"], "notes": note, "fatalities": 100 + client_number}
            answer = client.patch(path, json=sent)
            body = answer.json()
            answers.append({"status": answer.status_code, "sent": sent, "body": body})
            if answer.status_code == 200:
                accepted += 1
                current = body
            elif answer.status_code == 409 and isinstance(body.get("current"), dict) and "id" in body["current"]:
                current = body["current"]
            else:
                current = client.get(path).json()
    return answers


def test_twenty_clients_editing_the_same_records_lose_no_update(db: Database, server: Server) -> None:
    targets = [server.ids[f"incident_{n % 3}"] for n in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> list[dict[str, Any]]:
        start.wait()
        return _edit_until_accepted(server, number, targets[number])

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [a for result in pool.map(client, range(CLIENTS)) for a in result]

    statuses = {a["status"] for a in answers}
    assert statuses <= {200, 409}, sorted(statuses)
    accepted = [a for a in answers if a["status"] == 200]
    stale = [a for a in answers if a["status"] == 409]
    assert len(accepted) == CLIENTS * CHANGES_PER_CLIENT and stale, "the clients raced, some lost"
    for refused in stale:
        current = refused["body"]["current"]
        assert current["id"] and current["version"] > refused["sent"]["version"], refused
    with db.transaction("tester") as tx:
        for target in set(targets):
            mine = [a for a in accepted if a["body"]["id"] == target]
            versions = sorted(a["body"]["version"] for a in mine)
            assert versions == list(range(2, 2 + len(mine))), "two changes claimed the same version"
            history = records.history(tx, "Incident", target)
            updates = [e for e in history if e.action == "update"]
            assert [(e.version, (e.after or {})["notes"]) for e in updates] == sorted(
                (a["body"]["version"], a["sent"]["notes"]) for a in mine
            )
            for entry in updates:  # each change was based on the one before it
                assert (entry.before or {})["version"] == entry.version - 1
            assert records.get(tx, "Incident", target).version == 1 + len(mine)
    assert "Traceback" not in stop(server)


def test_every_acknowledged_write_survives_a_killed_server(db: Database, server: Server) -> None:
    with db.transaction("tester") as tx:
        template = data(tx, "Incident", mission_id=server.ids["mission"])
    template.update(location_id=server.ids["location"], sector_id=None)
    acknowledged: dict[int, dict[str, Any]] = {}
    lock = threading.Lock()
    stopping = threading.Event()

    def writer(number: int) -> None:
        with server.client() as client:
            for n in range(10_000):
                if stopping.is_set():
                    return
                body = {**template, "external_id": f"K-{number}-{n}", "fatalities": 50 + n % 7}
                try:
                    answer = client.post("/api/records/incident", json=body)
                except httpx.TransportError:
                    return  # the server is gone: this write was never acknowledged
                assert answer.status_code == 201, answer.text
                with lock:
                    acknowledged[answer.json()["id"]] = body

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(server.process.pid, signal.SIGKILL)  # in the middle of the burst: writes in flight
    server.process.wait()
    stopping.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 150

    assert_sound(db)
    with db.transaction("tester") as tx:
        stored = {r.id: r for r in records.list_records(tx, "Incident")}
        for record_id, body in acknowledged.items():
            assert record_id in stored, f"acknowledged incident #{record_id} was lost"
            assert (stored[record_id].external_id, stored[record_id].fatalities) == (body["external_id"],
                                                                                    body["fatalities"])  # fmt: skip
            assert [e.action for e in records.history(tx, "Incident", record_id)] == ["create"]
    assert rollups.check(db) == []
