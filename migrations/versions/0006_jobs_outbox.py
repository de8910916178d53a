"""durable jobs and the mail outbox

Jobs become rows (state, attempts, lease, owner) that the queue only wakes; mails become outbox rows written in
the transaction of the event they tell about. The old log of sent mails is carried over as sent outbox rows.

Revision ID: 0006_jobs_outbox
Revises: 0005_mentorship_cycle_dates
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_jobs_outbox"
down_revision: str | None = "0005_mentorship_cycle_dates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_STATES = ("queued", "running", "done", "failed")
MAIL_STATES = ("pending", "sending", "sent", "failed", "cancelled")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.Enum(*JOB_STATES, name="job_state", native_enum=False, length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(length=120), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_state_run_after", "jobs", ["state", "run_after"])
    op.create_index(op.f("ix_jobs_key"), "jobs", ["key"])
    outbox = op.create_table(
        "outbox_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("template", sa.String(length=80), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("state", sa.Enum(*MAIL_STATES, name="mail_state", native_enum=False, length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("unknown_outcomes", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_outbox_mails_program_id_programs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_mails")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_mails_key")),
    )
    op.create_index("ix_outbox_mails_state_next", "outbox_mails", ["state", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_mails_program_id"), "outbox_mails", ["program_id"])
    _carry_over_sent_mails(outbox)
    op.drop_table("sent_mails")


def _carry_over_sent_mails(outbox: sa.Table) -> None:
    """The old dedupe log becomes sent outbox rows, so a key that went out before is still not sent again."""
    sent = sa.table(
        "sent_mails",
        sa.column("dedupe_key", sa.String),
        sa.column("recipient", sa.String),
        sa.column("subject", sa.String),
        sa.column("sent_at", sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(sent)).all()
    if rows:
        op.bulk_insert(
            outbox,
            [
                {
                    "key": r.dedupe_key,
                    "to_address": r.recipient,
                    "locale": "",
                    "template": "",
                    "context": {},
                    "subject": r.subject,
                    "state": "sent",
                    "attempts": 1,
                    "unknown_outcomes": 0,
                    "next_attempt_at": r.sent_at,
                    "last_error": "",
                    "created_at": r.sent_at,
                    "updated_at": r.sent_at,
                    "sent_at": r.sent_at,
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    sent = op.create_table(
        "sent_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_mails")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_sent_mails_dedupe_key")),
    )
    outbox = sa.table(
        "outbox_mails",
        sa.column("key", sa.String),
        sa.column("to_address", sa.String),
        sa.column("subject", sa.String),
        sa.column("state", sa.String),
        sa.column("sent_at", sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(outbox).where(outbox.c.state == "sent")).all()
    if rows:
        op.bulk_insert(
            sent,
            [
                {"dedupe_key": r.key, "recipient": r.to_address, "subject": r.subject, "sent_at": r.sent_at}
                for r in rows
            ],
        )
    op.drop_index(op.f("ix_outbox_mails_program_id"), table_name="outbox_mails")
    op.drop_index("ix_outbox_mails_state_next", table_name="outbox_mails")
    op.drop_table("outbox_mails")
    op.drop_index(op.f("ix_jobs_key"), table_name="jobs")
    op.drop_index("ix_jobs_state_run_after", table_name="jobs")
    op.drop_table("jobs")
