"""Full-text search over the other records' text (operations and activities, caveats, evaluation
findings and improvement actions, movement restrictions, convoys, the transition, projects, intake
messages, alerts...), as migration 0024 did for the incidents.

SQLite: a contentless FTS5 table ``<table>_search`` per kind (rowid = the record's id; unicode61
with ``remove_diacritics 2``), kept in step by triggers and filled here from the records already
there; a field holding a list of text (JSON) is indexed as its items joined. PostgreSQL: an
immutable ``bluehelmet_json_text(json)`` (a list's items joined) and a GIN index per kind over
``to_tsvector('simple', bluehelmet_fold(...))`` of the same text.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Spelled out here rather than taken from the code, so that this migration stays as it is
#: (storage/search.py repeats them; a test checks the two agree).
FIELDS = {
    "location": ("name", "name_fr", "variants"),
    "unit": ("name", "status_reason", "status_reason_fr", "notes"),
    "operation": ("name", "description", "description_fr", "objectives", "partner_forces", "results", "results_fr"),
    "operation_phase": ("name", "area"),
    "activity": ("description",),
    "caveat": ("description", "description_fr", "source"),
    "caveat_impact": ("task", "description"),
    "equipment_item": ("identifier", "description"),
    "equipment_status_change": ("note",),
    "inspection": ("inspector", "findings"),
    "evaluation": ("evaluator", "summary"),
    "evaluation_finding": ("finding",),
    "improvement_plan": ("description",),
    "improvement_action": ("description",),
    "convoy_notification": ("armed_group", "route"),
    "convoy_observation": ("armed_group", "route"),
    "movement_restriction": ("description", "imposed_by", "imposed_by_fr", "lifted_through", "lifted_through_fr"),
    "capability_requirement": ("note",),
    "infrastructure_project": ("name", "purpose"),
    "project_milestone": ("name", "name_fr"),
    "rotation": ("note",),
    "transition_activity": ("title", "title_fr", "benchmark", "owner", "delay_reason", "delay_reason_fr"),
    "joint_programme": ("name", "name_fr", "partners", "aims", "aims_fr"),
    "coordination_body": ("name", "name_fr", "purpose", "partners", "partners_fr"),
    "coordination_meeting": ("summary", "decisions"),
    "intake_message": ("text",),
    "alert": ("message",),
    "alert_rule": ("name", "description"),
}
#: The fields above that hold a list of text (a JSON array).
LISTS = frozenset({
    ("location", "variants"), ("operation", "objectives"), ("operation", "partner_forces"),
    ("joint_programme", "partners"), ("joint_programme", "aims"), ("joint_programme", "aims_fr"),
    ("coordination_body", "partners"), ("coordination_body", "partners_fr"), ("coordination_meeting", "decisions"),
})  # fmt: skip


def _sqlite_body(table: str, prefix: str) -> str:
    def one(name: str) -> str:
        if (table, name) in LISTS:
            return f"coalesce((SELECT group_concat(value, ' ') FROM json_each({prefix}{name})), '')"  # noqa: S608
        return f"coalesce({prefix}{name}, '')"

    return " || ' ' || ".join(one(name) for name in FIELDS[table])


def _postgresql_body(table: str) -> str:
    def one(name: str) -> str:
        return f"bluehelmet_json_text({name})" if (table, name) in LISTS else f"coalesce({name}, '')"

    return " || ' ' || ".join(one(name) for name in FIELDS[table])


def _sqlite_upgrade(table: str) -> None:
    index = f"{table}_search"
    op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2')")
    # The statements are built from the names above, never from input.
    insert = f"INSERT INTO {index}(rowid, body) VALUES (new.id, {_sqlite_body(table, 'new.')});"  # noqa: S608
    remove = f"INSERT INTO {index}({index}, rowid, body) VALUES ('delete', old.id, {_sqlite_body(table, 'old.')});"  # noqa: S608
    op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove} END")
    fields = ", ".join(FIELDS[table])
    op.execute(f"CREATE TRIGGER {index}_update AFTER UPDATE OF id, {fields} ON {table} BEGIN {remove} {insert} END")
    op.execute(f"INSERT INTO {index}(rowid, body) SELECT id, {_sqlite_body(table, '')} FROM {table}")  # noqa: S608


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in FIELDS:
            _sqlite_upgrade(table)
        return
    op.execute(
        "CREATE FUNCTION bluehelmet_json_text(json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
        "SELECT coalesce(string_agg(item, ' '), '') FROM json_array_elements_text("
        "CASE WHEN json_typeof($1) = 'array' THEN $1 ELSE '[]'::json END) AS item $$"
    )
    for table in FIELDS:
        op.execute(
            f"CREATE INDEX ix_{table}_search ON {table} "
            f"USING gin (to_tsvector('simple', bluehelmet_fold({_postgresql_body(table)})))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in FIELDS:
            for name in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{name}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
        return
    for table in FIELDS:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
    op.execute("DROP FUNCTION IF EXISTS bluehelmet_json_text(json)")
