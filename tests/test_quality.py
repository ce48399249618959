"""Data quality (`bluehelmet check`, services.quality) on both backends: the reference mission's
gaps, none left for a kind once its values are filled, a sector account's scope, the typed
numbers, and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bluehelmet.cli import cli
from bluehelmet.cli.check import FOUND
from bluehelmet.domain.access import Principal, Role
from bluehelmet.services import quality, records
from bluehelmet.services.database import Database, Transaction
from tests.test_web_api import build_world


def _run(db: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.settings.database_url, "check", *args])


def _gaps(result: Result) -> dict[str, dict[str, Any]]:
    return {g["check"]: g for g in json.loads(result.stdout)["gaps"]}


def test_check_lists_the_reference_missions_gaps(reference_db: Database) -> None:
    result = _run(reference_db, "--json", "--on", "2021-07-01")
    assert result.exit_code == FOUND, result.output
    gaps = _gaps(result)
    strength = gaps["unit_strength"]
    assert 0 < strength["count"] < strength["checked"]
    unknown = {r["label"] for r in strength["records"]}
    assert "INFBAT Sévaré" in unknown and "INFBAT Douentza" not in unknown  # 650 strong in the letter
    assert any("Forces page" in w for w in strength["weakens"])
    # Where S/2021/520 gives no strength, Geo-PKO's estimate is shown with its source, unused.
    notes = {r["label"]: r["note"] for r in strength["records"]}
    assert notes["INFBAT 2 Kidal"] == "estimate, Geo-PKO v2.3 (2021 map symbols): 1100; not used in any figure"
    assert notes["MED L2 Gao"] == ""  # Geo-PKO's 450 is for two units at Gao: not split
    assert {r["label"] for r in gaps["location_coordinates"]["records"]} >= {"Echefell"}
    assert gaps["location_coordinates"]["records"][0]["missing"] == ["latitude", "longitude"]
    # Five rotations began on 24 May 2021 and have no actual end; by 1 July they should.
    assert gaps["rotation_dates"]["count"] == 5
    assert all(r["missing"] == ["actual_end"] for r in gaps["rotation_dates"]["records"])
    equipment = gaps["unit_equipment"]
    assert equipment["checked"] - equipment["count"] == 2  # the two combat convoy companies in Gao
    assert gaps["equipment_serviceability"]["count"] == 0
    assert gaps["evaluation_strength"]["count"] == 0
    assert json.loads(result.stdout)["typed_numbers"] == []
    # S/2021/520 gives no toll for the complex attack on the Aguelhok camp on 2 April 2021.
    fatalities = gaps["incident_fatalities"]
    assert "BH-REF-0001" in {r["label"] for r in fatalities["records"]}
    assert 0 < fatalities["count"] < fatalities["checked"]
    assert gaps["incident_victims"]["count"] >= fatalities["count"]
    # On 1 June 2021 the rotations under way are not yet due to have ended.
    assert (
        _gaps(_run(reference_db, "--json", "--on", "2021-06-01", "--only", "rotation_dates"))["rotation_dates"]["count"]
        == 0
    )


def test_the_text_report_names_the_figures_weakened(reference_db: Database) -> None:
    result = _run(reference_db, "--only", "location_coordinates")
    assert result.exit_code == FOUND
    assert "location_coordinates: 2 of" in result.stdout and "places without coordinates" in result.stdout
    assert "weakens: Maps, hotspots and near-repeat clusters" in result.stdout
    assert "Echefell" in result.stdout


@dataclass
class Small:
    mission: int
    east: int
    north: int
    ids: dict[str, int]


def _create(tx: Transaction, kind: str, **values: Any) -> int:
    return int(records.create(tx, kind, {"provenance": "test", **values}).id or 0)


@pytest.fixture
def small(db: Database) -> Iterator[Small]:
    """Two sectors; in each a place without coordinates and a battalion without strength whose
    rotation has no actual dates; in East a company with strength and an item never reported,
    an incident without its toll, one with it, and a rejected one without it."""
    with db.transaction("tester") as tx:
        mission = _create(tx, "Mission", name="MINUSMA", country_iso3="MLI")
        east = _create(tx, "Sector", mission_id=mission, name="Sector East")
        north = _create(tx, "Sector", mission_id=mission, name="Sector North")
        ids: dict[str, int] = {}
        for sector, where in ((east, "Gao"), (north, "Kidal")):
            ids[f"place {where}"] = _create(tx, "Location", mission_id=mission, name=where, sector_id=sector)
            ids[f"unit {where}"] = _create(tx, "Unit", mission_id=mission, name=f"INFBAT {where}", component="military",
                                           unit_type="infantry_battalion", sector_id=sector)  # fmt: skip
            ids[f"rotation {where}"] = _create(tx, "Rotation", mission_id=mission, unit_id=ids[f"unit {where}"],
                                               planned_start="2021-01-10", planned_end="2021-02-10")  # fmt: skip
        ids["company"] = _create(tx, "Unit", mission_id=mission, name="CCC Gao", component="military",
                                 unit_type="combat_convoy_company", sector_id=east, deployed_strength=150)  # fmt: skip
        ids["item"] = _create(tx, "EquipmentItem", mission_id=mission, unit_id=ids["company"],
                              category="mine_protected_vehicle", identifier="UN-1")  # fmt: skip
        incident = {"mission_id": mission, "event_date": "2021-04-02", "event_type": "Battles",
                    "sub_event_type": "Armed clash", "sector_id": east}  # fmt: skip
        ids["incident"] = _create(tx, "Incident", external_id="A-1", **incident)  # tolls omitted: unknown
        _create(tx, "Incident", external_id="A-2", review_status="verified", fatalities=0, **incident,
                **dict.fromkeys(quality.VICTIM_FIELDS, 0))  # fmt: skip
        _create(tx, "Incident", external_id="A-3", review_status="rejected", **incident)  # rejected: not checked
    yield Small(mission, east, north, ids)


def _update(db: Database, kind: str, record_id: int, **values: Any) -> None:
    with db.transaction("tester") as tx:
        current = records.get(tx, kind, record_id)
        records.update(tx, kind, record_id, values, current.version)


def test_a_kind_has_no_gap_once_its_values_are_filled(db: Database, small: Small) -> None:
    gaps = _gaps(_run(db, "--json", "--on", "2021-06-01"))
    assert {k: g["count"] for k, g in gaps.items()} == {
        "unit_strength": 2, "unit_equipment": 2, "equipment_serviceability": 1, "incident_fatalities": 1,
        "incident_victims": 1, "rotation_dates": 2, "location_coordinates": 2, "evaluation_strength": 0,
    }  # fmt: skip
    for where, (lat, lon) in (("Gao", (16.27, -0.04)), ("Kidal", (18.44, 1.41))):
        _update(db, "Location", small.ids[f"place {where}"], latitude=lat, longitude=lon)
        _update(db, "Unit", small.ids[f"unit {where}"], authorised_strength=850)
        _update(db, "Rotation", small.ids[f"rotation {where}"], actual_start="2021-01-12", actual_end="2021-02-12")
    tolls = dict.fromkeys(quality.VICTIM_FIELDS, 0)
    _update(db, "Incident", small.ids["incident"], fatalities=3, **tolls)
    gaps = _gaps(_run(db, "--json", "--on", "2021-06-01"))
    assert gaps["incident_fatalities"]["checked"] == 2  # the rejected one is not checked
    for kind, checked in (("unit_strength", 3), ("rotation_dates", 2), ("location_coordinates", 2),
                          ("incident_fatalities", 2), ("incident_victims", 2)):  # fmt: skip
        assert (gaps[kind]["count"], gaps[kind]["records"], gaps[kind]["checked"]) == (0, [], checked), kind
    assert gaps["unit_equipment"]["count"] == 2 and gaps["equipment_serviceability"]["count"] == 1


def test_an_incident_gap_is_counted_whole_and_lists_the_first_records(
    db: Database, small: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Incidents may be a million: the gap counts every one lacking the value, in the database,
    and reads only the records it lists (the first ``LISTED``, by id)."""
    monkeypatch.setattr(quality, "LISTED", 2)
    with db.transaction("tester") as tx:
        extra = [_create(tx, "Incident", mission_id=small.mission, event_date="2021-04-03", event_type="Battles",
                         sub_event_type="Armed clash", sector_id=small.east, external_id=f"B-{n}")
                 for n in range(3)]  # fmt: skip
    gaps = {g.check: g for g in quality.quality_report(db, on=date(2021, 6, 1)).gaps}
    fatalities = gaps["incident_fatalities"]
    assert (fatalities.count, fatalities.checked) == (4, 5)  # A-1 and the three above; A-2 has its toll
    assert [r.record_id for r in fatalities.records] == [small.ids["incident"], extra[0]]
    assert fatalities.records[0].missing == ["fatalities"]
    assert gaps["incident_victims"].count == 4 and len(gaps["incident_victims"].records) == 2
    north = quality.quality_report(db, Principal("north", Role.SECTOR, small.north), on=date(2021, 6, 1))
    assert next(g for g in north.gaps if g.check == "incident_fatalities").count == 0  # all in the East


