"""A creation is inserted by one statement and kept in the session as stored; the rules read the
records it refers to as stored, or as this transaction holds them (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bluehelmet.domain.audit import AuditAction
from bluehelmet.domain.errors import InvalidRecord, StaleVersion
from bluehelmet.domain.places import Location
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.storage import repository
from bluehelmet.storage.tables import TABLES
from tests import factories


def test_a_record_created_then_changed_in_one_transaction_is_written_as_an_update(db: Database) -> None:
    with db.transaction("clerk") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
        assert unit in tx.session and unit.id is not None and unit.version == 1
        changed = records.update(tx, "Unit", unit.id, {"deployed_strength": 600}, version=1)
        assert changed is unit and changed.version == 2
        unit_id = unit.id
    with db.transaction("reader") as tx:
        stored = records.get(tx, "Unit", unit_id)
        entries = records.history(tx, "Unit", unit_id)
    assert (stored.deployed_strength, stored.version) == (600, 2)
    assert [(e.action, e.version) for e in entries] == [(AuditAction.CREATE, 1), (AuditAction.UPDATE, 2)]
    assert entries[0].after is not None and entries[0].after["deployed_strength"] == 645


def test_a_created_record_set_later_is_written_at_the_next_flush(db: Database) -> None:
    """Kept in the session as stored: a change made to the object itself is not lost."""
    with db.transaction("clerk") as tx:
        unit = factories.make(tx, "Unit", deployed_strength=645)
        unit.notes = "set on the object after its creation"
        tx.session.flush()
        unit_id = unit.id
    with db.transaction("reader") as tx:
        stored = records.get(tx, "Unit", unit_id)
    assert stored.notes == "set on the object after its creation"


def test_what_the_session_holds_unwritten_is_written_before_the_new_row(db: Database) -> None:
    with db.transaction("clerk") as tx:
        location = factories.make(tx, "Location")
        location.name = "Renamed before the next creation"  # pending in the session, not flushed
        factories.make(tx, "Incident", mission_id=location.mission_id, location_id=location.id)
        table = TABLES[Location]
        name = tx.session.execute(select(table.c.name).where(table.c.id == location.id)).scalar_one()
    assert name == "Renamed before the next creation"


def test_a_stale_change_of_a_record_created_in_the_same_transaction_is_refused(db: Database) -> None:
    with db.transaction("clerk") as tx:
        unit = factories.make(tx, "Unit")
        with pytest.raises(StaleVersion):
            records.update(tx, "Unit", unit.id, {"deployed_strength": 1}, version=2)


def test_the_rules_see_a_referred_record_deleted_earlier_in_the_same_transaction(db: Database) -> None:
    with db.transaction("clerk") as tx:
        location = factories.make(tx, "Location")
        records.delete(tx, "Location", location.id, version=1)
        with pytest.raises(InvalidRecord, match="is deleted"):
            factories.make(tx, "Incident", mission_id=location.mission_id, location_id=location.id)


def test_a_record_read_for_the_rules_is_the_one_stored(db: Database) -> None:
    with db.transaction("clerk") as tx:
        location = factories.make(tx, "Location")
        location_id = location.id
    with db.transaction("reader") as tx:
        read = repository.read(tx.session, Location, location_id)
        assert read is not None and read not in tx.session  # read, not held: nothing to write back
        assert read.name == location.name and read.version == 1 and not read.is_deleted
        assert repository.read(tx.session, Location, location_id + 10_000) is None
        held = records.get(tx, "Location", location_id)
        assert repository.read(tx.session, Location, location_id) is held  # the session's own, as it holds it
