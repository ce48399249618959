"""Alert rules on hand-made missions, on both backends: each kind fires on its cause, not just
under its threshold nor outside its distance, and never twice for the same cause."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.alerts import Alert, distance_to_route_km, poisson_upper_tail, surge_test
from bluehelmet.domain.errors import InvalidRecord, NotFound
from bluehelmet.services import records, watch
from bluehelmet.services.database import Database
from tests.factories import make
from tests.watch_world import ANSONGO, GAO, World, build, convoy_activity

ON = date(2021, 4, 28)


def _surge_world(db: Database, now: int, past: tuple[int, ...]) -> World:
    """``now`` attacks in Ansongo in the 28 days to ON, ``past[k]`` in the same days k+1 years before."""
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Surge Ansongo", "surge", admin_area_id=world.ids["ansongo_area"], period_days=28,
                   baseline_years=len(past), level=0.01)  # fmt: skip
        for n in range(now):
            world.incident(tx, f"2021-04-{10 + n % 15:02d}")
        for years, count in enumerate(past, start=1):
            for n in range(count):
                world.incident(tx, f"{2021 - years}-04-{10 + n % 15:02d}")
            world.incident(tx, f"{2021 - years}-01-05", where="Kidal")  # the record began before the window
    return world


def test_a_surge_fires_once_and_names_its_incidents(db: Database) -> None:
    world = _surge_world(db, 9, (1, 2, 1))
    raised = watch.run(db, "tester", ON)
    assert [(r.rule, r.kind) for r in raised] == [("Surge Ansongo", "surge")]
    assert len(raised[0].records) == 9 and all(kind == "Incident" for kind, _ in raised[0].records)
    assert "9 incidents in Ansongo" in raised[0].message and "(1, 2, 1)" in raised[0].message
    assert watch.run(db, "tester", ON) == []  # the same cause is not raised again
    with world.tx() as tx:
        alert = records.list_records(tx, Alert)[0]
        assert isinstance(alert, Alert) and alert.sector_id == world.ids["east"]


def test_a_surge_just_under_the_threshold_does_not_fire(db: Database) -> None:
    _surge_world(db, 3, (1, 1, 1))  # above every year, but a Poisson test gives p = 0.17
    assert watch.run(db, "tester", ON) == []


def test_years_before_the_record_began_are_not_counted_as_quiet(db: Database) -> None:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Surge Ansongo", "surge", admin_area_id=world.ids["ansongo_area"])
        for n in range(12):
            world.incident(tx, f"2021-04-{10 + n:02d}")
    assert watch.run(db, "tester", ON) == []  # no past year recorded: no baseline, no surge


def test_a_surge_elsewhere_does_not_fire_the_rule_of_another_area(db: Database) -> None:
    world = _surge_world(db, 0, (1, 1, 1))
    with world.tx() as tx:
        for n in range(12):
            world.incident(tx, f"2021-04-{10 + n:02d}", where="Kidal")
    assert watch.run(db, "tester", ON) == []


def test_proximity_to_a_base_and_a_planned_route(db: Database) -> None:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Near", "proximity", distance_km=10, days_ahead=7, period_days=7, severity="critical")
        near_camp = world.incident(tx, "2021-04-26", where="Gao", category="ied_detonated",
                                   at=(GAO[0] + 0.03, GAO[1]))  # about 3 km north of the camp  # fmt: skip
        world.incident(tx, "2021-04-26", where="Kidal", category="ied_detonated")  # far from everything
        world.incident(tx, "2021-04-10", where="Gao", category="ied_detonated")  # too long ago
        world.incident(tx, "2021-04-27", where="Gao", category="hijacking")  # not a kind the rule watches
        middle = ((GAO[0] + ANSONGO[0]) / 2, (GAO[1] + ANSONGO[1]) / 2)
        on_route = world.incident(tx, "2021-04-27", where="Ansongo", category="road_blockage", at=middle)
        escort = convoy_activity(world, tx, date(2021, 5, 1), date(2021, 5, 2))  # in 3 days
        convoy_activity(world, tx, date(2021, 6, 1), date(2021, 6, 2))  # a month away: not yet watched
    raised = watch.run(db, "tester", ON)
    pairs = sorted(tuple(map(tuple, r.records)) for r in raised)
    assert (("Incident", near_camp), ("Location", world.ids["camp"])) in pairs
    assert (("Incident", on_route), ("Activity", escort)) in pairs
    # The IED by the camp is also by the escort's start (Gao); the route a month away, the far, the
    # old and the other-kind incidents raise nothing.
    assert (("Incident", near_camp), ("Activity", escort)) in pairs and len(pairs) == 3, pairs
    assert all(r.severity == "critical" for r in raised)
    assert watch.run(db, "tester", ON) == []


def test_proximity_just_outside_the_distance_does_not_fire(db: Database) -> None:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Near", "proximity", distance_km=3, targets=["bases"])
        world.incident(tx, "2021-04-26", where="Gao", category="ied_detonated", at=(GAO[0] + 0.03, GAO[1]))
    assert watch.run(db, "tester", ON) == []


def test_a_near_repeat_cluster_fires_at_its_size(db: Database) -> None:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Cluster", "near_repeat", distance_km=5, near_repeat_days=10, min_size=3, period_days=14)
        first = world.incident(tx, "2021-04-20", category="ied_detonated", at=(15.66, 0.50))
        second = world.incident(tx, "2021-04-22", category="ied_neutralised", at=(15.67, 0.51))
    assert watch.run(db, "tester", ON) == []  # two IEDs: not yet a cluster of three
    with world.tx() as tx:
        third = world.incident(tx, "2021-04-25", category="ied_detonated", at=(15.65, 0.50))
    raised = watch.run(db, "tester", ON)
    assert [sorted(i for _, i in r.records) for r in raised] == [sorted([first, second, third])]
    with world.tx() as tx:
        world.incident(tx, "2021-04-26", category="ied_detonated", at=(15.66, 0.49))
    assert watch.run(db, "tester", ON) == []  # the cluster grew: the same cause, raised once


def test_a_convoy_without_notification_fires_and_a_notified_or_small_one_does_not(db: Database) -> None:
    world = build(db)
    mid = world.mission_id
    with world.tx() as tx:
        world.rule(tx, "Farrier", "unnotified_convoy", period_days=14)
        notice = records.create(tx, "ConvoyNotification", {"mission_id": mid, "armed_group": "CMA",
                                                            "notified_on": "2021-04-20", "vehicles": 9})  # fmt: skip
        base = {"mission_id": mid, "location_id": world.ids["kidal"]}
        unnotified = records.create(tx, "ConvoyObservation", {**base, "armed_group": "CMA", "observed_on": "2021-04-25",
                                                              "vehicles": 9})  # fmt: skip
        records.create(tx, "ConvoyObservation", {**base, "armed_group": "CMA", "observed_on": "2021-04-24",
                                                 "vehicles": 9, "notification_id": notice.id})  # fmt: skip
        records.create(tx, "ConvoyObservation", {**base, "armed_group": "GATIA", "observed_on": "2021-04-24",
                                                 "vehicles": 3})  # fmt: skip
    raised = watch.run(db, "tester", ON)
    assert [r.records for r in raised] == [[["ConvoyObservation", unnotified.id]]]
    assert "CMA" in raised[0].message and "without prior notification" in raised[0].message


def test_a_disabled_rule_raises_nothing(db: Database) -> None:
    world = _surge_world(db, 9, (1, 1, 1))
    with world.tx() as tx:
        rule = watch.list_rules(tx, "Watchland")[0]
        assert rule.id is not None and rule.version is not None
        records.update(tx, "AlertRule", rule.id, {"enabled": False}, rule.version)
    assert watch.run(db, "tester", ON) == []


def test_acknowledging_keeps_who_and_when_in_the_history(db: Database) -> None:
    world = _surge_world(db, 9, (1, 1, 1))
    (raised,) = watch.run(db, "tester", ON)
    analyst = Principal("ana", Role.ANALYST)
    with world.tx() as tx:
        alert = watch.acknowledge(tx, analyst, raised.id)
        assert alert.acknowledged_by == "ana" and alert.acknowledged_at is not None
        history = records.history(tx, Alert, raised.id)
        assert [str(h.action) for h in history] == ["create", "update"]
        assert history[1].after is not None and history[1].after["acknowledged_by"] == "ana"
        assert watch.unacknowledged_count(tx, analyst, world.mission_id) == 0


def test_a_sector_account_reads_only_its_sectors_alerts(db: Database) -> None:
    world = _surge_world(db, 9, (1, 1, 1))  # Ansongo: the east
    watch.run(db, "tester", ON)
    east, west = Principal("e", Role.SECTOR, world.ids["east"]), Principal("w", Role.SECTOR, world.ids["west"])
    with world.tx() as tx:
        assert len(watch.alerts_for(tx, east, world.mission_id)) == 1
        assert watch.alerts_for(tx, west, world.mission_id) == []
        alert_id = watch.alerts_for(tx, east, world.mission_id)[0][0].id
        assert alert_id is not None
        with pytest.raises(NotFound):
            watch.acknowledge(tx, west, alert_id)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"categories": ["ied_exploded"]}, "categories"), ({"level": 2}, "level"), ({"emails": ["not an address"]},
     "emails"), ({"webhooks": ["ftp://x"]}, "webhooks"), ({"baseline_years": 5}, "baseline_years"),
     ({"targets": ["moon"]}, "targets"), ({"distance_km": float("nan")}, "distance_km")],
)  # fmt: skip
def test_a_rule_that_cannot_work_is_refused_with_its_field(db: Database, change: dict[str, object], field: str) -> None:
    world = build(db)
    with world.tx() as tx, pytest.raises(InvalidRecord) as refused:
        world.rule(tx, "Bad", "surge", **change)
    assert field in str(refused.value)


def test_watch_run_json_is_the_contract_and_says_nothing_new_the_second_time(db: Database) -> None:
    _surge_world(db, 9, (1, 1, 1))
    runner = CliRunner()
    args = ["--db", db.settings.database_url, "watch", "run", "--on", ON.isoformat(), "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    alerts = json.loads(first.output)["alerts"]
    assert [sorted(a) for a in alerts] == [["kind", "message", "records", "rule", "severity"]]
    assert alerts[0]["rule"] == "Surge Ansongo" and alerts[0]["records"][0][0] == "Incident"
    second = runner.invoke(cli, args)
    assert json.loads(second.output) == {"alerts": []}


def test_the_tests_that_decide() -> None:
    assert poisson_upper_tail(0, 5, 0.5) == 1.0 and poisson_upper_tail(6, 5, 0.5) == 0.0
    assert poisson_upper_tail(4, 4, 0.25) == pytest.approx(0.25**4)
    assert not surge_test(5, [], 0.05).fires  # no history: unknown, not quiet
    assert not surge_test(5, [5, 0, 0], 0.5).fires  # not above every past year
    assert surge_test(12, [1, 2, 1], 0.01).fires
    route = [(0.0, 0.0), (0.0, 1.0)]
    assert distance_to_route_km(0.0, 0.5, route) == pytest.approx(0.0, abs=1e-9)
    assert distance_to_route_km(0.1, 0.5, route) == pytest.approx(11.12, abs=0.05)
    assert distance_to_route_km(0.0, 2.0, route) == pytest.approx(111.2, abs=0.2)


def test_a_new_incident_fires_the_rules_it_can_at_once_and_an_old_one_costs_nothing(db: Database) -> None:
    world = build(db)
    today = date.today()
    with world.tx() as tx:
        world.rule(tx, "Near", "proximity", distance_km=10, targets=["bases"], period_days=7)
        old = world.incident(tx, "2021-04-26", where="Gao", category="ied_detonated")
        new = world.incident(tx, today.isoformat(), where="Gao", category="ied_detonated")
    assert watch.after_incident(db, "tester", old) == []
    (raised,) = watch.after_incident(db, "tester", new)
    assert raised.records == [["Incident", new], ["Location", world.ids["camp"]]]
    assert watch.after_incident(db, "tester", new) == [] and watch.run(db, "tester") == []


def test_a_rotation_planned_inside_a_high_tempo_period(db: Database) -> None:
    world = build(db)
    mid = world.mission_id
    with world.tx() as tx:
        world.rule(tx, "Rotations", "rotation_in_high_tempo", days_ahead=60)
        high = make(tx, "OperationalPeriod", mission_id=mid, sector_id=None, name="dry season", tempo="high",
                    start_on="2021-05-10", end_on="2021-06-10")  # fmt: skip
        make(tx, "OperationalPeriod", mission_id=mid, sector_id=None, name="rains", tempo="low",
             start_on="2021-07-01", end_on="2021-08-31")  # fmt: skip
        unit = make(tx, "Unit", mission_id=mid)
        rotation = {"mission_id": mid, "unit_id": unit.id, "actual_start": None, "actual_end": None}
        inside = make(tx, "Rotation", **rotation, planned_start="2021-05-20", planned_end="2021-06-05")
        make(tx, "Rotation", **rotation, planned_start="2021-07-05", planned_end="2021-07-20")  # a low period
        make(tx, "Rotation", **rotation, planned_start="2021-04-01", planned_end="2021-04-20")  # before it
    raised = watch.run(db, "tester", ON)
    assert [r.records for r in raised] == [[["Rotation", inside.id], ["OperationalPeriod", high.id]]]
    assert "inside the high-tempo period dry season" in raised[0].message
