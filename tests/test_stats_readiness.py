"""Readiness: equipment serviceability and unit performance on hand-computed records (both
backends), the `stats equipment` and `stats performance` contracts, a property against a
day-by-day replay of random histories, and the letter's figures from the reference mission."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from bluehelmet.analytics.equipment import ItemStatus, damage_by_year, status_on
from bluehelmet.analytics.performance import passes
from bluehelmet.cli import cli
from bluehelmet.domain.equipment import EquipmentItem, EquipmentStatusChange, Serviceability
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import readiness, records
from bluehelmet.services.database import Database, Transaction
from tests import factories

ON = date(2021, 5, 31)


def _create(tx: Transaction, entity: str, /, **values: Any) -> int:
    """A child record with exactly these values (the factories would add parents of their own)."""
    return int(records.create(tx, entity, {"provenance": "test", **values}).id or 0)


def _unit(tx: Transaction, mission_id: int, name: str, **extra: Any) -> int:
    values: dict[str, Any] = {"mission_id": mission_id, "name": name, "mobile_task_force": False}
    values.update(extra)
    return int(factories.make(tx, "Unit", **values).id or 0)


def _item(
    tx: Transaction, mission_id: int, unit_id: int, name: str, category: str, *changes: tuple[str, str | None]
) -> None:
    """An item and its changes, each (effective_on, cause), the cause None for serviceable."""
    item = _create(tx, "EquipmentItem", mission_id=mission_id, unit_id=unit_id, identifier=name, category=category)
    for day, cause in changes:
        _create(tx, "EquipmentStatusChange", equipment_id=item, effective_on=day, cause=cause,
                serviceability="serviceable" if cause is None else "unserviceable")  # fmt: skip


@pytest.fixture
def fleet(db: Database) -> None:
    """Eight items of two combat convoy companies (one with a platoon):

    ========  ========  =====  ==========================================  ====================
    item      unit      kind   changes                                     on 31 May 2021
    ========  ========  =====  ==========================================  ====================
    i1        CCC 1     APC    2018-03-01 explosive                        out (explosive, 2018)
    i2        CCC 1     APC    2019-05-01 wear, 2019-07-01 repaired        serviceable
    i3        CCC 1     MPV    none                                        serviceable
    i4        CCC 1     MPV    2020-06-01 other, 2020-08-01 awaiting parts  out (other, 2020)
    i5        CCC 2     APC    2021-02-15 explosive                        out (explosive, 2021)
    i6        CCC 2     APC    2021-06-10 explosive (after the day)        serviceable
    i7        CCC 2     truck  2020-01-01 hostile fire                     out (hostile fire, 2020)
    i8        platoon   MPV    2021-01-05 arrival, serviceable             serviceable
    ========  ========  =====  ==========================================  ====================
    """
    with db.transaction("tester") as tx:
        mission_id = int(factories.make(tx, "Mission", name="MINUSMA").id or 0)
        ccc1 = _unit(tx, mission_id, "CCC 1", unit_type="combat_convoy_company", deployed_strength=150)
        ccc2 = _unit(tx, mission_id, "CCC 2", unit_type="combat_convoy_company", deployed_strength=150)
        platoon = _unit(tx, mission_id, "CCC 1 Platoon A", unit_type="combat_convoy_company", parent_id=ccc1,
                        deployed_strength=40)  # fmt: skip
        apc, mpv = "armoured_personnel_carrier", "mine_protected_vehicle"
        _item(tx, mission_id, ccc1, "i1", apc, ("2018-03-01", "explosive_incident"))
        _item(tx, mission_id, ccc1, "i2", apc, ("2019-05-01", "wear"), ("2019-07-01", None))
        _item(tx, mission_id, ccc1, "i3", mpv)
        _item(tx, mission_id, ccc1, "i4", mpv, ("2020-06-01", "other"), ("2020-08-01", "awaiting_parts"))
        _item(tx, mission_id, ccc2, "i5", apc, ("2021-02-15", "explosive_incident"))
        _item(tx, mission_id, ccc2, "i6", apc, ("2021-06-10", "explosive_incident"))
        _item(tx, mission_id, ccc2, "i7", "truck", ("2020-01-01", "hostile_fire"))
        _item(tx, mission_id, platoon, "i8", mpv, ("2021-01-05", None))


def test_equipment_on_a_day_by_unit_category_and_cause(db: Database, fleet: None) -> None:
    result = readiness.equipment_readiness(db, ON)
    assert (result.items, result.serviceable, result.unserviceable, result.standard) == (8, 4, 4, 0.9)
    assert [(u.unit, u.items, u.serviceable, u.below_standard) for u in result.by_unit] == [
        ("CCC 1", 4, 2, True), ("CCC 1 Platoon A", 1, 1, False), ("CCC 2", 3, 1, True),
    ]  # fmt: skip
    assert result.units_below_standard == ["CCC 1", "CCC 2"]
    assert [(r.key, r.items, r.serviceable, r.unserviceable) for r in result.by_category] == [
        ("armoured_personnel_carrier", 4, 2, 2), ("mine_protected_vehicle", 3, 2, 1), ("truck", 1, 0, 1),
    ]  # fmt: skip
    assert [(r.key, r.unserviceable) for r in result.by_cause] == [
        ("explosive_incident", 2), ("hostile_fire", 1), ("other", 1),
    ]  # fmt: skip
    assert [(r.year, r.cause, r.items) for r in result.out_of_service_since] == [
        (2018, "explosive_incident", 1), (2020, "hostile_fire", 1), (2020, "other", 1), (2021, "explosive_incident", 1),
    ]  # fmt: skip
    # Every damage up to the day, the repaired one (i2, 2019) included; i4's second change is no new damage.
    assert [(r.year, r.cause, r.items) for r in result.damage_by_year] == [
        (2018, "explosive_incident", 1), (2019, "wear", 1), (2020, "hostile_fire", 1), (2020, "other", 1),
        (2021, "explosive_incident", 1),
    ]  # fmt: skip
    i4 = next(s for s in result.statuses if s.identifier == "i4")
    assert (i4.serviceable, i4.since, i4.cause) == (False, date(2020, 6, 1), "other")


def test_equipment_of_chosen_units_and_categories_on_another_day(db: Database, fleet: None) -> None:
    ccc1 = readiness.equipment_readiness(db, ON, units=["ccc 1"])  # its platoon comes with it
    assert (ccc1.items, ccc1.serviceable) == (5, 3)
    vehicles = readiness.equipment_readiness(
        db, ON, units=["CCC 1", "CCC 2"], categories=["armoured_personnel_carrier", "mine_protected_vehicle"]
    )
    assert (vehicles.items, vehicles.unserviceable) == (7, 3)
    earlier = readiness.equipment_readiness(db, date(2019, 6, 1))
    assert {s.identifier for s in earlier.statuses if not s.serviceable} == {"i1", "i2"}
    with pytest.raises(BluehelmetError, match="no unit called 'CCC 9'"):
        readiness.equipment_readiness(db, ON, units=["CCC 9"])
    with pytest.raises(BluehelmetError, match="unknown equipment category tank"):
        readiness.equipment_readiness(db, ON, categories=["tank"])


@pytest.fixture
def evaluated(db: Database) -> None:
    """Three military evaluations in the first five months of 2021 (one before, one after), a
    company with findings, five improvement actions, four PAERs and four COE inspections."""
    with db.transaction("tester") as tx:
        m = int(factories.make(tx, "Mission", name="MINUSMA").id or 0)
        a = _unit(tx, m, "INFBAT A", deployed_strength=800)
        a1 = _unit(tx, m, "INFBAT A Company 1", unit_type="infantry_company", parent_id=a, deployed_strength=150)
        b = _unit(tx, m, "INFBAT B", deployed_strength=650)
        ccb = _unit(tx, m, "CCB", unit_type="combat_convoy_battalion", deployed_strength=600)
        fpu1, fpu2 = (
            _unit(tx, m, name, component="police", unit_type="formed_police_unit", deployed_strength=140)
            for name in ("FPU 1", "FPU 2")
        )

        def evaluation(
            unit: int, day: str, strength: int | None, rating: str, kind: str = "military_unit_evaluation"
        ) -> int:
            ratings = {"intelligence": rating} if kind == "military_unit_evaluation" else {}
            return _create(tx, "Evaluation", mission_id=m, unit_id=unit, evaluated_on=day, kind=kind,
                           evaluated_strength=strength, overall_rating=rating, domain_ratings=ratings)  # fmt: skip

        before = evaluation(a, "2020-12-15", 700, "satisfactory")
        first = evaluation(a, "2021-02-01", 645, "satisfactory")
        evaluation(b, "2021-03-01", None, "satisfactory")  # no strength given: the unit's, 650
        evaluation(ccb, "2021-04-01", 525, "needs_improvement")
        evaluation(b, "2021-06-15", 640, "satisfactory")  # after the period
        findings = [
            (first, a1, "intelligence", "needs_improvement"),
            (first, a1, "logistics", "unsatisfactory"),
            (first, None, "protection_of_civilians", "satisfactory"),
            (before, a1, "training", "unsatisfactory"),
        ]
        for ev, sub, domain, rating in findings:
            _create(tx, "EvaluationFinding", evaluation_id=ev, sub_unit_id=sub, domain=domain, rating=rating,
                    finding=f"{domain} finding")  # fmt: skip
        plan = _create(tx, "ImprovementPlan", mission_id=m, unit_id=a, evaluation_id=first, adopted_on="2021-02-10")
        actions = [
            ("a1", "2021-03-01", "2021-02-25"),
            ("a2", "2021-04-01", None),
            ("a3", "2021-04-15", "2021-06-01"),
            ("a4", "2021-05-31", None),
            ("a5", "2021-06-30", None),
        ]
        for name, due, done in actions:
            _create(tx, "ImprovementAction", plan_id=plan, description=name, due_on=due, completed_on=done)
        paers = [
            (fpu1, "2021-01-05", "satisfactory"),
            (fpu1, "2021-02-05", "excellent"),
            (fpu2, "2021-02-20", "satisfactory"),
            (fpu2, "2020-12-20", "satisfactory"),
        ]
        for unit, day, rating in paers:
            evaluation(unit, day, None, rating, "police_assessment_report")
        for unit, day in ((fpu1, "2021-01-09"), (fpu2, "2021-03-11"), (a, "2021-03-15"), (fpu1, "2020-11-01")):
            _create(tx, "Inspection", mission_id=m, unit_id=unit, kind="operational_readiness", inspected_on=day)


def test_performance_of_the_period(db: Database, evaluated: None) -> None:
    result = readiness.performance_report(db, date(2021, 1, 1), ON)
    assert result.on == ON and result.distinct_units_evaluated == 3
    assert [(u.unit, u.strength, u.overall_rating, u.passes) for u in result.units_evaluated] == [
        ("INFBAT A", 645, "satisfactory", True), ("INFBAT B", 650, "satisfactory", True),
        ("CCB", 525, "needs_improvement", False),
    ]  # fmt: skip
    assert [(f.sub_unit, f.domains, f.worst_rating, f.passes) for f in result.sub_units_with_findings] == [
        ("", ["protection_of_civilians"], "satisfactory", True),
        ("INFBAT A Company 1", ["intelligence", "logistics"], "unsatisfactory", False),
    ]
    assert [(a.description, a.days_overdue) for a in result.overdue_actions] == [("a2", 60), ("a3", 46)]
    paer, coe = result.police_assessment_reports, result.coe_inspections
    assert (paer.total, paer.by_month, paer.by_label) == (
        3,
        {"2021-01": 1, "2021-02": 2},
        {"excellent": 1, "satisfactory": 2},
    )
    assert (coe.total, coe.by_month, coe.by_label) == (3, {"2021-01": 1, "2021-03": 2}, {"military": 1, "police": 2})
    later = readiness.performance_report(db, date(2021, 1, 1), ON, date(2021, 6, 30))
    assert [a.description for a in later.overdue_actions] == ["a2", "a4"]  # a3 done on 1 June; a5 due that day


def _stats(db: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", *args])


def test_the_equipment_command(db: Database, fleet: None) -> None:
    result = _stats(db, "equipment", "--on", "2021-05-31", "--unit", "CCC 2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["on"], data["items"], data["serviceable"], data["unserviceable"]) == ("2021-05-31", 3, 1, 2)
    assert data["by_unit"][0] == {"unit_id": data["by_unit"][0]["unit_id"], "unit": "CCC 2", "items": 3,
                                  "serviceable": 1, "unserviceable": 2, "share": pytest.approx(1 / 3),
                                  "below_standard": True}  # fmt: skip
    assert {"year": 2021, "cause": "explosive_incident", "items": 1} in data["out_of_service_since"]
    table = _stats(db, "equipment", "--on", "2021-05-31")
    assert table.exit_code == 0, table.output
    assert "8 items, 4 serviceable, 4 unserviceable; standard 90%, units below it: CCC 1, CCC 2" in table.stdout
    unknown = _stats(db, "equipment", "--unit", "Nowhere")
    assert unknown.exit_code == 1 and unknown.stderr.strip() == "error: no unit called 'Nowhere' in this mission"


def test_the_performance_command(db: Database, evaluated: None) -> None:
    result = _stats(db, "performance", "--from", "2021-01-01", "--to", "2021-05-31", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["distinct_units_evaluated"] == 3 and data["on"] == "2021-05-31"
    assert [u["strength"] for u in data["units_evaluated"]] == [645, 650, 525]
    assert data["units_evaluated"][0]["evaluated_on"] == "2021-02-01"
    assert data["police_assessment_reports"]["total"] == 3 and data["coe_inspections"]["total"] == 3
    assert [a["description"] for a in data["overdue_actions"]] == ["a2", "a3"]
    table = _stats(db, "performance", "--from", "2021-01-01", "--to", "2021-05-31")
    assert table.exit_code == 0, table.output
    assert "Military units evaluated from 2021-01-01 to 2021-05-31: 3" in table.stdout
    assert "Police assessment reports (PAER): 3" in table.stdout and "COE inspections: 3" in table.stdout
    backwards = _stats(db, "performance", "--from", "2021-05-31", "--to", "2021-01-01")
    assert backwards.exit_code == 1 and "before" in backwards.stderr


def test_a_rating_passes_in_the_better_half_of_the_scale() -> None:
    four = ("excellent", "satisfactory", "needs_improvement", "unsatisfactory")
    assert [passes(r, four) for r in four] == [True, True, False, False]
    assert [passes(r, ("good", "fair", "poor")) for r in ("good", "fair", "poor")] == [True, True, False]
    assert passes(None, four) is None and passes("superb", four) is None


# ---------------------------------------------------------------------------- property

_START = date(2021, 1, 1)
_CAUSES = [None, "explosive_incident", "wear", "accident"]
_histories = st.lists(
    st.dictionaries(st.integers(0, 40), st.tuples(st.booleans(), st.sampled_from(_CAUSES)), max_size=6), max_size=6
)


def _replay(changes: list[EquipmentStatusChange], day: date) -> tuple[bool, date | None, str | None]:
    """The plain reference: walk the days one by one, as a clerk keeping a logbook would."""
    by_day = {c.effective_on: c for c in changes}
    serviceable, since, cause = True, None, None
    current = min(by_day, default=day)
    while current <= day:
        change = by_day.get(current)
        if change is not None:
            now = change.serviceability == Serviceability.SERVICEABLE
            if since is None or now != serviceable:
                since, cause = current, None
            serviceable = now
            if not now and cause is None and change.cause is not None:
                cause = str(change.cause)
        current += timedelta(days=1)
    return serviceable, since, cause


@settings(max_examples=300, deadline=None)
@given(histories=_histories, offset=st.integers(-2, 45))
def test_status_on_a_day_matches_a_day_by_day_replay(
    histories: list[dict[int, tuple[bool, str | None]]], offset: int
) -> None:
    items = [EquipmentItem(id=n + 1, mission_id=1, unit_id=1 + n % 2, category="truck", identifier=f"T{n}")  # type: ignore[arg-type]
             for n in range(len(histories))]  # fmt: skip
    changes = [
        EquipmentStatusChange(equipment_id=n + 1, effective_on=_START + timedelta(days=d), cause=cause,  # type: ignore[arg-type]
                              serviceability=Serviceability.SERVICEABLE if good else Serviceability.UNSERVICEABLE)
        for n, history in enumerate(histories) for d, (good, cause) in history.items()
    ]  # fmt: skip
    day = _START + timedelta(days=offset)
    statuses = status_on(items, reversed(changes), day)
    for item, status in zip(items, statuses, strict=True):
        own = [c for c in changes if c.equipment_id == item.id]
        serviceable, since, cause = _replay(own, day)
        assert status == ItemStatus(item.id or 0, item.identifier, item.unit_id, "truck", serviceable, since,
                                    None if serviceable else cause)  # fmt: skip
    flips = 0
    for item in items:
        state = True
        for change in sorted((c for c in changes if c.equipment_id == item.id), key=lambda c: c.effective_on):
            if change.effective_on <= day:
                now = change.serviceability == Serviceability.SERVICEABLE
                flips += state and not now
                state = now
    assert sum(r.items for r in damage_by_year(items, changes, day)) == flips


# ---------------------------------------------------------------------------- the letter


def test_the_letters_readiness_figures_from_the_reference_mission(reference_db: Database) -> None:
    db = reference_db
    vehicles = readiness.equipment_readiness(
        db, ON, units=["CCC 1 Gao", "CCC 2 Gao"], categories=["armoured_personnel_carrier", "mine_protected_vehicle"]
    )
    assert (vehicles.items, vehicles.unserviceable) == (40, 22)  # "of 40 ... 22 are unserviceable"
    explosive = [r for r in vehicles.out_of_service_since if r.cause == "explosive_incident"]
    assert sum(r.items for r in explosive) == 16  # "16 having been damaged by explosive incidents"
    assert sum(r.items for r in explosive if r.year == 2021) == 2  # "2 of the 16 ... in 2021"
    assert sum(r.items for r in explosive if 2018 <= r.year <= 2020) == 14  # "the rest ... between 2018 and 2020"

    since_january = readiness.performance_report(db, date(2021, 1, 1), ON)
    military = since_january.units_evaluated
    assert since_january.distinct_units_evaluated == 4  # "four military units have been evaluated"
    assert sorted(u.strength or 0 for u in military) == [525, 645, 650, 849]
    assert all(u.passes for u in military)  # "performing satisfactorily ..."
    below = [f for f in since_january.sub_units_with_findings if f.passes is False]
    assert len(below) == 1  # "... except for one sub-unit"
    assert set(below[0].domains) == {"intelligence", "logistics", "execution_of_duties", "protection_of_civilians"}
    assert since_january.police_assessment_reports.total == 20  # "20 performance assessment and evaluation reports"
    assert since_january.coe_inspections.total == 20  # "Twenty contingent-owned equipment inspections"
