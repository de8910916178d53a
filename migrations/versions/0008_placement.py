"""one placement: a mentee in at most one active pair

Revision ID: 0008_placement
Revises: 0007_privacy
Create Date: 2026-12-05 09:20:00.000000
"""

from collections.abc import Sequence

revision: str = "0008_placement"
down_revision: str | None = "0007_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