def test_check_exits_0_when_nothing_is_missing_and_1_when_it_cannot_run(db: Database, small: Small) -> None:
    with db.transaction("tester") as tx:
        for name in ("Gao", "Kidal"):
            records.delete(tx, "Rotation", small.ids[f"rotation {name}"])
            records.delete(tx, "Unit", small.ids[f"unit {name}"])
            place = records.get(tx, "Location", small.ids[f"place {name}"])
            records.update(tx, "Location", place.id or 0, {"latitude": 16.0, "longitude": 0.5}, place.version)
        records.delete(tx, "Incident", small.ids["incident"])
        _create(tx, "EquipmentStatusChange", equipment_id=small.ids["item"], effective_on="2021-01-05",
                serviceability="serviceable")  # fmt: skip
    result = _run(db, "--json", "--on", "2021-06-01")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["clean"] is True
    missing = CliRunner().invoke(cli, ["--db", db.settings.database_url, "check", "--mission", "Nowhere"])
    assert missing.exit_code == 1 and "no mission called 'Nowhere'" in missing.stderr


def test_a_sector_account_sees_only_its_sectors_gaps(db: Database, small: Small) -> None:
    east = Principal("east", Role.SECTOR, small.east)
    report = quality.quality_report(db, east, on=date(2021, 6, 1))
    gaps = {g.check: g for g in report.gaps}
    assert [r.label for r in gaps["unit_strength"].records] == ["INFBAT Gao"]
    assert gaps["unit_strength"].checked == 2  # INFBAT Gao and CCC Gao, not INFBAT Kidal
    assert [r.label for r in gaps["location_coordinates"].records] == ["Gao"]
    assert [r.label for r in gaps["rotation_dates"].records] == ["INFBAT Gao, 2021-01-10"]
    everyone = quality.quality_report(db, on=date(2021, 6, 1))
    assert sorted(r.label for r in next(g for g in everyone.gaps if g.check == "unit_strength").records) == [
        "INFBAT Gao", "INFBAT Kidal",
    ]  # fmt: skip


