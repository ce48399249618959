"""The rollups counted from a batch's columns (pyarrow's grouping, ``bulk.count_columns_in_rollups``)
are what a recount of the stored incidents gives, on both backends: missing choices, ids, coordinates
and tolls, a sector taken from the place (or none), rejected incidents left out, -0.0 as 0.0, and
a second batch added to the rows of the first."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Location, Mission, Sector
from bluehelmet.services import records
from bluehelmet.services.column_load import ColumnBatch, _Writer
from bluehelmet.services.database import Database
from bluehelmet.services.load_report import LoadReport
from bluehelmet.storage import rollups
from bluehelmet.storage.tables import TABLES
from tests.test_import_batched import two_missions

__all__ = ["two_missions"]  # the fixture, used here by name


def _columns(rng: random.Random, count: int, places: list[int | None], sectors: list[int | None]) -> dict[str, Any]:
    pick = rng.choice
    rows = [
        {
            "event_date": date(2020, 12, 25) + timedelta(days=rng.randrange(20)),  # across a year and ISO weeks
            "event_type": "Battles",
            "sub_event_type": pick(["Armed clash", "Government regains territory"]),
            "location_id": pick(places),
            "sector_id": pick(sectors),
            "location_name": pick(["", "Gao", "Kidal"]),
            "admin1": pick(["", "Gao", "Tombouctou"]),
            "admin2": pick(["", "Ansongo"]),
            "perpetrator": pick(["", "JNIM", "ISGS"]),
            "category": pick([None, "ied_detonated", "direct_attack"]),
            "target": pick([None, "civilians"]),
            "latitude": pick([None, -0.0, 0.0, 16.27]),
            "longitude": pick([None, 0.0, -0.0, -0.05]),
            "fatalities": pick([None, 0, 3]),
            "killed_civilians": pick([None, 1]),
            "review_status": pick(["draft", "verified", "rejected"]),
        }
        for _ in range(count)
    ]
    return {name: [row[name] for row in rows] for name in rows[0]}


def _write(db: Database, mission_id: int, values: dict[str, Any]) -> None:
    count = len(values["event_date"])
    with db.transaction("test") as tx:
        report = LoadReport(source="test", kind="Incident", dry_run=False)
        _Writer(tx, Incident, mission_id).write(ColumnBatch(numbers=list(range(count)), values=values), report)
        assert report.created == count


def test_the_rollups_counted_from_columns_equal_a_recount(two_missions: Database) -> None:
    db = two_missions
    with db.transaction("test") as tx:
        mission_id = tx.session.scalar(select(TABLES[Mission].c.id).where(TABLES[Mission].c.name == "A"))
        assert mission_id is not None
        located = tx.session.execute(
            select(TABLES[Location].c.id, TABLES[Location].c.sector_id).where(
                TABLES[Location].c.mission_id == mission_id
            )
        ).all()
        sectors = list(tx.session.scalars(select(TABLES[Sector].c.id).where(TABLES[Sector].c.mission_id == mission_id)))
        bare = records.create(tx, "Location", {"mission_id": mission_id, "name": "nowhere"}).id
    assert any(s is not None for _, s in located), "some places give their incidents a sector"
    places: list[int | None] = [None, bare, *[i for i, _ in located[:3]]]
    rng = random.Random(24)
    _write(db, mission_id, _columns(rng, 400, places, [None, None, *sectors[:2]]))
    _write(db, mission_id, _columns(rng, 300, places, [None, *sectors[:1]]))  # added to the first's rows
    with db.transaction("checker") as tx:
        stored = rollups.rollup_rows(tx.session)
        assert stored == rollups.rollup_rows(tx.session, fresh=True)
    assert sum(v[0] for k, v in stored.items() if k[0] == "incident_day") < 700  # the rejected ones left out
