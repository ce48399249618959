"""Plain factory functions: valid, fully filled-in data for every kind of record.

``data(tx, kind)`` gives the field values of a new record (creating the records it refers to);
``make(tx, kind)`` stores one. Overrides replace any field. Values are MINUSMA-like and set
every optional field, so a round trip exercises every column type.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from bluehelmet.domain.records import Record, entity_fields
from bluehelmet.services import records
from bluehelmet.services.database import Transaction

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make(tx: Transaction, kind: str, /, **overrides: Any) -> Record:
    return records.create(tx, kind, data(tx, kind, **overrides))


def data(tx: Transaction, kind: str, /, **overrides: Any) -> dict[str, Any]:
    """Valid field values for a new ``kind``; ``mission_id`` may be given even for child records."""
    cls = records.kind_of(kind)
    values = _BUILDERS[cls.__name__](tx, dict(overrides))
    if "mission_id" not in {f.name for f in entity_fields(cls)}:
        overrides.pop("mission_id", None)
    values["provenance"] = "test factory"
    values.update(overrides)
    return values


def _mission_id(tx: Transaction, overrides: dict[str, Any]) -> int:
    if "mission_id" in overrides:
        return int(overrides["mission_id"])
    return _id(make(tx, "Mission"))


def _id(record: Record) -> int:
    assert record.id is not None
    return record.id


def _parent(tx: Transaction, kind: str, overrides: dict[str, Any], **fields: Any) -> int:
    return _id(make(tx, kind, mission_id=_mission_id(tx, overrides), **fields))


def _mission(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"MINUSMA-{_n()}",
        "full_name": "United Nations Multidimensional Integrated Stabilization Mission in Mali",
        "country_iso3": "MLI",
        "mandate": "S/RES/2531 (2020)",
        "min_latitude": 10.1,
        "max_latitude": 25.0,
        "min_longitude": -12.3,
        "max_longitude": 4.3,
        # No French name, request or signatory: the tests of the French frame rely on their absence.
        "full_name_fr": "",
        "letter_request": "",
        "letter_request_fr": "",
        "signatory": "",
    }


def _country(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    n = _n()
    return {"iso3": "".join(chr(65 + (n // 26**i) % 26) for i in range(3)), "name": f"Country {n}"}


def _admin_area(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "mission_id": _mission_id(tx, o),
        "level": "admin1",
        "name": f"Gao {_n()}",
        "pcode": "ML07",
        "parent_id": None,
    }


def _sector(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "mission_id": _mission_id(tx, o),
        "name": f"Sector East {_n()}",
        "name_fr": "secteur Est",
        "article_fr": "le",
    }


def _location(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    admin1 = _id(make(tx, "AdminArea", mission_id=mission_id))
    admin2 = _id(make(tx, "AdminArea", mission_id=mission_id, level="admin2", name="Ansongo", parent_id=admin1))
    return {
        "mission_id": mission_id,
        "name": "Ansongo",
        "kind": "town",
        "variants": ["Ansongho"],
        "latitude": 15.6597,
        "longitude": 0.5022,
        "admin1_id": admin1,
        "admin2_id": admin2,
        "sector_id": _id(make(tx, "Sector", mission_id=mission_id)),
        "geonames_id": 2460954,
        "source": "GeoNames",
        "name_fr": "",
        "article_fr": "none",
    }


def _unit(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "name": f"INF-BN-{_n()}",
        "component": "military",
        "unit_type": "infantry_battalion",
        "country_id": _id(make(tx, "ContributingCountry")),
        "parent_id": None,
        "sector_id": _id(make(tx, "Sector", mission_id=mission_id)),
        "base_id": _id(make(tx, "Location", mission_id=mission_id)),
        "authorised_strength": 850,
        "deployed_strength": 845,
        "deployment_status": "deployed",
        "status_since": "2020-06-15",
        "status_reason": "",
        "mobile_task_force": True,
        "notes": "evaluated in February",
        "status_reason_fr": "",
        "strength_estimate": 650,
        "strength_estimate_source": "Geo-PKO v2.3 (an estimate)",
    }


def _operation(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "name": f"Seka {_n()}",
        "operation_type": "route_security",
        "start_on": "2020-12-01",
        "end_on": "2021-05-31",
        "description": "secure the Gao-Ansongo-Labezanga road",
        "objectives": ["protect civilians", "secure the road"],
        "sector_ids": [_id(make(tx, "Sector", mission_id=mission_id))],
        "location_ids": [_id(make(tx, "Location", mission_id=mission_id))],
        "unit_ids": [_id(make(tx, "Unit", mission_id=mission_id))],
        "components": ["military", "police"],
        "partner_forces": ["Malian Armed Forces"],
        "results": "fewer incidents",
        "description_fr": "",
        "results_fr": "",
    }


def _phase(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    op = make(tx, "Operation", mission_id=_mission_id(tx, o))
    return {
        "operation_id": _id(op),
        "number": 1,
        "name": "phase one",
        "start_on": "2021-04-08",
        "end_on": "2021-05-19",
        "area": "Ansongo / In-Tellit / Tessit triangle",
        "location_ids": list(getattr(op, "location_ids", [])),
    }


def _activity(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    gao = _id(make(tx, "Location", mission_id=mission_id, name="Gao"))
    return {
        "mission_id": mission_id,
        "activity_type": "patrol",
        "operation_id": _id(make(tx, "Operation", mission_id=mission_id)),
        "patrol_range": "long",
        "day_night": "day_and_night",
        "start_on": "2021-04-08",
        "end_on": "2021-04-27",
        "from_location_id": gao,
        "to_location_id": _id(make(tx, "Location", mission_id=mission_id, name="Tessit")),
        "location_ids": [gao],
        "unit_ids": [_id(make(tx, "Unit", mission_id=mission_id))],
        "components": ["military", "civilian"],
        "description": "20-day patrol from Gao to Tessit",
    }


def _incident(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "external_id": f"MLI{_n()}",
        "event_date": "2021-04-02",
        "event_time": "06:45:00",
        "time_precision": "day",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "category": "complex_attack_on_camp",
        "location_id": _id(make(tx, "Location", mission_id=mission_id, name="Aguelhok")),
        "sector_id": _id(make(tx, "Sector", mission_id=mission_id)),
        "location_name": "Aguelhok",
        "location_name_fr": "",
        "admin1": "Kidal",
        "admin2": "Tessalit",
        "admin3": "Aguelhok",
        "latitude": 19.4613,
        "longitude": 0.8587,
        "geo_precision": "exact",
        "target": "mission",
        "perpetrator": "JNIM",
        "actor1": "JNIM: Group for Support of Islam and Muslims",
        "assoc_actor1": "",
        "inter1": 2,
        "actor2": "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)",
        "assoc_actor2": "",
        "inter2": 8,
        "interaction": 28,
        "disorder_type": "Political violence",
        "civilian_targeting": False,
        "explosives_used": True,
        "operation_id": None,
        "responding_unit_ids": [_id(make(tx, "Unit", mission_id=mission_id))],
        "fatalities": 24,
        "killed_peacekeepers": 4,
        "injured_peacekeepers": 19,
        "killed_national_forces": 0,
        "injured_national_forces": 0,
        "killed_civilians": 0,
        "injured_civilians": 0,
        "attackers_estimated": 200,
        "source": "MINUSMA JOC",
        "source_scale": "Other",
        "source_timestamp": 1618000000,
        "tags": "",
        "source_reliability": "A",
        "information_credibility": "1",
        "review_status": "verified",
        "notes": "complex attack repelled",
    }


def _caveat(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "unit_id": _id(make(tx, "Unit", mission_id=mission_id)),
        "kind": "within_sector_movement",
        "description": "may not deploy to another location within its own sector",
        "declared": False,
        "declared_on": None,
        "first_observed": "2021-02-10",
        "reported_on": "2021-02-12",
        "lifted_on": "2021-05-01",
        "source": "Force HQ U3",
        "description_fr": "",
    }


def _caveat_impact(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "caveat_id": _id(make(tx, "Caveat", mission_id=mission_id)),
        "occurred_on": "2021-03-01",
        "task": "reinforce Tessit",
        "effect": "refused",
        "operation_id": _id(make(tx, "Operation", mission_id=mission_id)),
        "description": "another unit was sent instead",
    }


def _equipment(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "unit_id": _id(make(tx, "Unit", mission_id=mission_id, unit_type="combat_convoy_company")),
        "category": "mine_protected_vehicle",
        "identifier": f"MPV-{_n()}",
        "description": "Casspir",
    }


def _status_change(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "equipment_id": _id(make(tx, "EquipmentItem", mission_id=mission_id)),
        "effective_on": "2021-02-15",
        "serviceability": "unserviceable",
        "cause": "explosive_incident",
        "incident_id": _id(
            make(
                tx,
                "Incident",
                mission_id=mission_id,
                event_type="Explosions/Remote violence",
                sub_event_type="Remote explosive/landmine/IED",
                category="ied_detonated",
            )
        ),
        "note": "hull breached",
    }


def _inspection(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "unit_id": _id(make(tx, "Unit", mission_id=mission_id)),
        "kind": "operational_readiness",
        "inspected_on": "2021-03-15",
        "inspector": "COE unit",
        "items_inspected": 40,
        "items_serviceable": 18,
        "findings": "22 vehicles unserviceable",
    }


def _police_unit(tx: Transaction, mission_id: int) -> int:
    return _id(make(tx, "Unit", mission_id=mission_id, component="police", unit_type="formed_police_unit"))


def _evaluation(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "unit_id": _id(make(tx, "Unit", mission_id=mission_id)),
        "kind": "military_unit_evaluation",
        "evaluated_on": "2021-02-20",
        "evaluated_strength": 645,
        "overall_rating": "satisfactory",
        "domain_ratings": {"intelligence": "needs_improvement", "logistics": "satisfactory"},
        "evaluator": "Sector East commander",
        "summary": "satisfactory overall",
    }


def _finding(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    evaluation = make(tx, "Evaluation", mission_id=mission_id)
    parent = getattr(evaluation, "unit_id")  # noqa: B009
    sub = make(
        tx,
        "Unit",
        mission_id=mission_id,
        parent_id=parent,
        unit_type="infantry_company",
        authorised_strength=150,
        deployed_strength=140,
    )
    return {
        "evaluation_id": _id(evaluation),
        "sub_unit_id": _id(sub),
        "domain": "protection_of_civilians",
        "rating": "needs_improvement",
        "finding": "slow response to alerts",
    }


def _plan(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    evaluation = make(tx, "Evaluation", mission_id=mission_id)
    return {
        "mission_id": mission_id,
        "unit_id": getattr(evaluation, "unit_id"),  # noqa: B009
        "evaluation_id": _id(evaluation),
        "adopted_on": "2021-03-01",
        "description": "performance improvement plan",
    }


def _action(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "plan_id": _parent(tx, "ImprovementPlan", o),
        "description": "train intelligence cell",
        "domain": "intelligence",
        "due_on": "2021-04-30",
        "completed_on": "2021-04-28",
    }


def _notification(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "armed_group": "CMA",
        "notified_on": "2021-01-10",
        "planned_move_on": "2021-01-12",
        "route": "Kidal - Anefis",
        "from_location_id": _id(make(tx, "Location", mission_id=mission_id, name="Kidal")),
        "to_location_id": _id(make(tx, "Location", mission_id=mission_id, name="Anefis")),
        "vehicles": 8,
        "heavy_weapons": True,
    }


def _observation(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "armed_group": "CMA",
        "observed_on": "2021-01-12",
        "route": "Kidal - Anefis",
        "location_id": _id(make(tx, "Location", mission_id=mission_id, name="Anefis")),
        "vehicles": 8,
        "heavy_weapons": True,
        "notification_id": _id(make(tx, "ConvoyNotification", mission_id=mission_id)),
    }


def _restriction(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "kind": "road_blockage",
        "imposed_by": "dozos",
        "area_id": _id(make(tx, "AdminArea", mission_id=mission_id, level="admin1", name=f"Mopti {_n()}")),
        "location_id": _id(make(tx, "Location", mission_id=mission_id, name="Bandiagara")),
        "started_on": "2020-12-15",
        "lifted_on": "2021-01-20",
        "lifted_through": "dialogue",
        "patrols_resumed": True,
        "description": "road blocked by local population and dozos",
        "imposed_by_fr": "la population locale",
        "lifted_through_fr": "le dialogue",
    }


def _capability(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "capability": "aviation_utility_helicopter",
        "sector_id": _id(make(tx, "Sector", mission_id=mission_id)),
        "required": 2,
        "needed_from": "2021-07-01",
        "needed_by": "2021-12-31",
        "commercial_alternative": True,
        "note": "military or commercial",
    }


def _project(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "name": f"Mopti camp expansion {_n()}",
        "kind": "camp_expansion",
        "location_id": _id(make(tx, "Location", mission_id=mission_id, name="Mopti")),
        "hectares": 16.0,
        "purpose": "ground units",
        "start_on": "2020-10-01",
        "due_on": "2021-11-30",
        "completed_on": None,
    }


def _milestone(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_id": _parent(tx, "InfrastructureProject", o),
        "name": "ground units move in",
        "start_on": "2021-06-01",
        "due_on": "2021-11-30",
        "completed_on": None,
        "name_fr": "",
    }


def _rotation(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "unit_id": _id(make(tx, "Unit", mission_id=mission_id)),
        "planned_start": "2021-03-01",
        "planned_end": "2021-03-21",
        "actual_start": "2021-03-05",
        "actual_end": "2021-03-30",
        "personnel": 650,
        "available_fraction": 0.5,
        "note": "rotated at the same time as another battalion",
    }


def _period(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "sector_id": _id(make(tx, "Sector", mission_id=mission_id)),
        "name": "dry season offensive",
        "tempo": "high",
        "start_on": "2021-03-01",
        "end_on": "2021-05-31",
    }


def _transition(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "mission_id": _mission_id(tx, o),
        "title": "environmental risk analysis",
        "road_map_phase": "phase_1",
        "benchmark": "analyses completed",
        "owner_kind": "joint",
        "owner": "MINUSMA and country team",
        "status": "delayed",
        "due_on": "2021-03-31",
        "completed_on": None,
        "delay_reason": "COVID-19 restrictions",
        "title_fr": "",
        "delay_reason_fr": "",
    }


def _programme(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    mission_id = _mission_id(tx, o)
    return {
        "mission_id": mission_id,
        "name": f"Gao joint programme {_n()}",
        "partners": ["WFP", "UNHCR"],
        "location_ids": [_id(make(tx, "Location", mission_id=mission_id, name="Gao"))],
        "aims": ["food production", "livelihoods", "returnees", "dialogue"],
        "start_on": "2021-01-01",
        "end_on": "2022-12-31",
        "name_fr": "",
        "aims_fr": [],
    }


def _body(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "mission_id": _mission_id(tx, o),
        "name": f"Counter-IED task force {_n()}",
        "kind": "task_force",
        "established_on": "2021-01-15",
        "dissolved_on": None,
        "partners": ["FAMa", "G5 Sahel Joint Force", "Barkhane", "EUTM Mali"],
        "purpose": "counter-IED coordination",
        "name_fr": "",
        "partners_fr": [],
    }


def _meeting(tx: Transaction, o: dict[str, Any]) -> dict[str, Any]:
    return {
        "body_id": _parent(tx, "CoordinationBody", o),
        "held_on": "2021-02-01",
        "summary": "first meeting",
        "decisions": ["share IED reports weekly"],
    }


_BUILDERS: dict[str, Callable[[Transaction, dict[str, Any]], dict[str, Any]]] = {
    "Mission": _mission,
    "ContributingCountry": _country,
    "AdminArea": _admin_area,
    "Sector": _sector,
    "Location": _location,
    "Unit": _unit,
    "Operation": _operation,
    "OperationPhase": _phase,
    "Activity": _activity,
    "Incident": _incident,
    "Caveat": _caveat,
    "CaveatImpact": _caveat_impact,
    "EquipmentItem": _equipment,
    "EquipmentStatusChange": _status_change,
    "Inspection": _inspection,
    "Evaluation": _evaluation,
    "EvaluationFinding": _finding,
    "ImprovementPlan": _plan,
    "ImprovementAction": _action,
    "ConvoyNotification": _notification,
    "ConvoyObservation": _observation,
    "MovementRestriction": _restriction,
    "CapabilityRequirement": _capability,
    "InfrastructureProject": _project,
    "ProjectMilestone": _milestone,
    "Rotation": _rotation,
    "OperationalPeriod": _period,
    "TransitionActivity": _transition,
    "JointProgramme": _programme,
    "CoordinationBody": _body,
    "CoordinationMeeting": _meeting,
}

__all__ = ["data", "make", "police_unit"]
police_unit = _police_unit
