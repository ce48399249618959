"""The incidents written in bulk on SQLite (``storage/bulk.py``): a column of one value in every
row is written into the statement as a constant and stored exactly as the bound value would be
(its type too); the index of global ids is suspended with the others for a large file, and a
global id written twice meanwhile fails the load before anything is committed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bluehelmet.domain.errors import WriteConflict
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Mission
from bluehelmet.services.column_load import ColumnBatch, _Writer
from bluehelmet.services.database import Database
from bluehelmet.services.load_report import LoadReport
from bluehelmet.storage import bulk
from bluehelmet.storage.tables import TABLES
from tests.test_import_batched import two_missions

__all__ = ["two_missions"]  # the fixture, used here by name

_INCIDENT = TABLES[Incident]
#: Columns a row of each batch has of its own (not compared between the two batches).
_OWN = ("id", "uid", "external_id", "created_at", "updated_at")


def _values(count: int, tag: str) -> dict[str, Any]:
    """A batch whose columns but the event id and the day hold one value in every row: texts
    with a quote, a question mark and non-ASCII letters, whole numbers, a real, nothing."""
    return {
        "external_id": [f"{tag}{i}" for i in range(count)],
        "event_date": [date(2021, 3, 1 + i % 2) for i in range(count)],
        "event_type": ["Battles"] * count,
        "sub_event_type": ["Armed clash"] * count,
        "location_name": ["d'Ansongo?"] * count,
        "admin1": ["Ménaka"] * count,
        "admin2": [""] * count,
        "notes": ["l'attaque (?, 2 morts) -- 'x'"] * count,
        "fatalities": [3] * count,
        "source_timestamp": [1_700_000_000] * count,
        "latitude": [16.27] * count,
        "longitude": [-0.05] * count,
        "civilian_targeting": [True] * count,
        "inter1": [None] * count,
        "review_status": ["verified"] * count,
    }


def _write(db: Database, mission_id: int, values: dict[str, Any]) -> None:
    count = len(values["external_id"])
    with db.transaction("test") as tx:
        report = LoadReport(source="test", kind="Incident", dry_run=False)
        _Writer(tx, Incident, mission_id).write(ColumnBatch(numbers=list(range(count)), values=values), report)


def _mission(db: Database) -> int:
    with db.transaction("test") as tx:
        found = tx.session.scalar(select(TABLES[Mission].c.id).where(TABLES[Mission].c.name == "A"))
    assert found is not None
    return int(found)


def _stored(db: Database, tag: str) -> set[str]:
    """Each row of the batch ``tag`` as stored, every column with its SQLite type, less its own."""
    names = [c.name for c in _INCIDENT.columns if c.name not in _OWN]
    typed = [part for n in names for part in (_INCIDENT.c[n], func.typeof(_INCIDENT.c[n]))]
    with db.transaction("test") as tx:
        rows = tx.session.execute(select(*typed).where(_INCIDENT.c.external_id.like(f"{tag}%"))).all()
    return {repr(tuple(row)) for row in rows}  # a JSON column comes back as a list


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # constants are written into the statement on SQLite only
def test_a_column_of_one_value_is_stored_as_when_bound(two_missions: Database, monkeypatch: Any) -> None:
    db = two_missions
    mission_id = _mission(db)
    _write(db, mission_id, _values(50, "C"))
    with monkeypatch.context() as bound:
        bound.setattr(bulk, "_constant", lambda *_: None)  # every column bound once a row, as before
        _write(db, mission_id, _values(50, "B"))
    written, before = _stored(db, "C"), _stored(db, "B")
    assert len(written) == 2 and written == before


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # indexes are suspended on SQLite only
def test_the_global_ids_index_is_suspended_and_proved_again(two_missions: Database) -> None:
    db = two_missions
    mission_id = _mission(db)
    exists = text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_incident_uid'")
    with db.transaction("test") as tx, bulk.indexes_suspended(tx.session, _INCIDENT, suspend=True):
        assert tx.session.scalar(exists) == 0
    with db.transaction("test") as tx:
        assert tx.session.scalar(exists) == 1  # built again
    twice = {**_values(2, "D"), "uid": ["0d2b4e6a-8c1f-4c3e-8a6f-0d2b4e6a8c1f"] * 2}
    report = LoadReport(source="test", kind="Incident", dry_run=False)
    with (
        pytest.raises(WriteConflict, match=r"incident\.uid"),
        db.transaction("test") as tx,
        bulk.indexes_suspended(tx.session, _INCIDENT, suspend=True),
    ):
        _Writer(tx, Incident, mission_id).write(ColumnBatch(numbers=[0, 1], values=twice), report)
    assert report.created == 2  # written while the index was away: refused when it was built
    with db.transaction("test") as tx:
        assert tx.session.scalar(select(func.count()).select_from(_INCIDENT)) == 0  # nothing of it kept
        assert tx.session.scalar(exists) == 1
