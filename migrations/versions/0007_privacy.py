"""privacy: review aggregate releases

Revision ID: 0007_privacy
Revises: 0006_jobs_outbox
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence

revision: str = "0007_privacy"
down_revision: str | None = "0006_jobs_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
