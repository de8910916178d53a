"""privacy: review aggregate releases

Revision ID: 0007_privacy
Revises: 0006_jobs_outbox
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_privacy"
down_revision: str | None = "0006_jobs_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_answers", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_review_releases_program_id_programs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_releases")),
    )
    with op.batch_alter_table("review_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_releases_program_id"), ["program_id"], unique=False)

    op.create_table(
        "review_pending_answers",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_review_pending_answers_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["review_submissions.id"],
            name=op.f("fk_review_pending_answers_submission_id_review_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_review_pending_answers")),
    )
    with op.batch_alter_table("review_pending_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_pending_answers_program_id"), ["program_id"], unique=False)

    # Answers given before this release mechanism existed wait for the first release like new ones.
    op.execute(
        "INSERT INTO review_pending_answers (submission_id, program_id) SELECT id, program_id FROM review_submissions"
    )


def downgrade() -> None:
    with op.batch_alter_table("review_pending_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_pending_answers_program_id"))
    op.drop_table("review_pending_answers")
    with op.batch_alter_table("review_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_releases_program_id"))
    op.drop_table("review_releases")
