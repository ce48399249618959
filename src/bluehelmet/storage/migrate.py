"""Creating and upgrading the schema with Alembic, and checking it matches the tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bluehelmet.storage import accounts, attachments, rollups, sync_tables  # noqa: F401  (their tables are part of the schema)
from bluehelmet.storage.search import is_search_table
from bluehelmet.storage.tables import metadata

__all__ = ["alembic_config", "current_revision", "head_revision", "schema_drift", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; harmless when it is already there."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_drift(engine: Engine) -> list[Any]:
    """Differences between the migrated schema and the tables the code declares (empty = none)."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": _declared}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, metadata))


def _declared(name: str | None, type_: str, parent_names: Any) -> bool:
    """Whether a reflected name is one the tables declare: the search's own table and index
    (migration 0024, written in SQL the tables cannot declare) are not drift."""
    return not (type_ in ("table", "index") and is_search_table(name))
