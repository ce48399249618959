"""Every record carries a global identity (a UUID beside its local id), and the tables of sync
between the mission's server and its sector nodes: the nodes issued (tokens kept as digests),
the server a node belongs to, the change log (each change with a UUID of its own) and the
conflicts kept for a person to resolve.

Every existing record is given a new random UUID in the database itself (no row is read into
Python, so a mission of a million incidents takes seconds, not hours).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bluehelmet.storage.types import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Spelled out here rather than taken from the code, so that this migration stays as it is.
RECORD_TABLES = (
    "activity", "admin_area", "capability_requirement", "caveat", "caveat_impact", "contributing_country",
    "convoy_notification", "convoy_observation", "coordination_body", "coordination_meeting", "draft",
    "equipment_item", "equipment_status_change", "evaluation", "evaluation_finding", "improvement_action",
    "improvement_plan", "incident", "infrastructure_project", "inspection", "joint_programme", "location",
    "mission", "movement_restriction", "operation", "operation_phase", "operational_period", "project_milestone",
    "rotation", "sector", "transition_activity", "unit",
    # the records of migrations 0021 (alert rules and alerts) and 0022 (attachments, contacts, messages)
    "alert_rule", "alert", "attachment", "contact", "intake_message",
)  # fmt: skip

#: A random (version 4) UUID in SQLite's own SQL.
_SQLITE_UUID = (
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
)


def upgrade() -> None:
    fresh = "gen_random_uuid()::text" if op.get_bind().dialect.name == "postgresql" else _SQLITE_UUID
    for table in RECORD_TABLES:
        op.add_column(table, sa.Column("uid", sa.String(36), nullable=True))
        op.execute(f"UPDATE {table} SET uid = {fresh}")  # noqa: S608 - names spelled out above
        op.create_index(f"ix_{table}_uid", table, ["uid"], unique=True)
    op.create_table(
        "sync_node",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["sector_id"], ["sector.id"], name="fk_sync_node_sector_id_sector"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_node"),
        sa.UniqueConstraint("name", name="uq_sync_node_name"),
        sa.UniqueConstraint("token_digest", name="uq_sync_node_token_digest"),
    )
    op.create_table(
        "sync_peer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("node", sa.String(100), nullable=False),
        sa.Column("server_url", sa.String(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("sector_uid", sa.String(36), nullable=False),
        sa.Column("pull_cursor", sa.Integer(), nullable=False),
        sa.Column("push_cursor", sa.Integer(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_peer"),
    )
    op.create_table(
        "sync_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_uid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_uid", sa.String(36), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_change", sa.String(36), nullable=True),
        sa.Column("merges", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("node", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_change"),
        sa.UniqueConstraint("change_uid", name="uq_sync_change_change_uid"),
        sa.UniqueConstraint("audit_id", name="uq_sync_change_audit_id"),
    )
    op.create_index("ix_sync_change_record_uid", "sync_change", ["record_uid"])
    op.create_index("ix_sync_change_node", "sync_change", ["node"])
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_uid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("record_uid", sa.String(36), nullable=False),
        sa.Column("node", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("incoming", sa.JSON(), nullable=False),
        sa.Column("mine", sa.JSON(), nullable=True),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_change", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_conflict"),
        sa.UniqueConstraint("change_uid", name="uq_sync_conflict_change_uid"),
    )
    op.create_index("ix_sync_conflict_record_uid", "sync_conflict", ["record_uid"])


def downgrade() -> None:
    for name in ("sync_conflict", "sync_change", "sync_peer", "sync_node"):
        op.drop_table(name)
    for table in RECORD_TABLES:
        op.drop_index(f"ix_{table}_uid", table_name=table)
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("uid")