def test_a_typed_number_is_a_finding_of_the_check(db: Database, small: Small) -> None:
    _update(db, "Unit", small.ids["company"], status_reason="Only the 120-member main body is present.")
    _update(db, "Incident", small.ids["incident"], fatalities=2, notes="An ambush: 3 KILLED, about 40 attackers.")
    result = _run(db, "--json", "--on", "2021-06-01")
    unit, toll, attackers = json.loads(result.stdout)["typed_numbers"]
    assert (toll["label"], toll["quoted"], toll["relation"]) == ("A-1", "3 KILLED", "contradicts")
    assert (attackers["quoted"], attackers["relation"]) == ("40 attackers", "not_recorded")
    found = unit
    assert (found["label"], found["field"], found["relation"]) == ("CCC Gao", "status_reason", "contradicts")
    assert found["reason"] == 'says "120-member" but its strength is 150 (deployed_strength / authorised_strength)'


def test_an_unknown_check_is_refused(db: Database, small: Small) -> None:
    assert _run(db, "--only", "nonsense").exit_code == 2
    with pytest.raises(Exception, match="unknown check nonsense"):
        quality.quality_report(db, checks=["nonsense"])


def test_the_api_answers_the_checks_json_as_the_caller_may_read_it(db: Database) -> None:
    world = build_world(db)
    with db.transaction("tester") as tx:
        for side in ("east", "west"):
            _create(tx, "Location", mission_id=world.ids["mission"], name=f"Nowhere {side}",
                    sector_id=world.ids[f"sector_{side}"])  # fmt: skip
    with world.client:
        answers = {role: world.call(role, "GET", "/api/quality", params={"only": "location_coordinates"})
                   for role in ("admin", "sector", "viewer")}  # fmt: skip
        refused = world.call(None, "GET", "/api/quality")
        unknown = world.call("admin", "GET", "/api/quality", params={"only": "nonsense"})
    assert refused.status_code == 401
    assert unknown.status_code in (400, 422) and "unknown check nonsense" in unknown.text
    listed = {}
    for role, answer in answers.items():
        assert answer.status_code == 200, answer.text
        (gap,) = answer.json()["gaps"]
        listed[role] = {r["label"] for r in gap["records"]}
        assert answer.json()["clean"] is False
    assert listed["admin"] == listed["viewer"] == {"Nowhere east", "Nowhere west"}
    assert listed["sector"] == {"Nowhere east"}


