"""Alembic environment: runs on the connection bluehelmet hands it (see storage/migrate.py)."""

from typing import Any, Literal

from alembic import context
from sqlalchemy.types import TypeDecorator

from bluehelmet.storage.tables import metadata


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations name plain column types, never our Python-side decorators, so that an old
    # migration keeps working whatever later happens to the code.
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'bluehelmet init', which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
