"""Exports stream a table of any size in batches: every live record once, in id order."""

from __future__ import annotations

from bluehelmet.domain.places import Sector
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.storage import repository
from tests import factories


def test_streaming_in_small_batches_yields_every_live_record_once(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission")
        made = [records.create(tx, "Sector", {"mission_id": mission.id, "name": f"Sector {i}"}) for i in range(7)]
        records.delete(tx, "Sector", made[3].id or 0, made[3].version)
    with db.transaction("tester") as tx:
        for batch in (1, 2, 3, 6, 7, 100):
            streamed = [r.id for r in repository.stream_records(tx.session, Sector, {}, batch=batch)]
            assert streamed == [r.id for r in made if r is not made[3]], batch
