"""durable jobs and the mail outbox

Revision ID: 0006_jobs_outbox
Revises: 0005_mentorship_cycle_dates
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence

revision: str = "0006_jobs_outbox"
down_revision: str | None = "0005_mentorship_cycle_dates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
