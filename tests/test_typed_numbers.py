"""Numbers typed into quoted text: read only beside the words of a measure, told apart as
duplicate, contradiction or unrecorded, warned at entry (both backends) and absent from the
reference mission."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluehelmet.domain.capabilities import InfrastructureProject, ProjectKind
from bluehelmet.domain.catalogue import entity_class
from bluehelmet.domain.operations import Activity, ActivityType
from bluehelmet.domain.typed_numbers import MEASURES, Relation, typed_numbers
from bluehelmet.domain.units import Component, Unit, UnitType
from bluehelmet.imports.tables import read_table
from bluehelmet.services import loading, records
from bluehelmet.services.database import Database
from tests import factories


def _unit(reason: str, deployed: int | None = None, authorised: int | None = None) -> Unit:
    return Unit(mission_id=1, name="FPU 2 Mopti", component=Component.POLICE, unit_type=UnitType.FORMED_POLICE_UNIT,
                status_reason=reason, deployed_strength=deployed, authorised_strength=authorised)  # fmt: skip


def test_a_strength_typed_in_a_reason_duplicates_contradicts_or_is_not_recorded() -> None:
    text = "Only the 20-member advance team is present."
    (same,) = typed_numbers(_unit(text, deployed=20, authorised=140))
    assert (same.field, same.quoted, same.number, same.relation) == (
        "status_reason",
        "20-member",
        20,
        Relation.DUPLICATES,
    )
    assert "repeats its strength (20, 140" in same.reason()
    (other,) = typed_numbers(_unit(text, deployed=25))
    assert other.relation == Relation.CONTRADICTS
    assert other.reason() == 'says "20-member" but its strength is 25 (deployed_strength / authorised_strength)'
    (unknown,) = typed_numbers(_unit(text))
    assert unknown.relation == Relation.NOT_RECORDED and "not recorded" in unknown.reason()
    (zero,) = typed_numbers(_unit(text, deployed=0))  # 0 is a known zero, not an unknown
    assert zero.relation == Relation.CONTRADICTS


@pytest.mark.parametrize(
    "text",
    ["INFBAT 2 Kidal", "Interrupted a hijacking on 25 April 2021 (S/2021/520, para. 9).", "",
     "Geo-PKO v2.3 (2021)", "2021-02-14, personnel"],
)  # fmt: skip
def test_a_number_without_the_words_of_a_measure_is_not_read(text: str) -> None:
    assert typed_numbers(_unit(text, deployed=20)) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [("a 1,100-strong battalion", 1100), ("645 strong", 645), ("140 police officers", 140), ("35 PERSONNEL", 35)],
)
def test_the_ways_a_strength_is_written(text: str, number: float) -> None:
    (found,) = typed_numbers(_unit(text, deployed=int(number)))
    assert found.number == number and found.relation == Relation.DUPLICATES


def test_hectares_and_days_are_read_against_their_fields() -> None:
    project = InfrastructureProject(mission_id=1, name="Mopti camp expansion (16 ha)", kind=ProjectKind.CAMP_EXPANSION,
                                    hectares=11.0)  # fmt: skip
    (found,) = typed_numbers(project)
    assert (found.field, found.relation) == ("name", Relation.CONTRADICTS)
    patrol = Activity(mission_id=1, activity_type=ActivityType.PATROL, start_on=date(2021, 4, 20),
                      end_on=date(2021, 5, 9), description="20-day patrol from Gao to Tessit")  # fmt: skip
    (days,) = typed_numbers(patrol)
    assert days.relation == Relation.DUPLICATES and "start and end dates" in days.reason()


@given(st.text(max_size=300), st.one_of(st.none(), st.integers(0, 10**6)))
def test_any_text_is_read_without_error_and_every_finding_quotes_the_text(text: str, strength: int | None) -> None:
    for found in typed_numbers(_unit(text, deployed=strength)):
        assert found.quoted in text
        assert found.relation in set(Relation)


def test_a_typed_number_is_a_warning_at_entry_not_a_refusal(db: Database, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        factories.make(tx, "Mission", name="MINUSMA")
    path = tmp_path / "units.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "component", "unit_type", "deployed_strength", "status_reason"])
        writer.writerow(["FPU 2 Mopti", "police", "formed_police_unit", "25", "Only the 20-member advance team."])
        writer.writerow(["FPU 1 Mopti", "police", "formed_police_unit", "140", "Deployed."])
    report = loading.load(db, "importer", "Unit", read_table(path), mission="MINUSMA")
    assert report.written and report.created == 2
    assert [(w.row, w.column) for w in report.warnings] == [(2, "status_reason")]
    assert 'says "20-member" but its strength is 25' in report.warnings[0].reason
    with db.transaction("reader") as tx:
        (unit,) = records.list_records(tx, "Unit", {"name": "FPU 2 Mopti"})
        assert isinstance(unit, Unit) and unit.deployed_strength == 25


def test_the_reference_mission_types_no_number_a_field_holds(reference_db: Database) -> None:
    found = []
    with reference_db.transaction("reader") as tx:
        for kind in MEASURES:
            for record in records.list_records(tx, entity_class(kind)):
                found += [(kind, record.label(), n.quoted) for n in typed_numbers(record)]
    assert found == []
