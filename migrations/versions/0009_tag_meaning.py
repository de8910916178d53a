"""tags matched by meaning: each tag stores its label's sentence embedding

Matching compares skills and interests by meaning across languages; the embedding of a tag's label is
computed once by a job (profiles.embed_tags) and kept with the tag. Existing tags start without one; the
hourly job embeds them.

Revision ID: 0009_tag_meaning
Revises: 0008_placement
Create Date: 2026-12-05 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_tag_meaning"
down_revision: str | None = "0008_placement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tags", sa.Column("embedding", sa.LargeBinary(), nullable=True))
    op.add_column("tags", sa.Column("embedding_model", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of "tags" would trip the foreign keys of
    # every profile skill and interest pointing at it
    op.drop_column("tags", "embedding_model")
    op.drop_column("tags", "embedding")
