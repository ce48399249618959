"""Migration 0031 (issue 29), on PostgreSQL (SQLite: nothing changes): every record's global id
stored as PostgreSQL's uuid, the incident and audit entry tables written again with their
columns widest first. Down and up again every id reads back as the same text, every incident,
rollup row and audit entry is the same, the history stays append-only and new records follow
on; an id that is not a UUID in its canonical text is never stored on PostgreSQL, and the
migration stops on one rather than change it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Integer, String, column, inspect, select, text, update
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate
from bluehelmet.storage import sync_tables as store
from bluehelmet.storage.tables import TABLES, metadata
from bluehelmet.storage.types import is_global_id
from tests.test_storage_compact import _state, _synth_mission


def _uids(db: Database) -> dict[str, list[tuple[int, str | None]]]:
    """Every record's id and global id, by table (tables with records only)."""
    with Session(db.engine) as session:
        found = {
            TABLES[cls].name: session.execute(
                select(TABLES[cls].c.id, TABLES[cls].c.uid).order_by(TABLES[cls].c.id)
            ).all()
            for cls in ENTITIES
        }
    return {name: [(int(i), u) for i, u in rows] for name, rows in found.items() if rows}


def _uid_types(db: Database) -> set[str]:
    inspector = inspect(db.engine)
    return {
        str(c["type"]).upper()
        for table in inspector.get_table_names()
        for c in inspector.get_columns(table)
        if c["name"] == "uid"
    }


def _audit(db: Database) -> list[Any]:
    entries = metadata.tables["audit_entry"]
    with Session(db.engine) as session:
        return list(session.execute(select(entries).order_by(entries.c.id)).all())


def _first_columns(db: Database, table: str) -> list[str]:
    return [c["name"] for c in inspect(db.engine).get_columns(table)][:3]


def _still_append_only_and_new_records_follow(db: Database, audit: list[Any]) -> None:
    with db.engine.begin() as conn, pytest.raises(DBAPIError):
        conn.execute(text("UPDATE audit_entry SET actor = 'someone else'"))
    with db.transaction("clerk") as tx:
        mission = records.create(tx, "Mission", {"name": "After 0031", "country_iso3": "MLI"})
    after = _audit(db)
    assert after[: len(audit)] == audit and after[-1].id > audit[-1].id and after[-1].record_id == mission.id


def _down(db: Database, revision: str) -> None:
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _down_and_up(db: Database) -> int:
    postgres = db.engine.dialect.name == "postgresql"
    uids, state, audit = _uids(db), _state(db), _audit(db)
    every = [u for rows in uids.values() for _, u in rows]
    assert every and all(is_global_id(u) for u in every)
    assert len(set(every)) == len(every)
    assert _uid_types(db) == ({"UUID"} if postgres else {"VARCHAR(36)"})
    # widest first on PostgreSQL: the times, then the numbers; as they were declared on SQLite
    assert _first_columns(db, "incident") == (
        ["created_at", "updated_at", "deleted_at"] if postgres else ["id", "version", "created_at"]
    )
    assert _first_columns(db, "audit_entry") == (
        ["at", "id", "record_id"] if postgres else ["id", "entity", "record_id"]
    )
    _down(db, "0030")
    assert _uid_types(db) == {"VARCHAR(36)"}
    assert _first_columns(db, "incident") == ["id", "version", "created_at"]
    assert _uids(db) == uids and _state(db) == state and _audit(db) == audit
    migrate.upgrade(db.engine)
    assert _uid_types(db) == ({"UUID"} if postgres else {"VARCHAR(36)"})
    assert _uids(db) == uids and _state(db) == state and _audit(db) == audit
    assert migrate.schema_drift(db.engine) == []
    _still_append_only_and_new_records_follow(db, audit)
    return len(every)


def test_migration_0031_keeps_every_global_id_of_a_synthetic_mission(db: Database, tmp_path: Path) -> None:
    _synth_mission(db, tmp_path, 200)
    assert _down_and_up(db) > 200


def test_migration_0031_keeps_every_global_id_of_the_reference_mission(reference_copy: Database) -> None:
    assert _down_and_up(reference_copy) > 100


def test_a_record_is_found_by_its_global_id_and_text_that_is_none_finds_nothing(db: Database) -> None:
    with db.transaction("clerk") as tx:
        mission = records.create(tx, "Mission", {"name": "M", "country_iso3": "MLI"})
    assert is_global_id(mission.uid)
    with Session(db.engine) as session:
        found = store.by_uid(session, type(mission), mission.uid)
        assert found is not None and found.id == mission.id and found.uid == mission.uid
        assert store.uid_of(session, type(mission), mission.id or 0) == mission.uid
        for odd in (mission.uid.upper(), mission.uid.replace("-", ""), "x", ""):
            assert store.by_uid(session, type(mission), odd) is None


def test_postgresql_refuses_a_global_id_in_any_other_text(db: Database) -> None:
    with db.transaction("clerk") as tx:
        mission = records.create(tx, "Mission", {"name": "M", "country_iso3": "MLI"})
    table = TABLES[type(mission)]
    for odd in (mission.uid.upper(), "{" + mission.uid + "}", "not a uuid"):
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn, pytest.raises(StatementError, match="canonical"):
                conn.execute(update(table).where(table.c.id == mission.id).values(uid=odd))
        else:  # SQLite keeps the text it is given (the sync door refuses such an id on both)
            with db.engine.begin() as conn:
                conn.execute(update(table).where(table.c.id == mission.id).values(uid=odd))
                assert conn.execute(select(table.c.uid).where(table.c.id == mission.id)).scalar() == odd


def test_the_migration_stops_on_a_global_id_it_would_change(db: Database, tmp_path: Path) -> None:
    _synth_mission(db, tmp_path, 20)
    _down(db, "0030")
    raw = sa_table("incident", column("id", Integer()), column("uid", String()))  # the column as text, at 0030
    with db.engine.begin() as conn:
        first = conn.execute(select(raw.c.id, raw.c.uid).order_by(raw.c.id)).first()
        assert first is not None
        shouted = str(first.uid).upper()
        conn.execute(update(raw).where(raw.c.id == first.id).values(uid=shouted))
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(RuntimeError, match="not a UUID in its canonical text"):
            migrate.upgrade(db.engine)
        with db.engine.begin() as conn:  # nothing changed: the id is still as it was written
            assert conn.execute(select(raw.c.uid).where(raw.c.id == first.id)).scalar() == shouted
            conn.execute(update(raw).where(raw.c.id == first.id).values(uid=str(uuid.UUID(shouted))))
    migrate.upgrade(db.engine)
    assert _uid_types(db) == ({"UUID"} if db.engine.dialect.name == "postgresql" else {"VARCHAR(36)"})
    with db.engine.begin() as conn:
        kept = conn.execute(select(raw.c.uid).where(raw.c.id == first.id)).scalar()
    assert str(kept) == (str(uuid.UUID(shouted)) if db.engine.dialect.name == "postgresql" else shouted)
