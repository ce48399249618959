"""A backup of a history stored short (an import's creations in compressed blocks, changes as
their changed fields) restores into the other backend and back with every image whole."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from bluehelmet.services import records
from bluehelmet.services.backup import backup, restore
from bluehelmet.services.database import Database
from bluehelmet.storage.audit_store import every_entry
from tests.test_backup import KEY, Fresh, fresh, spare_postgres
from tests.test_history_encoding import _import, _synth_mission

__all__ = ["fresh", "spare_postgres"]  # the fixtures, shared with the backup tests


def _images(db: Database) -> dict[int, str]:
    with Session(db.engine) as session:
        return {
            e.id or 0: json.dumps([e.action, e.actor, e.before, e.after], sort_keys=True) for e in every_entry(session)
        }


def test_a_short_history_round_trips_across_backends(db: Database, fresh: Fresh, tmp_path: Path) -> None:
    events = _synth_mission(db, tmp_path, 30)
    _import(db, tmp_path / "events.csv", events, list(events[0]))
    with db.transaction("clerk") as tx:
        first = records.list_records(tx, "Incident", limit=1)[0]
        records.update(tx, "Incident", first.id or 0, {"notes": "Seen again on the 3rd."}, version=1)
    images = _images(db)
    assert len(images) > 30
    made = backup(db, tmp_path / "short.zip", key=KEY)
    assert made.tables["audit_block"]["rows"] >= 1
    other = fresh("postgresql" if db.engine.dialect.name == "sqlite" else "sqlite")
    restore(other, tmp_path / "short.zip")
    assert _images(other) == images
    backup(other, tmp_path / "back.zip")
    again = fresh(db.engine.dialect.name)
    restore(again, tmp_path / "back.zip")
    assert _images(again) == images
