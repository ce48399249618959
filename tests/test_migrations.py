"""The schema: migrations build it from nothing, agree with the code, and guard the audit history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from bluehelmet.config import Settings
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate
from bluehelmet.storage.tables import metadata
from tests import factories


def test_an_empty_sqlite_file_upgrades_to_head_and_a_second_init_changes_nothing(tmp_path: Path) -> None:
    database = Database(Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    first = database.init_schema()
    second = database.init_schema()
    database.close()
    assert (first.before, first.after) == (None, migrate.head_revision())
    assert (second.before, second.after) == (migrate.head_revision(), migrate.head_revision())


def test_migrations_and_models_agree(db: Database) -> None:
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert migrate.schema_drift(db.engine) == []
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables


def test_migrations_are_named_and_in_sequence() -> None:
    versions = sorted((migrate.MIGRATIONS / "versions").glob("*.py"))
    assert versions, "no migrations"
    for number, path in enumerate(versions, start=1):
        assert path.name.startswith(f"{number:04d}_"), path.name
        assert len(path.stem) > 5, "a migration's file name says what it does"


def test_the_audit_history_cannot_be_changed_or_removed(db: Database) -> None:
    with db.transaction("tester") as tx:
        factories.make(tx, "Mission")
    engine = create_engine(db.settings.database_url)
    try:
        for statement in ("UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT actor FROM audit_entry")).scalars().all() == ["tester"]
    finally:
        engine.dispose()


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path: Path) -> None:
    database = Database(Settings(database_url=f"sqlite:///{tmp_path / 'pragmas.db'}"))
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        database.close()
