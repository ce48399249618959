"""Full-text search over the incidents' text, accent- and case-insensitive.

SQLite: a contentless FTS5 table ``incident_search`` (rowid = the incident's id; tokenizer
unicode61 with ``remove_diacritics 2``), kept in step with the incidents by triggers and filled
here from the incidents already recorded. PostgreSQL: an immutable ``bluehelmet_fold(text)``
(lower case, accents removed with the ``unaccent`` extension when the server has it, else a
fixed table of Latin letters) and a GIN index over ``to_tsvector('simple', ...)`` of the same
text, which PostgreSQL keeps in step itself.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Spelled out here rather than taken from the code, so that this migration stays as it is
#: (storage/search.py repeats them; a test checks the two agree).
FIELDS = (
    "external_id", "location_name", "admin1", "admin2", "admin3", "perpetrator", "actor1", "assoc_actor1",
    "actor2", "assoc_actor2", "source", "tags", "notes",
)  # fmt: skip
ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ"
PLAIN = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy"


def _body(prefix: str) -> str:
    return " || ' ' || ".join(f"coalesce({prefix}{name}, '')" for name in FIELDS)


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE incident_search USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    # The statements are built from the column names above, never from input.
    insert = f"INSERT INTO incident_search(rowid, body) VALUES (new.id, {_body('new.')});"  # noqa: S608
    remove = f"INSERT INTO incident_search(incident_search, rowid, body) VALUES ('delete', old.id, {_body('old.')});"  # noqa: S608
    op.execute(f"CREATE TRIGGER incident_search_insert AFTER INSERT ON incident BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER incident_search_delete AFTER DELETE ON incident BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER incident_search_update AFTER UPDATE OF id, {', '.join(FIELDS)} ON incident "
        f"BEGIN {remove} {insert} END"
    )
    op.execute(f"INSERT INTO incident_search(rowid, body) SELECT id, {_body('')} FROM incident")  # noqa: S608


def _postgresql_upgrade() -> None:
    connection = op.get_bind()
    nested = connection.begin_nested()
    try:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        nested.commit()
    except Exception:  # no such extension on this server, or no right to create it
        nested.rollback()
    schema = connection.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
    ).scalar()
    if schema is not None:
        folded = f"lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1))"
    else:
        folded = f"lower(translate($1, '{ACCENTED}', '{PLAIN}'))"
    op.execute(
        "CREATE FUNCTION bluehelmet_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $$ SELECT {folded} $$"
    )
    op.execute(
        f"CREATE INDEX ix_incident_search ON incident USING gin (to_tsvector('simple', bluehelmet_fold({_body('')})))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS incident_search_{name}")
        op.execute("DROP TABLE IF EXISTS incident_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_incident_search")
        op.execute("DROP FUNCTION IF EXISTS bluehelmet_fold(text)")
