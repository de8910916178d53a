"""one placement: a mentee in at most one active pair

A mentee could end up in two live mentorships (an accepted request and an accepted offer of the same
published matching). The app now places every pair through one locked check; this unique partial index is
the floor below it. Pairs made twice before it existed are resolved first: the mentee keeps the oldest live
mentorship, a later one ends early with the end reason "duplicate_placement" and a recorded transition.

Revision ID: 0008_placement
Revises: 0007_privacy
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008_placement"
down_revision: str | None = "0007_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The states in which a mentorship is live, as they are at this revision.
LIVE = ("proposed", "active", "paused", "completing")
WHERE = sa.text("status IN ('proposed', 'active', 'paused', 'completing')")

mentorships = sa.table(
    "mentorships",
    sa.column("id", sa.Integer),
    sa.column("mentee_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("ended_at", sa.DateTime(timezone=True)),
    sa.column("end_reason", sa.String),
)
transitions = sa.table(
    "mentorship_transitions",
    sa.column("mentorship_id", sa.Integer),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
    sa.column("action", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("reason", sa.String),
    sa.column("rematch_requested", sa.Boolean),
)


def _end_duplicates() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(mentorships.c.id, mentorships.c.mentee_id, mentorships.c.status)
        .where(mentorships.c.status.in_(LIVE))
        .order_by(mentorships.c.mentee_id, mentorships.c.id)
    ).all()
    now, kept = datetime.now(UTC), set()
    for row in rows:
        if row.mentee_id not in kept:
            kept.add(row.mentee_id)
            continue
        connection.execute(
            sa.update(mentorships)
            .where(mentorships.c.id == row.id)
            .values(status="ended_early", ended_at=now, end_reason="duplicate_placement")
        )
        connection.execute(
            sa.insert(transitions).values(
                mentorship_id=row.id,
                from_status=row.status,
                to_status="ended_early",
                action="end_early",
                at=now,
                reason="",
                rematch_requested=False,
            )
        )


def upgrade() -> None:
    _end_duplicates()
    op.create_index(
        "uq_mentorships_live_mentee",
        "mentorships",
        ["mentee_id"],
        unique=True,
        postgresql_where=WHERE,
        sqlite_where=WHERE,
    )


def downgrade() -> None:
    # Ended duplicates stay ended: which of two live pairs was real is a person's call, not a migration's.
    op.drop_index("uq_mentorships_live_mentee", table_name="mentorships")
