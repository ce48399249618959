"""Each rule refuses a bad record with a message naming the record, field and reason; nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bluehelmet.config import Settings
from bluehelmet.domain.errors import InvalidRecord
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import audit_table
from tests import factories


def _audit_count(db: Database) -> int:
    with db.transaction("reader") as tx:
        return int(tx.session.scalar(select(func.count()).select_from(audit_table)) or 0)


def _refused_create(db: Database, entity: str, field: str, reason: str, /, **overrides: Any) -> None:
    kind = entity
    with db.transaction("tester") as tx:
        values = factories.data(tx, kind, **overrides)
        before = records.count(tx, kind, include_deleted=True)
    audits = _audit_count(db)
    with pytest.raises(InvalidRecord) as refused, db.transaction("tester") as tx:
        records.create(tx, kind, values)
    problem = next((p for p in refused.value.problems if p.field == field), None)
    assert problem is not None, f"no problem on {field}: {refused.value}"
    assert reason in problem.reason, str(refused.value)
    assert problem.record.startswith(kind)
    with db.transaction("reader") as tx:
        assert records.count(tx, kind, include_deleted=True) == before
    assert _audit_count(db) == audits


CREATE_RULES = [
    ("Incident", "category", "input should be", {"category": "riot_police"}),
    ("Incident", "event_type", "input should be", {"event_type": "Skirmish"}),
    ("Unit", "deployed_strength", "may not be negative (got -5)", {"deployed_strength": -5}),
    ("Unit", "deployed_strength", "input should be a valid integer (got false)", {"deployed_strength": False}),
    ("Unit", "deployed_strength", "input should be a valid integer", {"deployed_strength": "645"}),
    ("Unit", "name", "is required and may not be blank", {"name": "  "}),
    ("Unit", "colour", "is not a field of this kind of record", {"colour": "blue"}),
    ("Unit", "version", "is kept by the system", {"version": 7}),
    ("Operation", "end_on", "is before start_on", {"start_on": "2021-04-08", "end_on": "2021-04-01"}),
    (
        "Rotation",
        "planned_end",
        "is before planned_start",
        {"planned_start": "2021-03-01", "planned_end": "2021-02-01"},
    ),
    (
        "MovementRestriction",
        "lifted_on",
        "is before started_on",
        {"started_on": "2021-01-01", "lifted_on": "2020-12-01"},
    ),
    ("Location", "latitude", "is outside the area of mission", {"latitude": 48.85, "longitude": 2.35}),
    ("Location", "longitude", "is outside the area of mission", {"latitude": 15.0, "longitude": 12.0}),
    ("Location", "latitude", "is not a latitude", {"latitude": 95.0, "longitude": 0.0}),
    # Ouagadougou: inside Mali's bounding box, outside Mali (the shipped boundary decides)
    ("Location", "longitude", "is outside the area of mission", {"latitude": 12.37, "longitude": -1.52}),
    ("Location", "longitude", "latitude and longitude go together", {"longitude": None}),
    ("Incident", "longitude", "is outside the area of mission", {"latitude": 15.0, "longitude": -14.4}),
    ("Incident", "sub_event_type", "is not a kind of 'Battles'", {"sub_event_type": "Peaceful protest"}),
    ("Incident", "category", "has sub-event type", {"category": "ied_detonated"}),
    ("Incident", "fatalities", "is fewer than the 4 killed", {"fatalities": 1}),
    ("Mission", "country_iso3", "is not an ISO 3166 alpha-3 code", {"country_iso3": "Mali"}),
    ("Mission", "min_latitude", "all four bounds", {"max_latitude": None}),
    ("Mission", "max_latitude", "min < max", {"min_latitude": 30.0, "max_latitude": 20.0}),
    ("ContributingCountry", "iso3", "is not an ISO 3166 alpha-3 code", {"iso3": "sn"}),
    ("Caveat", "declared_on", "not marked declared", {"declared": False, "declared_on": "2020-01-01"}),
    ("EquipmentStatusChange", "cause", "is required when the item is unserviceable", {"cause": None}),
    ("EquipmentStatusChange", "cause", "only an unserviceable item has a cause", {"serviceability": "serviceable"}),
    ("Inspection", "items_serviceable", "is more than the 40 items", {"items_serviceable": 41}),
    ("Evaluation", "overall_rating", "is not on the rating scale", {"overall_rating": "superb"}),
    (
        "Evaluation",
        "domain_ratings",
        "'cooking' is not a performance domain",
        {"domain_ratings": {"cooking": "excellent"}},
    ),
    ("Evaluation", "kind", "a military unit gets a military_unit_evaluation", {"kind": "police_assessment_report"}),
    ("OperationPhase", "start_on", "is before Operation", {"start_on": "2020-01-01"}),
    ("Activity", "patrol_range", "only a patrol has a range", {"activity_type": "escort"}),
    ("Rotation", "available_fraction", "is not between 0 and 1", {"available_fraction": 1.5}),
    ("TransitionActivity", "delay_reason", "says why it is delayed", {"delay_reason": ""}),
    ("TransitionActivity", "completed_on", "exactly when the activity is completed", {"status": "completed"}),
    ("Operation", "unit_ids", "does not exist", {"unit_ids": [987654]}),
    ("Operation", "sector_ids", "lists the same record twice", {}),  # filled in below
    ("Unit", "base_id", "Location #987654 does not exist", {"base_id": 987654}),
    ("CapabilityRequirement", "required", "may not be negative", {"required": -1}),
    ("CapabilityRequirement", "needed_by", "is before needed_from", {"needed_by": "2021-01-01"}),
    ("Unit", "unit_type", "belongs to the police component", {"unit_type": "formed_police_unit"}),
    ("Activity", "start_on", "is before Operation", {"start_on": "2019-01-01"}),
    ("ConvoyNotification", "planned_move_on", "is before notified_on", {"planned_move_on": "2021-01-01"}),
    ("Caveat", "reported_on", "is before first_observed", {"reported_on": "2021-01-01"}),
    ("InfrastructureProject", "hectares", "may not be negative", {"hectares": -16.0}),
    ("InfrastructureProject", "hectares", "finite number", {"hectares": float("nan")}),
    ("InfrastructureProject", "hectares", "finite number", {"hectares": float("inf")}),
    ("Unit", "deployed_strength", "is too large to store", {"deployed_strength": 10**12}),
]


@pytest.mark.parametrize(("kind", "field", "reason", "overrides"), CREATE_RULES, ids=lambda v: str(v)[:40])
def test_a_broken_rule_is_refused_and_nothing_is_written(
    db: Database, kind: str, field: str, reason: str, overrides: dict[str, Any]
) -> None:
    if field == "sector_ids":
        with db.transaction("tester") as tx:
            sector = factories.make(tx, "Sector")
        overrides = {"mission_id": sector.mission_id, "sector_ids": [sector.id, sector.id]}
    _refused_create(db, kind, field, reason, **overrides)


def test_an_incident_dated_in_the_future_is_refused(db: Database) -> None:
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    _refused_create(db, "Incident", "event_date", "is in the future", event_date=tomorrow)


def test_a_sub_unit_larger_than_its_parent_is_refused(db: Database) -> None:
    with db.transaction("tester") as tx:
        parent = factories.make(tx, "Unit", deployed_strength=650, authorised_strength=650)
    _refused_create(
        db,
        "Unit",
        "deployed_strength",
        "is larger than its parent",
        mission_id=parent.mission_id,
        parent_id=parent.id,
        deployed_strength=700,
        authorised_strength=None,
        unit_type="infantry_company",
    )


def test_a_parent_cannot_shrink_below_a_sub_unit(db: Database) -> None:
    with db.transaction("tester") as tx:
        parent = factories.make(tx, "Unit", deployed_strength=650, authorised_strength=650)
        factories.make(
            tx,
            "Unit",
            mission_id=parent.mission_id,
            parent_id=parent.id,
            deployed_strength=150,
            authorised_strength=150,
            unit_type="infantry_company",
        )
    with pytest.raises(InvalidRecord, match="100 is smaller than its sub-unit"), db.transaction("t") as tx:
        records.update(tx, "Unit", parent.id, {"deployed_strength": 100}, version=1)
    with db.transaction("reader") as tx:
        assert records.get(tx, "Unit", parent.id).deployed_strength == 650


def test_a_unit_cannot_become_its_own_ancestor(db: Database) -> None:
    with db.transaction("tester") as tx:
        top = factories.make(tx, "Unit", authorised_strength=None, deployed_strength=None)
        child = factories.make(
            tx,
            "Unit",
            mission_id=top.mission_id,
            parent_id=top.id,
            authorised_strength=None,
            deployed_strength=None,
        )
    with pytest.raises(InvalidRecord, match="would make the unit its own parent"), db.transaction("t") as tx:
        records.update(tx, "Unit", top.id, {"parent_id": child.id}, version=1)
    with pytest.raises(InvalidRecord, match="may not refer to the record itself"), db.transaction("t") as tx:
        records.update(tx, "Unit", top.id, {"parent_id": top.id}, version=1)


def test_a_reference_into_another_mission_is_refused(db: Database) -> None:
    with db.transaction("tester") as tx:
        other_sector = factories.make(tx, "Sector")
    _refused_create(db, "Unit", "sector_id", "belongs to another mission", sector_id=other_sector.id)


def test_a_reference_to_a_deleted_record_is_refused(db: Database) -> None:
    with db.transaction("tester") as tx:
        sector = factories.make(tx, "Sector")
        records.delete(tx, "Sector", sector.id)
    _refused_create(db, "Unit", "sector_id", "is deleted", mission_id=sector.mission_id, sector_id=sector.id)


def test_a_duplicate_natural_key_is_refused_naming_the_existing_record(db: Database) -> None:
    with db.transaction("tester") as tx:
        first = factories.make(tx, "Incident", external_id="MLI12345")
    _refused_create(
        db,
        "Incident",
        "external_id",
        "already has mission_id",
        mission_id=first.mission_id,
        external_id="MLI12345",
    )


def test_a_finding_must_be_about_a_sub_unit_of_the_evaluated_unit(db: Database) -> None:
    with db.transaction("tester") as tx:
        stranger = factories.make(tx, "Unit", authorised_strength=10, deployed_strength=10)
        values = factories.data(tx, "EvaluationFinding", mission_id=stranger.mission_id)
    values["sub_unit_id"] = stranger.id
    with pytest.raises(InvalidRecord, match="is not part of the evaluated unit"), db.transaction("t") as tx:
        records.create(tx, "EvaluationFinding", values)


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        ("draft", "verified", True),
        ("draft", "rejected", True),
        ("verified", "draft", True),
        ("verified", "rejected", False),
        ("rejected", "verified", False),
    ],
)
def test_the_review_workflow(db: Database, start: str, end: str, allowed: bool) -> None:
    with db.transaction("tester") as tx:
        incident = factories.make(tx, "Incident", review_status=start)
    if allowed:
        with db.transaction("reviewer") as tx:
            assert records.update(tx, "Incident", incident.id, {"review_status": end}, 1).version == 2
        return
    with pytest.raises(InvalidRecord, match=f"cannot go from {start} to {end}"), db.transaction("r") as tx:
        records.update(tx, "Incident", incident.id, {"review_status": end}, 1)


def test_the_rating_scale_is_a_setting(db: Database) -> None:
    custom = Database(Settings(database_url=db.settings.database_url, rating_scale=("green", "amber", "red")))
    try:
        with custom.transaction("evaluator") as tx:
            evaluation = factories.make(tx, "Evaluation", overall_rating="amber", domain_ratings={"logistics": "red"})
            assert evaluation.overall_rating == "amber"
        off_scale = "'satisfactory' is not on the rating scale"
        with pytest.raises(InvalidRecord, match=off_scale), custom.transaction("evaluator") as tx:
            factories.make(tx, "Evaluation", overall_rating="satisfactory", domain_ratings={})
    finally:
        custom.close()


def test_a_location_must_lie_in_its_admin1_area(db: Database) -> None:
    with db.transaction("tester") as tx:
        place = factories.make(tx, "Location")
        elsewhere = factories.make(tx, "AdminArea", mission_id=place.mission_id, name="Kidal")
    outside = r"admin2_id: AdminArea #\d+ 'Ansongo' does not lie in"
    with pytest.raises(InvalidRecord, match=outside), db.transaction("t") as tx:
        records.update(tx, "Location", place.id, {"admin1_id": elsewhere.id}, version=1)


def test_two_regions_with_one_name_in_one_mission_are_refused(db: Database) -> None:
    with db.transaction("tester") as tx:
        gao = factories.make(tx, "AdminArea", name="Gao")
    _refused_create(db, "AdminArea", "parent_id", "already has", mission_id=gao.mission_id, name="Gao")


def test_a_child_record_may_not_point_into_another_mission(db: Database) -> None:
    with db.transaction("tester") as tx:
        foreign_place = factories.make(tx, "Location")
    _refused_create(db, "OperationPhase", "location_ids", "belongs to another mission", location_ids=[foreign_place.id])
