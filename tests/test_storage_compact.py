"""Migration 0030 (issue 29): the rollups stored once in their key on SQLite, the incident's sparse
references indexed where they name a record. Down and up again, every rollup row, every record
and every answer stays the same, on a synthetic mission and on the reference mission."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from bluehelmet.config import Settings
from bluehelmet.imports.acled import IMPORTER
from bluehelmet.imports.registry import table_importer
from bluehelmet.services import loading, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.services.synth import synthesise
from bluehelmet.storage import migrate
from bluehelmet.storage.rollups import ROLLUPS
from bluehelmet.storage.tables import metadata
from tests.conftest import copy_of

SPARSE = {"ix_incident_location_id", "ix_incident_sector_id", "ix_incident_operation_id"}


def _state(db: Database) -> dict[str, Any]:
    """Every rollup's rows and every incident row, in key order."""
    with Session(db.engine) as session:
        state: dict[str, Any] = {
            r.name: session.execute(select(r.table).order_by(*r.table.primary_key.columns)).all() for r in ROLLUPS
        }
        incident = metadata.tables["incident"]
        state["incident"] = session.execute(select(incident).order_by(incident.c.id)).all()
    return state


def _layout(db: Database) -> tuple[set[str], set[str], bool]:
    """The rollups stored without a rowid (SQLite), the incident's indexes, whether its mission's
    is one of them."""
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("incident") if ix["name"]}
    without_rowid: set[str] = set()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            found = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
        without_rowid = {str(n) for n, sql in found if str(sql).rstrip().upper().endswith("WITHOUT ROWID")}
    without_rowid &= {r.name for r in ROLLUPS}  # (the full-text search's own tables are so too)
    return without_rowid, indexes, "ix_incident_mission_id" in indexes


def _partial(db: Database, name: str) -> bool:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}).scalar_one()
        else:
            sql = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name}).scalar_one()
    return "IS NOT NULL" in str(sql).upper()


def _down_and_up(db: Database) -> int:
    names = {r.name for r in ROLLUPS}
    at_head = _state(db)
    assert at_head["incident"] and all(at_head[n] for n in ("incident_day", "incident_week", "incident_month"))
    stored, indexes, mission_indexed = _layout(db)
    assert stored == (names if db.engine.dialect.name == "sqlite" else set())
    assert indexes >= SPARSE and not mission_indexed
    assert all(_partial(db, name) for name in SPARSE)

    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0029")
    assert _state(db) == at_head
    stored, indexes, mission_indexed = _layout(db)
    assert stored == set() and indexes >= SPARSE and mission_indexed
    assert not any(_partial(db, name) for name in SPARSE)

    migrate.upgrade(db.engine)
    assert _state(db) == at_head
    assert _layout(db)[0] == (names if db.engine.dialect.name == "sqlite" else set())
    assert migrate.schema_drift(db.engine) == []
    assert rollups.check(db) == []
    return len(at_head["incident"])


def _synth_mission(db: Database, tmp_path: Path, incidents: int) -> None:
    files = {f.kind: f for f in synthesise(incidents=incidents, seed=5).files}
    with db.transaction("test") as tx:
        records.create(tx, "Mission", {"name": "Synth", "country_iso3": "MLI"})
    for kind in ("Sector", "Location", "acled"):
        path = tmp_path / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(files[kind].columns))
            writer.writeheader()
            writer.writerows(files[kind].iter_rows())
        if kind == "acled":
            rows, convert = IMPORTER.rows(path), IMPORTER.convert
            report = loading.load(db, "test", "Incident", rows, mission="Synth", convert=convert)
        else:
            report = loading.load(db, "test", kind, table_importer(kind).rows(path), mission="Synth")
        assert report.written and not report.problems, report.problems


def test_migration_0030_keeps_every_rollup_and_record_of_a_synthetic_mission(db: Database, tmp_path: Path) -> None:
    _synth_mission(db, tmp_path, 300)
    with db.transaction("clerk") as tx:
        # a few incidents with an own sector and a deleted one, so the partial indexes hold rows
        first, second = records.list_records(tx, "Incident", limit=2)
        sector = records.list_records(tx, "Sector", limit=1)[0]
        records.update(tx, "Incident", first.id or 0, {"sector_id": sector.id}, version=first.version or 1)
        records.delete(tx, "Incident", second.id or 0, version=second.version or 1)
    assert _down_and_up(db) >= 300


def test_migration_0030_keeps_every_rollup_and_record_of_the_reference_mission(reference_copy: Database) -> None:
    assert _down_and_up(reference_copy) > 100


def test_a_lookup_by_a_sparse_reference_reads_its_partial_index(sqlite_template: Path, tmp_path: Path) -> None:
    # SQLite's plan (PostgreSQL's planner chooses by its statistics, which an empty table has not)
    path = copy_of(sqlite_template, tmp_path / "plan.db")
    db = Database(Settings(database_url=f"sqlite:///{path}"))
    try:
        with db.engine.connect() as conn:
            for column in ("sector_id", "operation_id", "location_id"):
                plan = conn.execute(text(f"EXPLAIN QUERY PLAN SELECT id FROM incident WHERE {column} = 3")).all()
                assert any(f"ix_incident_{column}" in str(row[-1]) for row in plan), plan
    finally:
        db.close()
