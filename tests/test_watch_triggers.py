"""Rules evaluated on every change that can make them fire, on both backends: an incident
written through the REST API or brought by an import raises the proximity alert at once,
without `watch run`; an import evaluates once, whatever its size; a failing evaluation is
logged and the write kept."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.domain.alerts import Alert
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import accounts, records, watch
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.watch_world import GAO, World, build

NEAR_CAMP = (GAO[0] + 0.03, GAO[1])  # about 3 km north of Gao camp


def _today(db: Database) -> date:
    with db.transaction("tester") as tx:
        return tx.today


def _world(db: Database) -> World:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Near", "proximity", distance_km=10, days_ahead=7, period_days=7, targets=["bases"])
    return world


def _alerts(db: Database) -> list[Alert]:
    with db.transaction("tester") as tx:
        return [a for a in records.list_records(tx, Alert) if isinstance(a, Alert)]


@pytest.fixture
def api(db: Database) -> Iterator[tuple[TestClient, World, dict[str, str]]]:
    world = _world(db)
    accounts.add_account(db, "tester", "ana", "analyst")
    headers = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'ana')}"}
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
        yield client, world, headers


def _ied(world: World, day: date, **extra: Any) -> dict[str, Any]:
    return {"mission_id": world.mission_id, "event_date": day.isoformat(), "event_type": "Explosions/Remote violence",
            "sub_event_type": "Remote explosive/landmine/IED", "category": "ied_detonated", "location_name": "Gao",
            "latitude": NEAR_CAMP[0], "longitude": NEAR_CAMP[1], "sector_id": world.ids["east"], **extra}  # fmt: skip


def test_an_incident_written_through_the_api_raises_its_alert_at_once(
    db: Database, api: tuple[TestClient, World, dict[str, str]]
) -> None:
    client, world, headers = api
    today = _today(db)
    old = client.post("/api/records/incident", json=_ied(world, today - timedelta(days=30)), headers=headers)
    assert old.status_code == 201, old.text
    assert _alerts(db) == []  # outside the rule's 7 days: nothing
    made = client.post("/api/records/incident", json=_ied(world, today), headers=headers)
    assert made.status_code == 201, made.text
    (alert,) = _alerts(db)
    assert alert.records == [["Incident", made.json()["id"]], ["Location", world.ids["camp"]]]
    assert "ied detonated" in alert.message and "km from Gao camp (within 10 km)" in alert.message
    assert watch.run(db, "tester") == []  # already raised: `watch run` adds nothing
    # the old incident moved to today through the API: raised by the change, once
    moved = client.patch(f"/api/records/incident/{old.json()['id']}", json={"version": 1,
                         "event_date": today.isoformat()}, headers=headers)  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert sorted(a.records[0][1] for a in _alerts(db)) == sorted([made.json()["id"], old.json()["id"]])


def test_a_failing_evaluation_is_logged_and_the_write_kept(
    db: Database, api: tuple[TestClient, World, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    client, world, headers = api

    def broken(*args: Any) -> watch.Pending | None:
        raise RuntimeError("the rules broke")

    monkeypatch.setattr(watch, "_found", broken)
    with caplog.at_level(logging.WARNING, logger="bluehelmet.services.watch"):
        made = client.post("/api/records/incident", json=_ied(world, _today(db)), headers=headers)
        assert made.status_code == 201, made.text
        place = client.post("/api/records/location", json={"mission_id": world.mission_id, "name": "Bourem TOB",
                            "kind": "temporary_operating_base", "latitude": 16.95, "longitude": -0.35},
                            headers=headers)  # fmt: skip
        assert place.status_code == 201, place.text
    assert "the rules after incident" in caplog.text and "the rules broke" in caplog.text
    assert "the rules after a change of Location" in caplog.text
    with db.transaction("tester") as tx:
        assert records.get(tx, Incident, made.json()["id"]).id == made.json()["id"]
    assert _alerts(db) == []
    monkeypatch.undo()
    assert len(watch.run(db, "tester")) == 1  # left for the next run, which raises it


def test_the_next_write_does_not_wait_for_the_rules_read_after_a_write(
    db: Database, api: tuple[TestClient, World, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules evaluated after a write read the mission beside the writes, not in the writers'
    turn: while they read, another write runs in its turn to its commit (were the reading in
    the writers' turn, that write would wait for it, and here time out); what they found is
    raised after, in a turn of its own."""
    client, world, headers = api
    writers = client.app.state.writers
    reading = watch._found
    seen: list[tuple[tuple[int, str], tuple[int, str], int]] = []

    def another_write() -> tuple[tuple[int, str], int]:
        with db.transaction("other") as tx:
            other = records.create(tx, Incident, _ied(world, _today(db) - timedelta(days=60), external_id="OTHER"))
        return (threading.get_ident(), threading.current_thread().name), other.id or 0

    def read_while_another_writes(*args: Any) -> watch.Pending | None:
        writer, other_id = asyncio.run(asyncio.wait_for(writers.run(another_write), 20))
        seen.append(((threading.get_ident(), threading.current_thread().name), writer, other_id))
        return reading(*args)

    monkeypatch.setattr(watch, "_found", read_while_another_writes)
    made = client.post("/api/records/incident", json=_ied(world, _today(db)), headers=headers)
    assert made.status_code == 201, made.text
    ((reader, writer, other_id),) = seen  # the rules were read once, and the other write ran meanwhile
    assert reader[0] != writer[0] and not reader[1].startswith("bluehelmet-writer")  # SQLite's writers' thread
    with db.transaction("tester") as tx:
        assert records.get(tx, Incident, other_id).id == other_id  # committed while the rules read
    (alert,) = _alerts(db)  # and the alert the reading found is raised, once
    assert alert.records[0] == ["Incident", made.json()["id"]]
    monkeypatch.undo()
    assert watch.run(db, "tester") == []


