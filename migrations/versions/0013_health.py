"""health: pair scores, nudges, notes, pulses, inactivity warnings, weight changes, match-time scores

Revision ID: 0013_health
Revises: 0012_engagement
Create Date: 2026-12-06 07:31:07.597486
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_health'
down_revision: str | None = '0012_engagement'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('health_weight_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_health_weight_changes_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_health_weight_changes_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_weight_changes'))
    )
    with op.batch_alter_table('health_weight_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_weight_changes_program_id'), ['program_id'], unique=False)

    op.create_table('health_inactivity_warnings',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('concludes_on', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_health_inactivity_warnings_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentorship_id', name=op.f('pk_health_inactivity_warnings'))
    )
    op.create_table('health_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_health_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_health_notes_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_health_notes_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_notes'))
    )
    with op.batch_alter_table('health_notes', schema=None) as batch_op:
        batch_op.create_index('ix_health_notes_mentorship_created', ['mentorship_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_notes_program_id'), ['program_id'], unique=False)

    op.create_table('health_nudges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_health_nudges_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_health_nudges_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_health_nudges_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_nudges'))
    )
    with op.batch_alter_table('health_nudges', schema=None) as batch_op:
        batch_op.create_index('ix_health_nudges_mentorship_sent', ['mentorship_id', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_nudges_program_id'), ['program_id'], unique=False)

    op.create_table('health_pulses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('stuck', sa.Boolean(), nullable=False),
    sa.Column('stuck_text', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_health_pulses_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_health_pulses_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_pulses')),
    sa.UniqueConstraint('mentorship_id', 'period', name=op.f('uq_health_pulses_mentorship_id_period'))
    )
    with op.batch_alter_table('health_pulses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_pulses_program_id'), ['program_id'], unique=False)

    op.create_table('match_scores',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_match_scores_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_match_scores_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentorship_id', name=op.f('pk_match_scores'))
    )
    with op.batch_alter_table('match_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_scores_program_id'), ['program_id'], unique=False)

    op.create_table('pair_health',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('urgency', sa.Float(), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flagged_since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_pair_health_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_pair_health_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentorship_id', name=op.f('pk_pair_health'))
    )
    with op.batch_alter_table('pair_health', schema=None) as batch_op:
        batch_op.create_index('ix_pair_health_program_score', ['program_id', 'score'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('pair_health', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_health_program_score')

    op.drop_table('pair_health')
    with op.batch_alter_table('match_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_scores_program_id'))

    op.drop_table('match_scores')
    with op.batch_alter_table('health_pulses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_pulses_program_id'))

    op.drop_table('health_pulses')
    with op.batch_alter_table('health_nudges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_nudges_program_id'))
        batch_op.drop_index('ix_health_nudges_mentorship_sent')

    op.drop_table('health_nudges')
    with op.batch_alter_table('health_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_notes_program_id'))
        batch_op.drop_index('ix_health_notes_mentorship_created')

    op.drop_table('health_notes')
    op.drop_table('health_inactivity_warnings')
    with op.batch_alter_table('health_weight_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_weight_changes_program_id'))

    op.drop_table('health_weight_changes')

