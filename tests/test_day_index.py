"""The day index of the incidents holds every column a grouping or filter reads, so that a
period with a bound is read as a range of that index alone, whatever the keys: without visiting
the incident rows, which lie in the order they were written, not by date."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import TOLL_FIELDS, Incident
from bluehelmet.services.database import Database
from bluehelmet.storage import aggregates
from bluehelmet.storage.tables import TABLES
from tests.test_rollups import TYPES, _incident, _mission


def _day_index_columns() -> set[str]:
    (index,) = [i for i in TABLES[Incident].indexes if i.name == "ix_incident_day_facets"]
    return {c.name for c in index.columns}


def test_the_day_index_holds_every_column_a_grouping_or_filter_reads() -> None:
    read = {"mission_id", "event_date", "deleted_at", "review_status", *TOLL_FIELDS}
    for name, column in aggregates.INCIDENT_COLUMNS.items():
        if isinstance(column, Column) and column.table is TABLES[Incident]:
            read.add(column.name)
        else:  # the sector: the incident's own, else its location's
            assert name == "sector"
            read |= {"location_id", "sector_id"}
    assert read <= _day_index_columns(), sorted(read - _day_index_columns())


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        (["location", "perpetrator"], None),
        (["location", "event_type"], {"explosives_used": True}),
        (["sector", "target"], None),
        (["perpetrator", "admin1"], {"event_type": "Battles"}),
    ],
)
def test_a_grouping_with_a_bound_reads_the_day_index_alone(
    sqlite_template: Path, tmp_path: Path, keys: list[str], where: dict[str, Any] | None
) -> None:
    path = tmp_path / "mission.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(Settings(database_url=f"sqlite:///{path}"))
    try:
        mission_id, _ = _mission(db)
        with db.transaction("tester") as tx:
            for n in range(200):
                day = date(2019, 1, 1) + timedelta(days=n * 5)
                _incident(tx, mission_id, day, n % len(TYPES), location_name=f"P{n % 7}", perpetrator=f"G{n % 3}")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # as a maintained database
        for date_from, date_to in ((date(2020, 1, 1), date(2020, 12, 31)), (date(2019, 6, 1), None)):
            with db.transaction("tester") as tx:
                stmt = aggregates.incident_answer_query(
                    tx.session, mission_id, keys, date_from=date_from, date_to=date_to, where=where
                )
                assert stmt is not None  # no ordered index is walked for a period with a bound
                compiled = stmt.compile(tx.session.get_bind(), compile_kwargs={"literal_binds": True})
                plan = " | ".join(
                    row[-1] for row in tx.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
                )
            assert "USING COVERING INDEX ix_incident_day_facets" in plan, plan
    finally:
        db.close()
