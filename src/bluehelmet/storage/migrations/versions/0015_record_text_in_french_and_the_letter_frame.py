"""Record text in French beside the English the letter quotes (an operation's aim and results,
a unit's status reason, a caveat, a transition activity, a joint programme, a place's and a
sector's name with the article French puts before it) and the frame of the letter on the
mission (its name in French, what its resolution asks the letter for, who signs it).

Every column is added with an empty default, so every existing value stays as it is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Spelled out here rather than taken from the code, so that this migration stays as it is.
TEXT = {
    "mission": ("full_name_fr", "letter_request", "letter_request_fr", "signatory"),
    "sector": ("name_fr",),
    "location": ("name_fr",),
    "operation": ("description_fr", "results_fr"),
    "unit": ("status_reason_fr",),
    "caveat": ("description_fr",),
    "transition_activity": ("title_fr", "delay_reason_fr"),
    "joint_programme": ("name_fr",),
}
ARTICLE = ("sector", "location")


def upgrade() -> None:
    for table, columns in TEXT.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, sa.String(), nullable=False, server_default=""))
            if table in ARTICLE:
                batch.add_column(sa.Column("article_fr", sa.String(length=64), nullable=False, server_default="none"))
    with op.batch_alter_table("joint_programme") as batch:
        batch.add_column(sa.Column("aims_fr", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("joint_programme", recreate="never") as batch:
        batch.drop_column("aims_fr")
    for table, columns in TEXT.items():
        with op.batch_alter_table(table, recreate="never") as batch:
            if table in ARTICLE:
                batch.drop_column("article_fr")
            for column in reversed(columns):
                batch.drop_column(column)