def test_the_tolls_not_recorded_are_counted_from_the_rollups_as_a_recount_finds_them(
    db: Database, small: Small
) -> None:
    """The incidents lacking their fatalities are counted from the day rollup: the same count and
    population as the incidents themselves give, for the mission and for each sector account,
    with an incident placed in the North through its place only and a deleted one left out."""
    with db.transaction("tester") as tx:
        _create(tx, "Incident", mission_id=small.mission, event_date="2021-05-01", event_type="Battles",
                sub_event_type="Armed clash", location_id=small.ids["place Kidal"], external_id="K-1")  # fmt: skip
        gone = _create(tx, "Incident", mission_id=small.mission, event_date="2021-05-02", event_type="Battles",
                       sub_event_type="Armed clash", sector_id=small.east, external_id="K-2")  # fmt: skip
        records.delete(tx, "Incident", gone)
        _create(tx, "Incident", mission_id=small.mission, event_date="2021-05-03", event_type="Battles",
                sub_event_type="Armed clash", location_id=small.ids["place Kidal"], external_id="K-3",
                fatalities=1, killed_civilians=1)  # fmt: skip  # its other victims not recorded
    # (principal, (fatalities lacking, victims lacking, checked)); the North's victims are settled
    # by the rollup (every one of its incidents lacks the peacekeepers killed), the others counted.
    for principal, expected in ((None, (2, 3, 4)), (Principal("east", Role.SECTOR, small.east), (1, 1, 2)),
                                (Principal("north", Role.SECTOR, small.north), (1, 2, 2))):  # fmt: skip
        gaps = {g.check: g for g in quality.quality_report(db, principal, on=date(2021, 6, 1)).gaps}
        fatalities, victims = gaps["incident_fatalities"], gaps["incident_victims"]
        assert (fatalities.count, victims.count, fatalities.checked) == expected
        assert len(fatalities.records) == fatalities.count  # the listed ones are the counted ones
        assert len(victims.records) == victims.count and victims.checked == fatalities.checked


def test_typed_tolls_in_incident_notes_are_found_through_the_full_text_index(db: Database, small: Small) -> None:
    """Only incidents whose text holds a toll word are read for typed numbers (the full-text
    index, any case and accents); a figure without such a word is no toll."""
    _update(db, "Incident", small.ids["incident"], notes="Embuscade près d'Ansongo: 4 DEAD, 12-fatalities reported.")
    with db.transaction("tester") as tx:
        _create(tx, "Incident", mission_id=small.mission, event_date="2021-04-04", event_type="Battles",
                sub_event_type="Armed clash", sector_id=small.east, external_id="C-1",
                notes="Convoy of 12 trucks delayed 3 days.")  # fmt: skip
    found = quality.quality_report(db, on=date(2021, 6, 1)).typed_numbers
    incidents = sorted((f.label, f.quoted) for f in found if f.kind == "Incident")
    assert incidents == [("A-1", "12-fatalities"), ("A-1", "4 DEAD")]
