"""Every kind of record round-trips on both backends; every change is versioned and audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm.exc import StaleDataError

from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.errors import InvalidRecord, NotFound, StaleVersion
from bluehelmet.domain.records import entity_fields, snapshot
from bluehelmet.services import records
from bluehelmet.services.database import Database
from tests import factories


@pytest.mark.parametrize("cls", ENTITIES, ids=entity_name)
def test_every_entity_round_trips(db: Database, cls: type) -> None:
    with db.transaction("tester") as tx:
        values = factories.data(tx, cls.__name__)
        created = records.create(tx, cls, values)
        record_id = created.id
    with db.transaction("reader") as tx:
        loaded = records.get(tx, cls, record_id)
        stored = snapshot(loaded)
    assert set(values) == {f.name for f in entity_fields(cls)}, "the factory must set every field"
    for name, value in values.items():
        assert stored[name] == value, name
    assert loaded.version == 1
    assert loaded.created_by == "tester" and loaded.updated_by == "tester"
    assert loaded.created_at is not None and loaded.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - loaded.created_at).total_seconds()) < 60


def test_create_writes_one_audit_entry_in_the_same_transaction(db: Database) -> None:
    with db.transaction("analyst") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
    with db.transaction("reader") as tx:
        (entry,) = records.history(tx, "Unit", unit.id)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == "analyst"
    assert entry.version == 1
    assert entry.before is None
    assert entry.after is not None and entry.after["deployed_strength"] == 645


def test_update_bumps_version_and_audits_before_and_after(db: Database) -> None:
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
    with db.transaction("planner") as tx:
        updated = records.update(tx, "Unit", unit.id, {"deployed_strength": 600}, version=1)
        assert updated.version == 2
    with db.transaction("reader") as tx:
        entries = records.history(tx, "Unit", unit.id)
        current = records.get(tx, "Unit", unit.id)
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert entries[1].before is not None and entries[1].before["deployed_strength"] == 645
    assert entries[1].after is not None and entries[1].after["deployed_strength"] == 600
    assert entries[1].actor == "planner" and entries[1].version == 2
    assert current.deployed_strength == 600 and current.updated_by == "planner"


def test_a_stale_update_is_refused_with_the_current_record_and_nothing_changes(db: Database) -> None:
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
    with db.transaction("first") as tx:
        records.update(tx, "Unit", unit.id, {"deployed_strength": 640}, version=1)
    with pytest.raises(StaleVersion) as refused, db.transaction("second") as tx:
        records.update(tx, "Unit", unit.id, {"deployed_strength": 500}, version=1)
    assert refused.value.current["deployed_strength"] == 640
    assert refused.value.current["version"] == 2
    assert "version 1 is stale" in str(refused.value)
    with db.transaction("reader") as tx:
        assert records.get(tx, "Unit", unit.id).deployed_strength == 640
        assert len(records.history(tx, "Unit", unit.id)) == 2


def test_two_overlapping_transactions_cannot_both_apply_the_same_version(db: Database) -> None:
    """The second writer read version 1 before the first committed: the database refuses it."""
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
    late = db._sessions()  # a reader that loaded the record before the other change landed
    stale = late.get(type(unit), unit.id)
    assert stale is not None and stale.version == 1
    late.commit()
    with db.transaction("first") as tx:
        records.update(tx, "Unit", unit.id, {"deployed_strength": 640}, version=1)
    stale.deployed_strength = 1
    with pytest.raises(StaleDataError):
        late.commit()
    late.close()
    with db.transaction("reader") as tx:
        assert records.get(tx, "Unit", unit.id).deployed_strength == 640


def test_an_update_that_changes_nothing_writes_nothing(db: Database) -> None:
    with db.transaction("tester") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
    with db.transaction("tester") as tx:
        same = records.update(tx, "Unit", unit.id, {"deployed_strength": 645}, version=1)
    assert same.version == 1
    with db.transaction("reader") as tx:
        assert len(records.history(tx, "Unit", unit.id)) == 1


def test_soft_delete_hides_keeps_and_restores(db: Database) -> None:
    with db.transaction("tester") as tx:
        caveat = factories.make(tx, "Caveat")
    with db.transaction("evaluator") as tx:
        deleted = records.delete(tx, "Caveat", caveat.id, version=1)
        assert deleted.is_deleted and deleted.version == 2
    with db.transaction("reader") as tx:
        assert records.list_records(tx, "Caveat") == []
        assert [c.id for c in records.list_records(tx, "Caveat", include_deleted=True)] == [caveat.id]
        with pytest.raises(NotFound, match="is deleted"):
            records.get(tx, "Caveat", caveat.id)
    with db.transaction("evaluator") as tx:
        restored = records.restore(tx, "Caveat", caveat.id)
        assert not restored.is_deleted and restored.version == 3
    with db.transaction("reader") as tx:
        actions = [e.action for e in records.history(tx, "Caveat", caveat.id)]
        assert [c.id for c in records.list_records(tx, "Caveat")] == [caveat.id]
    assert actions == [AuditAction.CREATE, AuditAction.DELETE, AuditAction.RESTORE]


def test_a_deleted_record_cannot_be_updated_until_restored(db: Database) -> None:
    with db.transaction("tester") as tx:
        caveat = factories.make(tx, "Caveat")
        records.delete(tx, "Caveat", caveat.id)
    with pytest.raises(NotFound, match="is deleted"), db.transaction("tester") as tx:
        records.update(tx, "Caveat", caveat.id, {"description": "changed"}, version=2)


def test_delete_is_refused_while_live_records_refer_to_it(db: Database) -> None:
    with db.transaction("tester") as tx:
        caveat = factories.make(tx, "Caveat")
        unit_id = caveat.unit_id
    refers = r"Caveat record\(s\) \(#\d+\) still refer to it by unit_id"
    with pytest.raises(InvalidRecord, match=refers), db.transaction("tester") as tx:
        records.delete(tx, "Unit", unit_id)
    with db.transaction("tester") as tx:
        records.delete(tx, "Caveat", caveat.id)
        records.delete(tx, "Unit", unit_id)
    # Restoring the caveat while its unit is deleted would leave it pointing at a deleted unit.
    with pytest.raises(InvalidRecord, match=r"unit_id: Unit #\d+ is deleted"), db.transaction("tester") as tx:
        records.restore(tx, "Caveat", caveat.id)


def test_history_of_a_record_that_never_existed_is_empty(db: Database) -> None:
    with db.transaction("reader") as tx:
        assert records.history(tx, "Incident", 999) == []
        with pytest.raises(NotFound, match="Incident #999 does not exist"):
            records.get(tx, "Incident", 999)


def test_list_filters_are_typed_and_checked(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission")
        factories.make(tx, "Unit", mission_id=mission.id, component="police", unit_type="formed_police_unit")
        factories.make(tx, "Unit", mission_id=mission.id)
    with db.transaction("reader") as tx:
        police = records.list_records(tx, "Unit", {"component": "police", "mission_id": mission.id})
        assert [u.component for u in police] == ["police"]
        with pytest.raises(InvalidRecord, match="component: input should be"):
            records.list_records(tx, "Unit", {"component": "navy"})
        with pytest.raises(InvalidRecord, match="colour: is not a field to filter on"):
            records.list_records(tx, "Unit", {"colour": "blue"})


def test_delete_is_refused_while_a_list_of_references_names_it(db: Database) -> None:
    with db.transaction("tester") as tx:
        operation = factories.make(tx, "Operation")
        (place_id,) = operation.location_ids
    listed = rf"Operation record\(s\) \(#{operation.id}\) still refer to it by location_ids"
    with pytest.raises(InvalidRecord, match=listed), db.transaction("tester") as tx:
        records.delete(tx, "Location", place_id)
    with db.transaction("tester") as tx:
        records.update(tx, "Operation", operation.id, {"location_ids": []}, version=1)
        assert records.delete(tx, "Location", place_id).is_deleted


def test_a_refused_restore_leaves_the_record_deleted_even_if_the_caller_carries_on(db: Database) -> None:
    with db.transaction("tester") as tx:
        caveat = factories.make(tx, "Caveat")
        records.delete(tx, "Caveat", caveat.id)
        records.delete(tx, "Unit", caveat.unit_id)
    with db.transaction("tester") as tx, pytest.raises(InvalidRecord):
        records.restore(tx, "Caveat", caveat.id)
        # the caller swallowed the refusal and its transaction commits
    with db.transaction("reader") as tx:
        assert records.get(tx, "Caveat", caveat.id, include_deleted=True).is_deleted
        assert [e.action for e in records.history(tx, "Caveat", caveat.id)] == [AuditAction.CREATE, AuditAction.DELETE]
