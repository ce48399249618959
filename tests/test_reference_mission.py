"""The reference mission (MINUSMA, from S/2021/520): it loads, once, and every statement of the
letter that MISSION.md lists is found in the records.

Each ``test_statement_NN`` queries the records themselves (``services.records``), never a report,
and does its arithmetic in plain Python, so a wrong record makes it fail with the figure it found.
The mission is loaded once per backend for these tests (a module fixture with a database of its
own); loading twice is tested on conftest's empty ``db``.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.convoys import requires_notification
from bluehelmet.domain.records import Record
from bluehelmet.reference.loader import load_reference
from bluehelmet.services import records
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import columns

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "bluehelmet" / "reference" / "data"
POSTGRES_URL = os.environ.get("BLUEHELMET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]
END_OF_PERIOD = date(2021, 5, 31)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def rtx(reference_db: Database) -> Iterator[Transaction]:
    with reference_db.transaction("tester") as transaction:
        yield transaction


# ---------------------------------------------------------------------------- helpers


def every(tx: Transaction, entity: str, /, **filters: Any) -> Sequence[Any]:
    return records.list_records(tx, entity, filters)


def named(tx: Transaction, kind: str) -> dict[str, Any]:
    return {r.name: r for r in every(tx, kind)}


def by_id(tx: Transaction, kind: str) -> dict[int, Any]:
    return {r.id: r for r in every(tx, kind)}


def the(tx: Transaction, entity: str, /, **filters: Any) -> Any:
    found = every(tx, entity, **filters)
    assert len(found) == 1, f"expected one {entity} with {filters}, found {len(found)}"
    return found[0]


def place_names(tx: Transaction, ids: Sequence[int]) -> set[str]:
    places = by_id(tx, "Location")
    return {places[i].name for i in ids}


def sector_of_place(tx: Transaction, location_id: int | None) -> str | None:
    place = records.get(tx, "Location", location_id) if location_id is not None else None
    if place is None or place.sector_id is None:
        return None
    return str(records.get(tx, "Sector", place.sector_id).name)


def region_of_place(tx: Transaction, location_id: int) -> str:
    return str(records.get(tx, "AdminArea", records.get(tx, "Location", location_id).admin1_id).name)


def between(day: date, first: date, last: date) -> bool:
    return first <= day <= last


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def latest_status(changes: Sequence[Any], on: date) -> Any:
    dated = [c for c in changes if c.effective_on <= on]
    return max(dated, key=lambda c: c.effective_on) if dated else None


# ---------------------------------------------------------------------------- loading


def test_the_demo_loads_and_loading_again_changes_nothing(db: Database) -> None:
    first = load_reference(db, "tester")
    assert first.problem_count == 0
    assert first.created > 900
    with db.transaction("tester") as tx:
        counts = {cls.__name__: records.count(tx, cls) for cls in ENTITIES}
    second = load_reference(db, "tester")
    assert (second.created, second.updated, second.problem_count) == (0, 0, 0)
    assert second.unchanged == first.created
    with db.transaction("tester") as tx:
        assert {cls.__name__: records.count(tx, cls) for cls in ENTITIES} == counts


def test_every_record_has_a_provenance_and_illustrative_ones_only_fill_the_letters_totals(
    rtx: Transaction,
) -> None:
    part = re.compile(
        r"S/2021/520, paras?\. (?P<paras>\d+(?:, \d+)*)"
        r"|S/2021/520 \(sectors named in paras\. 5-10\)"
        r"|Geo-PKO v2\.3 \(2021\)|RADPKO|illustrative|GeoNames and the letter's places \(public data\)"
    )
    illustrative: Counter[str] = Counter()
    for cls in ENTITIES:
        for record in records.list_records(rtx, cls):
            assert record.provenance, f"{record.label()} has no provenance"
            for piece in record.provenance.split("; "):
                match = part.fullmatch(piece)
                assert match, f"{record.label()}: provenance {record.provenance!r}"
                for para in (match["paras"] or "").split(", "):
                    assert not para or 1 <= int(para) <= 38, f"{record.label()}: the letter has 38 paragraphs"
            if record.provenance == "illustrative":
                illustrative[_illustrative_group(record)] += 1
    # Each group fills a total the letter gives without its parts (docs/reference-mission.md).
    assert illustrative == {
        "Incident ied (70 since January 2021; the 16 that damaged the Gao vehicles; 2020 baseline)": 70 + 14 + 28,
        "Incident protection_of_civilians (10 then 2 a week)": 14 * 10 + 25 * 2,
        "Incident drone_over_installation (growing number)": 19,
        "Incident road_blockage (blockages since December 2020)": 14,
        "EquipmentItem (40 APCs and MPVs)": 40,
        "EquipmentStatusChange (22 unserviceable, 16 by explosive incidents)": 74,
        "Evaluation police_assessment_report (20 PAERs)": 20,
        "Inspection (20 COE inspections)": 20,
        "ConvoyNotification (declining notifications)": 54,
        "ConvoyObservation (convoys that needed notice)": 20,
    }


def _illustrative_group(record: Record) -> str:
    kind = type(record).__name__
    groups = {
        "EquipmentItem": "(40 APCs and MPVs)",
        "EquipmentStatusChange": "(22 unserviceable, 16 by explosive incidents)",
        "Inspection": "(20 COE inspections)",
        "ConvoyNotification": "(declining notifications)",
        "ConvoyObservation": "(convoys that needed notice)",
    }
    if kind in groups:
        return f"{kind} {groups[kind]}"
    if kind == "Evaluation" and str(getattr(record, "kind", "")) == "police_assessment_report":
        return "Evaluation police_assessment_report (20 PAERs)"
    category = str(getattr(record, "category", ""))
    incident_groups = {
        "ied_detonated": "ied (70 since January 2021; the 16 that damaged the Gao vehicles; 2020 baseline)",
        "ied_neutralised": "ied (70 since January 2021; the 16 that damaged the Gao vehicles; 2020 baseline)",
        "protection_of_civilians": "protection_of_civilians (10 then 2 a week)",
        "drone_over_installation": "drone_over_installation (growing number)",
        "road_blockage": "road_blockage (blockages since December 2020)",
    }
    if kind == "Incident" and category in incident_groups:
        return f"Incident {incident_groups[category]}"
    raise AssertionError(f"{record.label()} is illustrative but fills no total of the letter")


def test_incidents_csv_is_what_the_script_makes_in_the_incident_columns() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_reference_incidents", ROOT / "scripts" / "build_reference_incidents.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up
    try:
        spec.loader.exec_module(script)
    finally:
        del sys.modules[spec.name]
    from bluehelmet.domain.incidents import Incident  # noqa: PLC0415

    assert list(script.COLUMNS) == [c.name for c in columns(Incident)]
    with (DATA / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        shipped = list(csv.DictReader(handle))
    made = [{k: str(v) for k, v in row.items()} for row in script.build()]
    assert shipped == made, "incidents.csv is stale: run scripts/build_reference_incidents.py"
    ids = [row["external_id"] for row in shipped]
    assert len(set(ids)) == len(ids)


# ---------------------------------------------------------------------------- the letter's statements


def test_statement_01_poc_incidents_in_ansongo_quartier_hydraulique_fell_from_10_to_2_a_week(rtx: Transaction) -> None:
    units, places = named(rtx, "Unit"), named(rtx, "Location")
    detachment = units["FPU 1 Gao detachment Ansongo"]
    assert detachment.unit_type == "formed_police_detachment"
    assert detachment.base_id == places["Ansongo"].id
    assert units["FPU 1 Gao"].id == detachment.parent_id and units["FPU 1 Gao"].base_id == places["Gao"].id
    arrived = detachment.status_since
    assert (arrived.year, arrived.month) == (2020, 12)
    seka = named(rtx, "Operation")["Seka"]
    move = the(rtx, "Activity", activity_type="redeployment", operation_id=seka.id)
    assert (move.from_location_id, move.to_location_id, move.unit_ids) == (
        places["Gao"].id,
        places["Ansongo"].id,
        [detachment.id],
    )
    assert move.start_on == arrived
    poc = [
        i
        for i in every(rtx, "Incident", category="protection_of_civilians", location_id=places["Ansongo"].id)
        if "quartier hydraulique" in i.location_name.lower()
    ]
    # Whole weeks: the 14 before the detachment began, and from then to Sunday 30 May 2021.
    before = [i for i in poc if between(i.event_date, arrived - timedelta(weeks=14), arrived - timedelta(days=1))]
    after = [i for i in poc if between(i.event_date, arrived, date(2021, 5, 30))]
    after_weeks = ((date(2021, 5, 30) - arrived).days + 1) / 7
    assert after_weeks == 25
    assert (len(before) / 14, len(after) / after_weeks) == (10.0, 2.0)


def test_statement_02_meerkat_phase_one_and_the_20_day_patrol_from_gao_to_tessit(rtx: Transaction) -> None:
    places = named(rtx, "Location")
    meerkat = named(rtx, "Operation")["Meerkat"]
    phase = the(rtx, "OperationPhase", operation_id=meerkat.id, number=1)
    assert (phase.start_on, phase.end_on) == (date(2021, 4, 8), date(2021, 5, 19))
    assert place_names(rtx, phase.location_ids) == {"Ansongo", "In-Tellit", "Tessit"}
    patrol = the(rtx, "Activity", operation_id=meerkat.id, activity_type="patrol")
    assert (patrol.from_location_id, patrol.to_location_id) == (places["Gao"].id, places["Tessit"].id)
    assert (patrol.end_on - patrol.start_on).days + 1 == 20
    assert phase.start_on <= patrol.start_on and patrol.end_on <= phase.end_on
    assert "civilian" in patrol.components
    assert all(named(rtx, "Unit")[n].mobile_task_force for n in ("LRRG Gao", "INFCOY 1 Gao"))
    assert set(patrol.unit_ids) >= {named(rtx, "Unit")[n].id for n in ("LRRG Gao", "INFCOY 1 Gao")}


def test_statement_03_named_operations_and_where_they_ran(rtx: Transaction) -> None:
    ops = named(rtx, "Operation")
    assert set(ops) == {"Seka", "Meerkat", "Galileo", "Galaxy", "Copernic", "Arer", "Farrier", "Winner", "Buffalo",
                        "Mongoose"}  # fmt: skip
    where = {name: place_names(rtx, op.location_ids) for name, op in ops.items()}
    assert where["Seka"] == {"Gao", "Ansongo", "Labézanga"}
    assert where["Galileo"] == {"Tessalit"}
    assert where["Galaxy"] == {"Kidal"}
    assert where["Copernic"] == {"Tessalit", "Aguelhok"}
    assert where["Winner"] == {"Niafunké", "Soumpi", "Echefell"}
    aguelhok_attack = the(rtx, "Incident", category="complex_attack_on_camp", event_date=date(2021, 4, 2))
    assert ops["Arer"].operation_type == "show_of_force" and ops["Arer"].start_on > aguelhok_attack.event_date
    assert "Aguelhok" in where["Arer"]
    assert (ops["Farrier"].start_on.year, ops["Farrier"].start_on.month) == (2019, 11)
    assert ops["Farrier"].operation_type == "compliance_monitoring"
    buffalo = every(rtx, "Activity", operation_id=ops["Buffalo"].id)
    short_patrols = [a for a in buffalo if a.activity_type == "patrol" and a.patrol_range == "short"]
    assert set().union(*(place_names(rtx, a.location_ids) for a in short_patrols)) == {"Sokoura", "Tori"}
    missions = [a for a in buffalo if a.activity_type == "integrated_mission"]
    assert sorted(n for a in missions for n in place_names(rtx, a.location_ids)) == ["Ogoussagou", "Sokoura", "Tori"]
    assert {region_of_place(rtx, i) for a in buffalo for i in a.location_ids} == {"Mopti"}
    moves = every(rtx, "Activity", operation_id=ops["Mongoose"].id, activity_type="redeployment")
    seen = {(sector_of_place(rtx, m.from_location_id), sector_of_place(rtx, m.to_location_id)): m for m in moves}
    assert set(seen) == {("Sector East", "Sector Centre"), ("Sector West", "Sector Centre")}
    east = seen[("Sector East", "Sector Centre")].start_on
    assert (east.year, east.month) == (2021, 1) and east.day >= 21  # late January
    west = seen[("Sector West", "Sector Centre")]
    assert (west.start_on.year, west.start_on.month, west.end_on.month) == (2021, 1, 1)  # for a limited period
    sof = records.get(rtx, "Unit", west.unit_ids[0])
    assert sof.unit_type == "special_forces"


def test_statement_04_farrier_rule_and_the_decline_in_convoy_notifications(rtx: Transaction) -> None:
    commission = named(rtx, "CoordinationBody")["Technical Commission on Security"]
    assert "more than five vehicles" in commission.purpose and "heavy weapons" in commission.purpose
    notices = every(rtx, "ConvoyNotification")
    assert all(requires_notification(n.vehicles, n.heavy_weapons) for n in notices)
    assert any(n.vehicles <= 5 and n.heavy_weapons for n in notices)  # "and/or": heavy weapons alone need notice
    per_month = Counter((n.notified_on.year, n.notified_on.month) for n in notices)
    assert [per_month[m] for m in sorted(per_month)] == [12, 11, 10, 8, 6, 4, 2, 1]
    seen = every(rtx, "ConvoyObservation")
    breaches = Counter(
        o.observed_on.month
        for o in seen
        if requires_notification(o.vehicles, o.heavy_weapons) and o.notification_id is None
    )
    assert [breaches[m] for m in (1, 2, 3, 4, 5)] == [1, 2, 3, 4, 5]
    assert sum(not requires_notification(o.vehicles, o.heavy_weapons) for o in seen) == 5


def test_statement_05_police_interrupted_a_minibus_hijacking_between_douentza_and_sevare(rtx: Transaction) -> None:
    hijacking = the(rtx, "Incident", category="hijacking")
    assert hijacking.event_date == date(2021, 4, 25)
    assert "Douentza" in hijacking.location_name and "Sévaré" in hijacking.location_name
    responders = [records.get(rtx, "Unit", i) for i in hijacking.responding_unit_ids]
    assert responders and {u.component for u in responders} == {"police"}
    assert records.get(rtx, "Operation", hijacking.operation_id).name == "Buffalo"


def _counted(tx: Transaction, capability: str, sector_id: int | None) -> Counter[str]:
    units = every(tx, "Unit", unit_type=capability)
    return Counter(str(u.deployment_status) for u in units if sector_id is None or u.sector_id == sector_id)


def test_statement_06_adaptation_plan_capabilities_camps_and_gaps(rtx: Transaction) -> None:
    sectors = named(rtx, "Sector")
    half = (date(2021, 7, 1), date(2021, 12, 31))
    for sector in ("Sector Centre", "Sector West"):
        for capability in ("medical_level_2", "engineers", "isr"):
            need = the(rtx, "CapabilityRequirement", capability=capability, sector_id=sectors[sector].id)
            assert (need.needed_from, need.needed_by) == half
            counted = _counted(rtx, capability, need.sector_id)
            assert counted["pledged"] >= 1, f"nothing pledged for {capability} in {sector}"
            assert counted["deployed"] + counted["pledged"] == need.required
    gaps = {}
    for need in every(rtx, "CapabilityRequirement", sector_id=None):
        counted = _counted(rtx, need.capability, None)
        gaps[str(need.capability)] = need.required - counted["deployed"] - counted["pledged"]
    assert {k: v for k, v in gaps.items() if v > 0} == {
        "aviation_utility_helicopter": 2,
        "aviation_armed_helicopter": 1,
        "aviation_attack_helicopter": 1,
        "quick_reaction_force": 1,
        "mobile_surgical_team": 1,
        "isr_fixed_wing": 1,
        "unmanned_aerial_system": 1,
        "forward_surgical_team": 3,
    }
    projects = {p.hectares: p for p in every(rtx, "InfrastructureProject")}
    assert set(projects) == {16.0, 11.0}
    assert {region_of_place(rtx, p.location_id) for p in projects.values()} == {"Mopti"}
    ground = the(rtx, "ProjectMilestone", project_id=projects[16.0].id)
    assert (ground.start_on, ground.due_on) == (date(2021, 6, 1), date(2021, 11, 30))
    assert projects[11.0].kind == "air_camp" and between(projects[11.0].due_on, date(2022, 1, 1), date(2022, 3, 31))


def test_statement_07_mobile_task_force_units_without_surgical_teams_and_casevac_conditions(rtx: Transaction) -> None:
    units = every(rtx, "Unit")
    task_force = [u for u in units if u.mobile_task_force and u.parent_id is None]
    with_team = {u.parent_id for u in units if u.unit_type == "forward_surgical_team"}
    lacking = [u for u in task_force if u.id not in with_team]
    assert (len(task_force), len(lacking)) == (4, 3)  # "several units ... still lack such teams"
    casevac = every(rtx, "Caveat", kind="casualty_evacuation_condition")
    mtf_ids = {u.id for u in task_force}
    assert len(casevac) == 2 and all(c.unit_id in mtf_ids for c in casevac)
    meerkat = named(rtx, "Operation")["Meerkat"]
    for caveat in casevac:
        (impact,) = every(rtx, "CaveatImpact", caveat_id=caveat.id)
        assert impact.operation_id == meerkat.id and impact.effect in ("refused", "changed")


def test_statement_08_aguelhok_camp_repelled_a_complex_attack_by_over_200(rtx: Transaction) -> None:
    attack = the(rtx, "Incident", category="complex_attack_on_camp", event_date=date(2021, 4, 2))
    assert records.get(rtx, "Location", attack.location_id).name == "Aguelhok"
    assert attack.attackers_estimated == 200 and "over 200" in attack.notes
    assert attack.target == "mission" and attack.review_status == "verified"


def test_statement_09_of_40_gao_convoy_vehicles_22_unserviceable_16_by_explosives(rtx: Transaction) -> None:
    units, places = named(rtx, "Unit"), named(rtx, "Location")
    companies = [u for u in units.values() if u.unit_type == "combat_convoy_company" and u.base_id == places["Gao"].id]
    assert len(companies) == 2
    items = [i for c in companies for i in every(rtx, "EquipmentItem", unit_id=c.id)]
    assert len(items) == 40
    assert {i.category for i in items} == {"armoured_personnel_carrier", "mine_protected_vehicle"}
    now = [latest_status(every(rtx, "EquipmentStatusChange", equipment_id=i.id), END_OF_PERIOD) for i in items]
    down = [s for s in now if s.serviceability == "unserviceable"]
    blasted = [s for s in down if s.cause == "explosive_incident"]
    in_2021 = [s for s in blasted if s.effective_on.year == 2021]
    earlier = [s for s in blasted if 2018 <= s.effective_on.year <= 2020]
    assert (len(down), len(blasted), len(in_2021), len(earlier)) == (22, 16, 2, 14)


def test_statement_10_second_mopti_fpu_has_only_its_advance_team(rtx: Transaction) -> None:
    mopti_fpus = [
        u for u in every(rtx, "Unit", unit_type="formed_police_unit") if region_of_place(rtx, u.base_id) == "Mopti"
    ]
    assert len(mopti_fpus) == 2
    (second,) = [u for u in mopti_fpus if u.deployment_status != "deployed"]
    assert second.deployment_status == "advance_team_only" and second.deployed_strength == 20
    assert (second.status_since.year, second.status_since.month) == (2020, 3)
    assert "Dakar" in second.status_reason


def test_statement_11_four_military_units_evaluated_all_satisfactory_but_one_sub_unit(rtx: Transaction) -> None:
    evaluations = [
        e for e in every(rtx, "Evaluation", kind="military_unit_evaluation") if e.evaluated_on >= date(2021, 1, 1)
    ]
    units = by_id(rtx, "Unit")
    assert len(evaluations) == 4
    assert sorted((e.evaluated_strength, units[e.unit_id].unit_type) for e in evaluations) == [
        (525, "combat_convoy_battalion"),
        (645, "infantry_battalion"),
        (650, "infantry_battalion"),
        (849, "infantry_battalion"),
    ]
    assert {e.overall_rating for e in evaluations} == {"satisfactory"}
    findings = [f for e in evaluations for f in every(rtx, "EvaluationFinding", evaluation_id=e.id)]
    sub_units = {f.sub_unit_id for f in findings}
    assert len(sub_units) == 1
    sub = units[sub_units.pop()]
    evaluated = {e.id: e for e in evaluations}[findings[0].evaluation_id]
    assert sub.parent_id == evaluated.unit_id
    assert {f.domain for f in findings} == {
        "intelligence",
        "logistics",
        "execution_of_duties",
        "protection_of_civilians",
    }
    assert {f.rating for f in findings} == {"needs_improvement"}
    plans = every(rtx, "ImprovementPlan", unit_id=evaluated.unit_id)  # "Mitigating measures were put in place"
    assert len(plans) == 1 and plans[0].adopted_on > evaluated.evaluated_on


def test_statement_12_twenty_paers_and_twenty_coe_inspections_of_police_since_1_january(rtx: Transaction) -> None:
    units = by_id(rtx, "Unit")
    paers = [e for e in every(rtx, "Evaluation", kind="police_assessment_report") if e.evaluated_on >= date(2021, 1, 1)]
    assert len(paers) == 20 and {units[e.unit_id].component for e in paers} == {"police"}
    inspections = [
        i
        for i in every(rtx, "Inspection")
        if i.inspected_on >= date(2021, 1, 1) and units[i.unit_id].component == "police"
    ]
    assert len(inspections) == 20 and all(i.inspected_on <= END_OF_PERIOD for i in inspections)


def test_statement_13_no_caveat_on_police_and_every_caveat_undeclared(rtx: Transaction) -> None:
    units = by_id(rtx, "Unit")
    assert sum(u.component == "police" for u in units.values()) == 7  # there are police units to check
    caveats = every(rtx, "Caveat")
    assert len(caveats) == 4
    assert [c for c in caveats if units[c.unit_id].component == "police"] == []
    assert {(c.declared, c.declared_on) for c in caveats} == {(False, None)}
    within = [c for c in caveats if c.kind == "within_sector_movement"]
    assert len(within) == 2 and all(units[c.unit_id].component == "military" for c in within)


def test_statement_14_blockages_in_bandiagara_and_douentza_since_december_2020_lifted(rtx: Transaction) -> None:
    areas = by_id(rtx, "AdminArea")
    blockages = every(rtx, "MovementRestriction", kind="road_blockage")
    assert sorted(areas[b.area_id].name for b in blockages) == ["Bandiagara", "Douentza"]
    assert {str(areas[b.area_id].level) for b in blockages} == {"admin2"}  # cercles
    lifted = {}
    for b in blockages:
        assert (b.started_on.year, b.started_on.month) == (2020, 12)
        assert b.lifted_on is not None and b.lifted_on <= END_OF_PERIOD and b.patrols_resumed
        assert "dozo" in b.imposed_by and "dialogue" in b.lifted_through
        lifted[areas[b.area_id].name] = (b.started_on, b.lifted_on)
    incidents = every(rtx, "Incident", category="road_blockage")
    per_cercle = Counter(i.admin2 for i in incidents)
    assert per_cercle == {"Bandiagara": 9, "Douentza": 5}
    for i in incidents:
        started, ended = lifted[i.admin2]
        assert between(i.event_date, started, ended), f"{i.external_id} outside its blockage"


def test_statement_15_explosives_in_the_kerena_and_aguelhok_attacks_and_more_drones(rtx: Transaction) -> None:
    attacks = [i for i in every(rtx, "Incident", category="complex_attack_on_camp") if i.explosives_used]
    assert sorted(records.get(rtx, "Location", a.location_id).name for a in attacks) == ["Aguelhok", "Kerena"]
    drones = every(rtx, "Incident", category="drone_over_installation")
    assert {d.target for d in drones} == {"mission"}
    per_month = Counter(d.event_date.month for d in drones if d.event_date.year == 2021)
    assert [per_month[m] for m in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 7]


def test_statement_16_over_68_ieds_since_january_25_against_the_mission(rtx: Transaction) -> None:
    ieds = [
        i
        for category in ("ied_neutralised", "ied_detonated")
        for i in every(rtx, "Incident", category=category)
        if between(i.event_date, date(2021, 1, 1), END_OF_PERIOD)
    ]
    against = [i for i in ieds if i.target == "mission"]
    neutralised = [i for i in against if i.category == "ied_neutralised"]
    detonated = [i for i in against if i.category == "ied_detonated"]
    assert (len(ieds), len(against), len(neutralised), len(detonated)) == (70, 25, 12, 13)
    assert len(ieds) > 68


def test_statement_17_civilian_casualties_of_explosive_incidents_fell_34_per_cent(rtx: Transaction) -> None:
    explosive = every(rtx, "Incident", event_type="Explosions/Remote violence")

    def in_months(year: int) -> list[Any]:
        return [i for i in explosive if between(i.event_date, date(year, 1, 1), date(year, 4, 30))]

    def casualties(year: int) -> int:  # the recorded figures (an attack S/2021/520 gives none for adds none)
        return sum((i.killed_civilians or 0) + (i.injured_civilians or 0) for i in in_months(year))

    before, after = casualties(2020), casualties(2021)
    assert (before, after) == (150, 99)
    # The IED strikes on convoy vehicles of para. 19 have no casualty figure: not recorded, not 0.
    unknown = [i.external_id for i in in_months(2021) if i.killed_civilians is None]
    assert unknown and all(i.notes and "para. 19" in i.notes for i in in_months(2021) if i.killed_civilians is None)
    assert round((after - before) / before * 100) == -34


def test_statement_18_counter_ied_task_force_of_january_2021(rtx: Transaction) -> None:
    body = named(rtx, "CoordinationBody")["Counter-IED task force"]
    assert body.kind == "task_force"
    assert (body.established_on.year, body.established_on.month) == (2021, 1)
    assert set(body.partners) == {
        "Malian Armed Forces",
        "Joint Force of the Group of Five for the Sahel",
        "French forces",
        "EUTM Mali",
    }
    assert named(rtx, "CoordinationBody")["Instance de coordination au Mali"].kind == "security_coordination"


def test_statement_19_clustered_rotations_outside_high_periods_and_two_battalions_at_once(rtx: Transaction) -> None:
    units = by_id(rtx, "Unit")
    rotations = every(rtx, "Rotation")
    starts = Counter(r.planned_start for r in rotations)
    assert sum(n for d, n in starts.items() if between(d, date(2021, 1, 18), date(2021, 2, 1))) == 6
    assert starts[date(2021, 5, 24)] == 5 and len(rotations) == 12
    first, last = min(starts), max(r.planned_end for r in rotations)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert max(sum(between(d, r.planned_start, r.planned_end) for r in rotations) for d in days) == 6
    high = every(rtx, "OperationalPeriod", tempo="high")
    assert len({p.sector_id for p in high}) == len(high) == 4  # one per sector
    for r in rotations:
        for p in high:
            if p.sector_id == units[r.unit_id].sector_id:
                assert not overlaps((r.planned_start, r.planned_end), (p.start_on, p.end_on)), "plan hits a high period"
    simultaneous = []
    battalions = [r for r in rotations if units[r.unit_id].unit_type == "infantry_battalion" and r.actual_end]
    for n, a in enumerate(battalions):
        for b in battalions[n + 1 :]:
            same_sector = units[a.unit_id].sector_id == units[b.unit_id].sector_id
            planned_apart = not overlaps((a.planned_start, a.planned_end), (b.planned_start, b.planned_end))
            actual_together = overlaps((a.actual_start, a.actual_end), (b.actual_start, b.actual_end))
            if same_sector and planned_apart and actual_together:
                simultaneous.append((a, b))
    assert len(simultaneous) == 1
    a, b = simultaneous[0]
    assert {units[a.unit_id].name, units[b.unit_id].name} == {"INFBAT Sévaré", "INFBAT Douentza"}
    assert any((r.actual_start, r.actual_end) != (r.planned_start, r.planned_end) for r in (a, b))
    # "... that resulted in significantly reduced operations": Buffalo's patrols in Sector Centre.
    both = (max(a.actual_start, b.actual_start), min(a.actual_end, b.actual_end))
    buffalo = named(rtx, "Operation")["Buffalo"]
    patrols = every(rtx, "Activity", operation_id=buffalo.id, activity_type="patrol")
    period = (date(2021, 1, 4), date(2021, 5, 30))
    inside = [p for p in patrols if between(p.start_on, *both)]
    outside = [p for p in patrols if between(p.start_on, *period) and not between(p.start_on, *both)]
    inside_days = (both[1] - both[0]).days + 1
    outside_days = (period[1] - period[0]).days + 1 - inside_days
    assert (len(inside), len(outside)) == (4, 51)
    assert len(inside) / inside_days < 0.5 * len(outside) / outside_days


def test_statement_20_transition_delays_road_map_phases_plan_and_joint_programmes(rtx: Transaction) -> None:
    activities = every(rtx, "TransitionActivity")
    delayed = {a.title: a for a in activities if a.status == "delayed"}
    assert set(delayed) == {
        "Gender- and human rights-sensitive conflict analyses",
        "Analysis of environmental risks",
        "UN country team capacity mapping exercise",
    }
    assert all("political transition" in a.delay_reason for a in delayed.values())
    assert {a.road_map_phase for a in activities} == {"phase_1", "phase_2"}
    plan = [a for a in activities if "integrated transition support plan" in a.title.lower()]
    assert len(plan) == 1 and plan[0].road_map_phase == "phase_1"
    programmes = {place_names(rtx, p.location_ids).pop(): p for p in every(rtx, "JointProgramme")}
    gao, ansongo = programmes["Gao"], programmes["Ansongo"]
    assert {"WFP", "UNHCR"} <= set(gao.partners)
    gao_aims = " ".join(gao.aims)
    assert all(w in gao_aims for w in ("food production", "livelihoods", "returnees", "dialogue"))
    ansongo_aims = " ".join(ansongo.aims)
    assert all(w in ansongo_aims for w in ("sanitation", "flood resilience"))
