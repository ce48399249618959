"""Caveats, rotations, convoys, capabilities and transition: hand-computed cases on both
backends, the `stats` commands' JSON, properties against plain computations, and the letter's
figures found in the reference mission."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bluehelmet.analytics.convoys import compliance, notified_beforehand, slope, trend
from bluehelmet.analytics.rotations import (
    RotationWindow,
    UnitStrength,
    Window,
    available_strength,
    overlapping_pairs,
)
from bluehelmet.cli import cli
from bluehelmet.domain.convoys import ConvoyNotification, ConvoyObservation, requires_notification
from bluehelmet.services import caveat_stats, convoy_stats, plan_stats, records, rotation_stats
from bluehelmet.services.database import Database, Transaction
from tests import factories

D = date.fromisoformat


def _id(record: Any) -> int:
    assert record.id is not None
    return int(record.id)


def _make(tx: Transaction, kind: str, /, **values: Any) -> Any:
    """Exactly the record asked for (the factories would add the records it could refer to)."""
    return records.create(tx, kind, values)


def _unit(tx: Transaction, mission: int, sector: int, name: str, unit_type: str = "infantry_battalion",
          **extra: Any) -> int:  # fmt: skip
    component = "police" if "police" in unit_type else "military"
    values = {"mission_id": mission, "name": name, "component": component, "unit_type": unit_type,
              "sector_id": sector, "status_since": "2020-06-01"}  # fmt: skip
    values.update(extra)
    return _id(_make(tx, "Unit", **values))


@pytest.fixture
def mission(db: Database) -> tuple[int, int, int]:
    """A mission with two sectors, Alpha and Bravo: (mission, alpha, bravo)."""
    with db.transaction("tester") as tx:
        mission = _id(factories.make(tx, "Mission", name="MINUSMA"))
        alpha = _id(_make(tx, "Sector", mission_id=mission, name="Alpha"))
        bravo = _id(_make(tx, "Sector", mission_id=mission, name="Bravo"))
    return mission, alpha, bravo


def _run(db: Database, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------- caveats


def _caveats(db: Database, mission: tuple[int, int, int]) -> None:
    m, alpha, _ = mission
    with db.transaction("tester") as tx:
        bn = _unit(tx, m, alpha, "BN", deployed_strength=800)
        coy = _unit(tx, m, alpha, "COY", "infantry_company", deployed_strength=150)
        fpu = _unit(tx, m, alpha, "FPU", "formed_police_unit", authorised_strength=140)
        _unit(tx, m, alpha, "FPU pledged", "formed_police_unit", deployment_status="pledged")
        _unit(tx, m, alpha, "IPO", "individual_police")
        seka = _id(
            _make(tx, "Operation", mission_id=m, name="Seka", operation_type="route_security", start_on="2020-12-01")
        )

        def caveat(unit: int, description: str, **values: Any) -> int:
            base = {"mission_id": m, "unit_id": unit, "kind": "within_sector_movement", "description": description,
                    "declared": False, "declared_on": None, "first_observed": None, "reported_on": None,
                    "lifted_on": None}  # fmt: skip
            return _id(_make(tx, "Caveat", **{**base, **values}))

        def impact(caveat_id: int, day: str, task: str, effect: str, operation: int | None) -> None:
            _make(tx, "CaveatImpact", caveat_id=caveat_id, occurred_on=day, task=task, effect=effect,
                           operation_id=operation)  # fmt: skip

        live = caveat(bn, "not beyond its sector", first_observed="2021-02-10")
        lifted = caveat(bn, "no night patrols", kind="no_night_operations", first_observed="2021-01-01",
                        lifted_on="2021-03-01")  # fmt: skip
        caveat(coy, "no escorts", kind="excluded_task", declared=True, declared_on="2020-05-01")
        late = caveat(coy, "no cordon and search", kind="excluded_task", declared=True, declared_on="2021-01-15",
                      first_observed="2021-01-10")  # fmt: skip
        caveat(fpu, "not outside Gao", kind="geographic", first_observed="2021-05-01")  # after the day asked
        impact(live, "2021-03-01", "reinforce Tessit", "refused", seka)
        impact(late, "2021-03-20", "cordon and search", "refused", None)
        impact(lifted, "2021-02-01", "night patrol", "delayed", seka)


def test_caveats_in_force_declared_and_undeclared(db: Database, mission: tuple[int, int, int]) -> None:
    _caveats(db, mission)
    result = caveat_stats.caveats(db, on=D("2021-04-01"))
    # In force: BN's (undeclared), COY's two; the one declared after deployment counts as undeclared.
    assert (result.caveats, result.declared, result.undeclared, result.all_undeclared) == (3, 1, 2, False)
    assert [(g.unit_type, g.declared, g.undeclared, g.units_with_undeclared) for g in result.by_group] == [
        ("infantry_battalion", 0, 1, 1),
        ("infantry_company", 1, 1, 1),
    ]
    assert [(k.value, k.count) for k in result.by_kind] == [("excluded_task", 2), ("within_sector_movement", 1)]
    assert [(i.value, i.count) for i in result.impacts_by_effect] == [("refused", 2), ("delayed", 1)]
    assert [(i.value, i.count) for i in result.impacts_by_operation] == [("Seka", 2), (None, 1)]
    later = caveat_stats.caveats(db, on=D("2021-04-01"), date_from=D("2021-03-01"), date_to=D("2021-03-31"))
    assert later.impacts == 2


def test_the_caveat_sentences_are_computed_from_the_records(db: Database, mission: tuple[int, int, int]) -> None:
    _caveats(db, mission)
    result = caveat_stats.caveats(db, on=D("2021-04-01"))
    said = {(s.component, s.unit_type): s for s in result.statements}
    police, fpu = said[("police", None)], said[("police", "formed_police_unit")]
    assert (police.units_with_undeclared, police.units_total, police.none_undeclared) == (0, 2, True)
    assert caveat_stats.describe_statement(police) == "No police unit operates with undeclared caveats."
    assert caveat_stats.describe_statement(fpu) == "No formed police unit operates with undeclared caveats."
    military = said[("military", None)]
    assert (military.units_with_undeclared, military.units_total, military.undeclared_caveats) == (2, 2, 2)
    assert caveat_stats.describe_statement(military) == "2 of 2 military units operate with undeclared caveats."
    battalion = said[("military", "infantry_battalion")]
    assert caveat_stats.describe_statement(battalion) == "1 of 1 infantry battalion operates with undeclared caveats."
    # On 1 May the police unit's caveat is in force (the day it was first met).
    may = {(s.component, s.unit_type): s for s in caveat_stats.caveats(db, on=D("2021-05-01")).statements}
    assert may[("police", None)].units_with_undeclared == 1


def test_with_no_declared_caveat_every_caveat_is_undeclared(db: Database, mission: tuple[int, int, int]) -> None:
    m, alpha, _ = mission
    with db.transaction("tester") as tx:
        unit = _unit(tx, m, alpha, "BN")
        _make(tx, "Caveat", mission_id=m, unit_id=unit, kind="geographic", description="not outside its base")
    result = caveat_stats.caveats(db, on=D("2021-06-01"))
    assert result.all_undeclared and result.declared == 0 and result.undeclared == 1


# ---------------------------------------------------------------------------- rotations


def _rotations(db: Database, mission: tuple[int, int, int]) -> None:
    m, alpha, bravo = mission
    with db.transaction("tester") as tx:
        bn1 = _unit(tx, m, alpha, "Alpha BN 1", deployed_strength=800)
        bn2 = _unit(tx, m, alpha, "Alpha BN 2", deployed_strength=600)
        coy = _unit(tx, m, alpha, "Alpha BN 1 Coy A", "infantry_company", parent_id=bn1, deployed_strength=100)
        _unit(tx, m, alpha, "Alpha BN pledged", deployed_strength=300, deployment_status="pledged")
        bn3 = _unit(tx, m, bravo, "Bravo BN 3", deployed_strength=500)

        def rotation(unit: int, planned: str, actual: str | None, fraction: float = 0.5) -> None:
            start, end = planned.split("/")
            first, last = [*actual.split("/"), None][:2] if actual else (None, None)
            _make(tx, "Rotation", mission_id=m, unit_id=unit, planned_start=start, planned_end=end,
                           actual_start=first, actual_end=last or None, available_fraction=fraction,
                           personnel=None)  # fmt: skip

        rotation(bn1, "2021-03-01/2021-03-10", "2021-03-05/2021-03-14")
        rotation(bn2, "2021-03-20/2021-03-30", "2021-03-10/2021-03-20")
        rotation(bn3, "2021-03-01/2021-03-10", "2021-03-01", 0.25)  # under way
        rotation(coy, "2021-04-01/2021-04-05", None, 0.0)  # planned only
        period = {"mission_id": m, "tempo": "high"}
        _make(tx, "OperationalPeriod", **period, sector_id=alpha, name="Alpha high",
                       start_on="2021-03-12", end_on="2021-03-31")  # fmt: skip
        _make(tx, "OperationalPeriod", **period, sector_id=None, name="Mission high",
                       start_on="2021-04-03", end_on="2021-04-10")  # fmt: skip
        _make(tx, "OperationalPeriod", mission_id=m, tempo="normal", sector_id=bravo, name="Bravo calm",
                       start_on="2021-03-01", end_on="2021-03-31")  # fmt: skip


def test_available_strength_per_sector_and_day(db: Database, mission: tuple[int, int, int]) -> None:
    _rotations(db, mission)
    report = rotation_stats.rotations(db, D("2021-03-01"), D("2021-04-10"))
    day = {(d.sector, d.day): d for d in report.daily}
    # Both Alpha battalions at half strength: 400 + 300.
    assert (day[("Alpha", D("2021-03-10"))].deployed, day[("Alpha", D("2021-03-10"))].available) == (1400, 700)
    assert day[("Alpha", D("2021-03-10"))].rotating_units == 2
    assert day[("Alpha", D("2021-03-04"))].available == 1400  # actual windows count, not planned ones
    assert day[("Alpha", D("2021-03-15"))].available == 1100
    assert day[("Alpha", D("2021-04-02"))].available == 700 + 600  # the company's 100 away from its parent
    assert day[("Bravo", D("2021-03-10"))].available == 125  # under way: lasts as long as planned
    assert day[("Bravo", D("2021-03-11"))].available == 500
    assert [(d.sector, d.day, d.available) for d in report.lowest] == [
        ("Alpha", D("2021-03-10"), 700),
        ("Bravo", D("2021-03-01"), 125),
    ]


def test_rotations_at_the_same_time_against_the_plan(db: Database, mission: tuple[int, int, int]) -> None:
    _rotations(db, mission)
    report = rotation_stats.rotations(db, D("2021-03-01"), D("2021-04-10"))
    assert report.overlaps.planned == []
    (pair,) = report.overlaps.actual
    assert (pair.sector, pair.first, pair.second, pair.start, pair.end, pair.days) == (
        "Alpha", "Alpha BN 1", "Alpha BN 2", D("2021-03-10"), D("2021-03-14"), 5,
    )  # fmt: skip
    assert report.overlaps.against_plan == [pair]
    everyone = rotation_stats.rotations(db, D("2021-03-01"), D("2021-04-10"), unit_types=None)
    assert len(everyone.overlaps.actual) == 1  # the company's planned window touches no one


def test_rotation_days_in_high_periods_and_departures_from_plan(db: Database, mission: tuple[int, int, int]) -> None:
    _rotations(db, mission)
    report = rotation_stats.rotations(db, D("2021-03-01"), D("2021-04-10"))
    assert [(c.unit, c.period, c.planned_days, c.actual_days) for c in report.high_periods] == [
        ("Alpha BN 1", "Alpha high", 0, 3),
        ("Alpha BN 1 Coy A", "Mission high", 3, 0),
        ("Alpha BN 2", "Alpha high", 11, 9),
    ]
    shifts = {d.unit: (d.start_shift, d.end_shift, d.longer_by, d.kept_plan) for d in report.deviations}
    assert shifts == {
        "Alpha BN 1": (4, 4, 0, False),
        "Alpha BN 2": (-10, -10, 0, False),
        "Bravo BN 3": (0, None, None, None),
        "Alpha BN 1 Coy A": (None, None, None, None),
    }
    lenient = rotation_stats.rotations(db, D("2021-03-01"), D("2021-04-10"), tolerance_days=10)
    assert {d.unit: d.kept_plan for d in lenient.deviations}["Alpha BN 2"] is True


# ---------------------------------------------------------------------------- convoys


def _convoys(db: Database, mission: tuple[int, int, int]) -> None:
    m = mission[0]
    with db.transaction("tester") as tx:

        def notice(group: str, day: str) -> int:
            return _id(_make(tx, "ConvoyNotification", mission_id=m, armed_group=group, notified_on=day, vehicles=8))

        def seen(group: str, day: str, vehicles: int, heavy: bool = False, notice_id: int | None = None) -> None:
            _make(tx, "ConvoyObservation", mission_id=m, armed_group=group, observed_on=day,
                           vehicles=vehicles, heavy_weapons=heavy, notification_id=notice_id)  # fmt: skip

        n1, n2 = notice("CMA", "2021-01-03"), notice("CMA", "2021-01-20")
        notice("GATIA", "2021-02-01")
        n4 = notice("CMA", "2021-03-05")
        seen("CMA", "2021-01-05", 8, notice_id=n1)  # notified beforehand
        seen("CMA", "2021-01-18", 3, heavy=True, notice_id=n2)  # notified only after it was seen
        seen("GATIA", "2021-02-02", 4)  # needed no notice
        seen("GATIA", "2021-02-10", 6)  # needed notice, had none
        seen("CMA", "2021-03-06", 12, notice_id=n4)
        seen("CMA", "2021-03-07", 5)  # five vehicles: no notice needed


def test_convoy_compliance_by_month_and_armed_group(db: Database, mission: tuple[int, int, int]) -> None:
    _convoys(db, mission)
    result = convoy_stats.convoys(db, date_from=D("2021-01-01"), date_to=D("2021-03-31"), window=1)
    assert [(r.key, r.observed, r.needing_notice, r.notified, r.share) for r in result.by_month] == [
        ("2021-01", 2, 2, 1, 0.5),
        ("2021-02", 2, 1, 0, 0.0),
        ("2021-03", 2, 1, 1, 1.0),
    ]
    assert [(r.key, r.observed, r.needing_notice, r.notified) for r in result.by_armed_group] == [
        ("CMA", 4, 3, 2),
        ("GATIA", 2, 1, 0),
    ]
    assert (result.total.needing_notice, result.total.notified, result.total.breaches, result.total.share) == (
        4, 2, 2, 0.5,
    )  # fmt: skip
    assert [(m.month, m.notifications) for m in result.notifications_by_month] == [
        ("2021-01", 2), ("2021-02", 1), ("2021-03", 1),
    ]  # fmt: skip
    assert result.notification_trend.slope_per_month == pytest.approx(-0.5)
    assert result.notification_trend.change_percent == pytest.approx(-50.0)
    assert result.notification_trend.declined
    assert result.compliance_trend.slope_per_month == pytest.approx(0.25)  # (0.5, 0, 1) against (0, 1, 2)
    assert not result.compliance_trend.declined


def test_the_convoy_period_defaults_to_the_records(db: Database, mission: tuple[int, int, int]) -> None:
    _convoys(db, mission)
    assert convoy_stats.convoys(db).months == ["2021-01", "2021-02", "2021-03"]


# ---------------------------------------------------------------------------- capabilities and transition


def test_capabilities_required_deployed_and_pledged(db: Database, mission: tuple[int, int, int]) -> None:
    m, alpha, bravo = mission
    with db.transaction("tester") as tx:
        _unit(tx, m, alpha, "UH 1", "aviation_utility_helicopter")
        _unit(tx, m, bravo, "UH 2", "aviation_utility_helicopter", deployment_status="rotating")
        _unit(tx, m, bravo, "UH 3", "aviation_utility_helicopter", deployment_status="pledged")
        _unit(tx, m, bravo, "UH 4", "aviation_utility_helicopter", deployment_status="repatriated")
        _unit(tx, m, alpha, "L2 Alpha", "medical_level_2", deployment_status="advance_team_only")
        _unit(tx, m, bravo, "L2 Bravo", "medical_level_2")

        def need(capability: str, sector: int | None, required: int) -> None:
            _make(tx, "CapabilityRequirement", mission_id=m, capability=capability, sector_id=sector,
                           required=required)  # fmt: skip

        need("aviation_utility_helicopter", None, 4)
        need("medical_level_2", alpha, 2)
        need("unmanned_aerial_system", None, 1)
    rows = plan_stats.capabilities(db)
    assert [(r.capability, r.sector, r.required, r.deployed, r.pledged, r.gap, r.gap_after_pledges) for r in rows] == [
        ("aviation_utility_helicopter", None, 4, 2, 1, 2, 1),
        ("unmanned_aerial_system", None, 1, 0, 0, 1, 1),
        ("medical_level_2", "Alpha", 2, 0, 1, 2, 1),
    ]
    assert rows[0].deployed_units == ["UH 1", "UH 2"] and rows[0].pledged_units == ["UH 3"]
    assert [r.capability for r in plan_stats.capabilities(db, open_only=True)] == [r.capability for r in rows]


def test_transition_activities_late_or_delayed(db: Database, mission: tuple[int, int, int]) -> None:
    m = mission[0]
    with db.transaction("tester") as tx:

        def activity(title: str, status: str, due: str | None, **extra: Any) -> None:
            values = {"mission_id": m, "title": title, "status": status, "due_on": due, "completed_on": None,
                      "delay_reason": "", "road_map_phase": "phase_1", "owner": "UNCT",
                      "owner_kind": "joint"}  # fmt: skip
            _make(tx, "TransitionActivity", **{**values, **extra})

        activity("conflict analysis", "delayed", "2021-03-31", delay_reason="post-coup transition")
        activity("capacity mapping", "in_progress", "2021-04-30", owner="MINUSMA")  # late, not marked delayed
        activity("risk analysis", "delayed", "2021-09-30", delay_reason="staff")  # delayed, not yet due
        activity("support plan", "completed", "2021-03-01", completed_on="2021-03-11")
        activity("old idea", "cancelled", "2021-01-31")
        activity("phase two planning", "planned", None, road_map_phase="phase_2")
    result = plan_stats.transition(db, on=D("2021-06-01"))
    assert [(s.title, s.late, s.delayed, s.days_late, s.delay_reason) for s in result.behind] == [
        ("conflict analysis", True, True, 62, "post-coup transition"),
        ("capacity mapping", True, False, 32, ""),
        ("risk analysis", False, True, None, "staff"),
    ]
    assert [(g.key, g.activities, g.late_or_delayed) for g in result.by_phase] == [("phase_1", 5, 3), ("phase_2", 1, 0)]
    assert [(g.key, g.activities, g.late_or_delayed) for g in result.by_owner] == [("MINUSMA", 1, 1), ("UNCT", 5, 2)]


# ---------------------------------------------------------------------------- the commands


def test_the_stats_commands_print_json(db: Database, mission: tuple[int, int, int]) -> None:
    _caveats(db, mission)
    _convoys(db, mission)
    caveats = _run(db, "caveats", "--on", "2021-04-01")
    assert caveats["undeclared"] == 2 and caveats["on"] == "2021-04-01"
    police = next(s for s in caveats["statements"] if s["component"] == "police" and s["unit_type"] is None)
    assert police["none_undeclared"] is True
    convoys = _run(db, "convoys", "--from", "2021-01-01", "--to", "2021-03-31", "--window", "1")
    assert [r["share"] for r in convoys["by_month"]] == [0.5, 0.0, 1.0]
    assert convoys["notification_trend"]["declined"] is True
    assert _run(db, "capabilities")["rows"] == []
    assert _run(db, "transition", "--on", "2021-06-01")["behind"] == []


def test_the_rotations_command(db: Database, mission: tuple[int, int, int]) -> None:
    _rotations(db, mission)
    data = _run(db, "rotations", "--from", "2021-03-01", "--to", "2021-04-10")
    assert "daily" not in data
    assert [(o["first"], o["second"]) for o in data["overlaps"]["against_plan"]] == [("Alpha BN 1", "Alpha BN 2")]
    daily = _run(db, "rotations", "--from", "2021-03-01", "--to", "2021-03-02", "--daily")
    assert len(daily["daily"]) == 4
    text = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "rotations", "--from", "2021-03-01",
                                    "--to", "2021-04-10"])  # fmt: skip
    assert text.exit_code == 0, text.output
    assert "Alpha BN 1" in text.stdout and "not yet known" in text.stdout


def test_the_caveats_command_states_the_sentence(db: Database, mission: tuple[int, int, int]) -> None:
    _caveats(db, mission)
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "caveats", "--on", "2021-04-01"])
    assert result.exit_code == 0, result.output
    assert "No police unit operates with undeclared caveats." in result.stdout


def test_a_reversed_period_is_one_line_of_error(db: Database, mission: tuple[int, int, int]) -> None:
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "rotations", "--from", "2021-03-01",
                                      "--to", "2021-02-01"])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: --to 2021-02-01 is before --from 2021-03-01"


# ---------------------------------------------------------------------------- properties

_day = st.dates(D("2021-01-01"), D("2021-02-28"))


@st.composite
def _windows(draw: st.DrawFn) -> Window:
    start = draw(_day)
    return Window(start, start + timedelta(days=draw(st.integers(0, 20))))


_units = st.lists(st.tuples(st.sampled_from(["A", "B", None]), st.integers(0, 1000)), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    units=_units,
    rotations=st.lists(
        st.tuples(st.integers(0, 7), _windows(), st.floats(0, 1), st.none() | st.integers(0, 1200)), max_size=8
    ),
)
def test_available_strength_never_exceeds_deployed_and_equals_it_without_rotations(
    units: list, rotations: list
) -> None:  # type: ignore[type-arg]
    strengths = [UnitStrength(n, sector, s) for n, (sector, s) in enumerate(units)]
    windows = [RotationWindow(unit, window, fraction, affected) for unit, window, fraction, affected in rotations]
    period = Window(D("2021-01-01"), D("2021-03-31"))
    days = available_strength(strengths, windows, period)
    assert len(days) == len({u.sector for u in strengths}) * period.days
    for d in days:
        members = [u for u in strengths if u.sector == d.sector]
        assert d.deployed == sum(u.strength for u in members)
        assert -1e-9 <= d.available <= d.deployed + 1e-9
        touched = any(w.window.contains(d.day) and w.unit_id in {u.unit_id for u in members} for w in windows)
        if not touched:
            assert d.available == d.deployed and d.rotating_units == 0


_items = st.lists(
    st.tuples(st.sampled_from(["BN 1", "BN 2", "BN 3", "BN 4"]), st.sampled_from(["A", "B", None]), _windows()),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(items=_items, seed=st.integers(0, 1000))
def test_overlaps_are_symmetric_order_independent_and_complete(items: list, seed: int) -> None:  # type: ignore[type-arg]
    numbered = [(n, unit, sector, window) for n, (unit, sector, window) in enumerate(items)]
    shuffled = numbered[:]
    random.Random(seed).shuffle(shuffled)
    found = overlapping_pairs(numbered)
    assert found == overlapping_pairs(shuffled) == overlapping_pairs(reversed(numbered))
    expected = {
        frozenset({a[0], b[0]})
        for a in numbered
        for b in numbered
        if a[0] != b[0] and a[1] != b[1] and a[2] == b[2] and a[3].start <= b[3].end and b[3].start <= a[3].end
    }
    assert {frozenset({o.first_rotation_id, o.second_rotation_id}) for o in found} == expected
    assert all(o.first < o.second and o.days > 0 for o in found)


@settings(max_examples=200, deadline=None)
@given(
    observations=st.lists(
        st.tuples(
            st.sampled_from(["CMA", "Plateforme"]),
            _day,
            st.integers(0, 12),
            st.booleans(),
            st.none() | st.integers(1, 4),
        ),
        max_size=15,
    ),
    notices=st.lists(_day, min_size=4, max_size=4),
)
def test_compliance_share_is_a_plain_count(observations: list, notices: list) -> None:  # type: ignore[type-arg]
    notifications = {
        n: ConvoyNotification(id=n, mission_id=1, armed_group="CMA", notified_on=day, vehicles=6)
        for n, day in enumerate(notices, start=1)
    }
    seen = [
        ConvoyObservation(mission_id=1, armed_group=g, observed_on=day, vehicles=v, heavy_weapons=h, notification_id=n)
        for g, day, v, h, n in observations
    ]
    (total,) = compliance(seen, notifications, lambda _: None, keys=[None])  # type: ignore[list-item]
    needing = [o for o in seen if o.vehicles > 5 or o.heavy_weapons]
    notified = [
        o for o in needing if o.notification_id and notifications[o.notification_id].notified_on <= o.observed_on
    ]
    assert (total.observed, total.needing_notice, total.notified) == (len(seen), len(needing), len(notified))
    assert total.share is None if not needing else 0 <= total.share <= 1 and total.share == len(notified) / len(needing)
    by_group = compliance(seen, notifications, lambda o: o.armed_group)
    assert sum(r.needing_notice for r in by_group) == len(needing)
    assert sum(r.notified for r in by_group) == len(notified)
    assert all(requires_notification(o.vehicles, o.heavy_weapons) for o in needing)
    assert all(notified_beforehand(o, notifications) for o in notified)


@given(values=st.lists(st.integers(-50, 50), min_size=2, max_size=12))
def test_slope_of_a_line_is_its_gradient(values: list) -> None:  # type: ignore[type-arg]
    gradient, intercept = values[0], values[1]
    points = [(float(x), float(intercept + gradient * x)) for x in range(len(values))]
    assert slope(points) == pytest.approx(gradient)
    assert trend([y for _, y in points]).declined == (gradient < 0)


# ---------------------------------------------------------------------------- the letter, from the reference mission


@pytest.fixture
def reference(reference_db: Database) -> Database:
    """The reference mission (loaded once per backend, in conftest)."""
    return reference_db


END = D("2021-06-01")


def test_letter_no_police_unit_operates_with_undeclared_caveats(reference: Database) -> None:
    result = caveat_stats.caveats(reference, on=END)
    said = {(s.component, s.unit_type): s for s in result.statements}
    assert said[("police", None)].none_undeclared
    assert said[("police", "formed_police_unit")].none_undeclared
    assert caveat_stats.describe_statement(said[("police", None)]) == "No police unit operates with undeclared caveats."
    # "The Secretariat has not registered any declared caveats ... all caveats as undeclared."
    assert result.caveats > 0 and result.declared == 0 and result.all_undeclared
    assert "within_sector_movement" in {k.value for k in result.by_kind}
    assert result.impacts > 0


def test_letter_two_battalions_rotated_at_the_same_time_against_the_plan(reference: Database) -> None:
    report = rotation_stats.rotations(reference, D("2021-01-01"), END)
    (pair,) = report.overlaps.against_plan
    assert pair.sector == "Sector Centre"
    assert {pair.first, pair.second} == {"INFBAT Douentza", "INFBAT Sévaré"}
    off_plan = {d.unit for d in report.deviations if d.kept_plan is False}
    assert off_plan & {pair.first, pair.second}
    # The plan keeps rotations out of "high" periods.
    assert all(c.planned_days == 0 for c in report.high_periods)
    centre = next(d for d in report.lowest if d.sector == "Sector Centre")
    assert centre.rotating_units >= 2 and centre.available < centre.deployed


def test_letter_convoy_notifications_declined_markedly(reference: Database) -> None:
    result = convoy_stats.convoys(reference, date_from=D("2020-10-01"), date_to=D("2021-05-31"))
    notified = [m.notifications for m in result.notifications_by_month]
    assert result.notification_trend.declined
    assert (result.notification_trend.change_percent or 0) <= -50
    assert notified[-1] < notified[0]
    assert result.total.breaches > 0


def test_letter_capability_gaps(reference: Database) -> None:
    gaps = {r.capability for r in plan_stats.capabilities(reference, open_only=True)}
    assert {
        "aviation_utility_helicopter",
        "aviation_armed_helicopter",
        "aviation_attack_helicopter",
        "quick_reaction_force",
        "mobile_surgical_team",
        "isr_fixed_wing",
        "unmanned_aerial_system",
        "forward_surgical_team",
    } <= gaps


def test_letter_delayed_transition_activities(reference: Database) -> None:
    result = plan_stats.transition(reference, on=END)
    delayed = {s.title for s in result.behind if s.delayed and s.delay_reason}
    assert {
        "Gender- and human rights-sensitive conflict analyses",
        "Analysis of environmental risks",
        "UN country team capacity mapping exercise",
    } <= delayed
    assert [g.key for g in result.by_phase] == ["phase_1", "phase_2"]
