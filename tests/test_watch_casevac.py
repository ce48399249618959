"""The CASEVAC-cover-lost rule on a hand-made mission, on both backends: a helicopter that goes
(repatriated, or every helicopter of its unit unserviceable) leaves Ansongo beyond 10-1-2 by
day; another helicopter still covering it, an old loss or a unit never deployed fire nothing;
a cause is raised once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.alerts import Alert
from bluehelmet.services import records, watch
from bluehelmet.services.database import Database, Transaction
from tests.watch_world import World, build

ON = date(2021, 4, 28)


def _unit(world: World, tx: Transaction, name: str, unit_type: str, base: str, **extra: Any) -> int:
    values = {"mission_id": world.mission_id, "name": name, "component": "military", "unit_type": unit_type,
              "base_id": world.ids[base], "sector_id": world.ids["east"], **extra}  # fmt: skip
    unit = records.create(tx, "Unit", values)
    assert unit.id is not None
    return unit.id


def _covered_world(db: Database) -> World:
    """A level II hospital and a helicopter at Gao camp, a level I at Ansongo (90 km away): by
    day the helicopter brings Ansongo's casualties to surgery in 79 minutes; by road it takes 3
    hours, so Ansongo meets 10-1-2 by day only thanks to the helicopter (none flies by night)."""
    world = build(db)
    with world.tx() as tx:
        _unit(world, tx, "MED L2 Gao", "medical_level_2", "camp")
        _unit(world, tx, "MED L1 Ansongo", "medical_level_1", "ansongo")
        world.ids["avn"] = _unit(world, tx, "AVN Gao", "aviation_utility_helicopter", "camp")
        world.rule(tx, "Cover lost", "casevac_cover_lost", severity="critical")
    return world


def _repatriate(world: World, unit_id: int, since: date | None) -> None:
    with world.tx() as tx:
        unit = records.get(tx, "Unit", unit_id)
        changes = {"deployment_status": "repatriated", "status_since": since.isoformat() if since else None}
        records.update(tx, "Unit", unit_id, changes, unit.version or 0)


def test_the_only_helicopter_gone_raises_cover_lost_once(db: Database) -> None:
    world = _covered_world(db)
    assert watch.run(db, "tester", ON) == []  # everything present: nothing lost, nothing raised
    _repatriate(world, world.ids["avn"], ON - timedelta(days=3))
    runner = CliRunner()
    args = ["--db", db.settings.database_url, "watch", "run", "--on", ON.isoformat(), "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    (alert,) = json.loads(first.output)["alerts"]
    assert alert["kind"] == "casevac_cover_lost" and alert["severity"] == "critical"
    assert alert["records"] == [["Unit", world.ids["avn"]], ["Location", world.ids["ansongo"]]]
    assert "AVN Gao (aviation utility helicopter) unavailable since 2021-04-25 (repatriated)" in alert["message"]
    assert "1 of the 2 places watched met 10-1-2 with it and no longer do" in alert["message"]
    assert "base Ansongo (by day: advanced care 0 min, surgery 178 min)" in alert["message"]
    assert json.loads(runner.invoke(cli, args).output) == {"alerts": []}  # raised once per cause
    with world.tx() as tx:
        (stored,) = records.list_records(tx, Alert)
        assert isinstance(stored, Alert) and stored.sector_id == world.ids["east"]


def test_no_alert_when_another_helicopter_still_covers_the_place(db: Database) -> None:
    world = _covered_world(db)
    with world.tx() as tx:
        _unit(world, tx, "AVN Gao 2", "aviation_armed_helicopter", "gao")
    _repatriate(world, world.ids["avn"], ON - timedelta(days=3))
    assert watch.run(db, "tester", ON) == []


def test_an_old_loss_or_a_unit_never_deployed_is_no_news(db: Database) -> None:
    world = _covered_world(db)
    with world.tx() as tx:
        _unit(world, tx, "MED L2 Ansongo", "medical_level_2", "ansongo", deployment_status="pledged")
    _repatriate(world, world.ids["avn"], ON - timedelta(days=60))  # outside the rule's 28 days
    assert watch.run(db, "tester", ON) == []


def test_every_helicopter_of_the_unit_unserviceable_is_a_loss(db: Database) -> None:
    world = _covered_world(db)
    with world.tx() as tx:
        items = [
            records.create(tx, "EquipmentItem", {"mission_id": world.mission_id, "unit_id": world.ids["avn"],
                                                 "category": "helicopter", "identifier": f"UN-{n}"}).id
            for n in (1, 2)
        ]  # fmt: skip
        first = records.create(tx, "EquipmentStatusChange", {"equipment_id": items[0], "effective_on": "2021-04-20",
                               "serviceability": "unserviceable", "cause": "awaiting_parts"})  # fmt: skip
    assert watch.run(db, "tester", ON) == []  # one of two still flies
    with world.tx() as tx:
        second = records.create(tx, "EquipmentStatusChange", {"equipment_id": items[1], "effective_on": "2021-04-26",
                                "serviceability": "unserviceable", "cause": "accident"})  # fmt: skip
    (raised,) = watch.run(db, "tester", ON)
    assert raised.records == [
        ["Unit", world.ids["avn"]],
        ["EquipmentStatusChange", first.id],
        ["EquipmentStatusChange", second.id],
        ["Location", world.ids["ansongo"]],
    ]
    assert "since 2021-04-26 (every helicopter recorded unserviceable)" in raised.message
    assert watch.run(db, "tester", ON) == []
