"""privacy: when a person was erased and when a mentorship's free texts were anonymised

Revision ID: 0015_privacy
Revises: 0014_audit
Create Date: 2026-12-06 20:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_privacy"
down_revision: str | None = "0014_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("mentorships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite drops a plain column in place (3.35+). A batch copy would drop and recreate the table, and with
    # foreign keys on, dropping a table that other rows point at deletes those rows or fails ("table is locked").
    with op.batch_alter_table("mentorships", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("erased_at")