def _csv(path: Path, world: World, days: list[date]) -> Path:
    header = ["external_id", "event_date", "event_type", "sub_event_type", "category", "location", "latitude",
              "longitude", "sector"]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n, day in enumerate(days):
            writer.writerow([f"IMP-{n}", day.isoformat(), "Explosions/Remote violence", "Remote explosive/landmine/IED",
                             "ied_detonated", "Gao", NEAR_CAMP[0], NEAR_CAMP[1], "Watchland east"])  # fmt: skip
    return path


def test_an_import_raises_its_alerts_with_one_evaluation(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(db)
    today = _today(db)
    calls: list[str] = []
    evaluate = watch._found  # the evaluation's reading of the mission

    def counted(*args: Any) -> watch.Pending | None:
        calls.append("evaluated")
        return evaluate(*args)

    monkeypatch.setattr(watch, "_found", counted)
    runner = CliRunner()
    base = ["--db", db.settings.database_url]
    days = [today - timedelta(days=d) for d in (0, 1, 2, 40, 41)]
    dry = runner.invoke(cli, [*base, "import", "incident", str(_csv(tmp_path / "ieds.csv", world, days)), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert calls == [] and _alerts(db) == []  # a dry run writes nothing, evaluates nothing
    done = runner.invoke(cli, [*base, "import", "incident", str(tmp_path / "ieds.csv")])
    assert done.exit_code == 0, done.output
    assert "5 rows: 5 new" in done.output
    assert calls == ["evaluated"]  # once for the whole import, not per row
    alerts = _alerts(db)
    assert len(alerts) == 3 and all(a.records[1] == ["Location", world.ids["camp"]] for a in alerts)  # the 3 recent
    again = runner.invoke(cli, [*base, "import", "incident", str(tmp_path / "ieds.csv")])
    assert again.exit_code == 0 and "5 unchanged" in again.output
    assert calls == ["evaluated"]  # nothing changed: nothing evaluated
    assert json.loads(runner.invoke(cli, [*base, "watch", "run", "--json"]).output) == {"alerts": []}
