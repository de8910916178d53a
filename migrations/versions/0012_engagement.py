"""engagement: milestones, kudos, reflections, resources, events, RSVPs, pair messages

Revision ID: 0012_engagement
Revises: 0011_meetings
Create Date: 2026-12-06 02:49:18.720499
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_engagement'
down_revision: str | None = '0011_meetings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=5000), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Enum('program', 'invited', name='event_audience', native_enum=False, length=20), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_events_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_events_uid'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_program_start', ['program_id', 'starts_at'], unique=False)

    op.create_table('event_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_invitations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_event_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_invitations')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_event_invitations_event_id_user_id'))
    )
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_invitations_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('event_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('yes', 'no', 'maybe', name='rsvp_answer', native_enum=False, length=20), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_rsvps_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_rsvps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_rsvps')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_event_rsvps_event_id_user_id'))
    )
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.create_index('ix_event_rsvps_event_answer', ['event_id', 'answer', 'waiting_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_rsvps_user_id'), ['user_id'], unique=False)

    op.create_table('kudos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_side', sa.Enum('mentor', 'mentee', name='pair_side', native_enum=False, length=20), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kudos_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_kudos_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_kudos_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kudos'))
    )
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_mentorship_id'), ['mentorship_id'], unique=False)
        batch_op.create_index('ix_kudos_program_shared', ['program_id', 'shared', 'created_at'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=True),
    sa.Column('goal_key', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reached_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_milestones_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_milestones_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_milestones_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reached_by_id'], ['users.id'], name=op.f('fk_milestones_reached_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('mentorship_id', 'code', name=op.f('uq_milestones_mentorship_id_code'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_mentorship_id'), ['mentorship_id'], unique=False)
        batch_op.create_index('ix_milestones_program_reached', ['program_id', 'reached_at'], unique=False)

    op.create_table('pair_engagement_settings',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('mentor_shares_celebrations', sa.Boolean(), nullable=False),
    sa.Column('mentee_shares_celebrations', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_pair_engagement_settings_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentorship_id', name=op.f('pk_pair_engagement_settings'))
    )
    op.create_table('pair_message_cursors',
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    sa.Column('last_mailed_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_pair_message_cursors_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pair_message_cursors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentorship_id', 'user_id', name=op.f('pk_pair_message_cursors'))
    )
    op.create_table('pair_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_side', sa.Enum('mentor', 'mentee', name='pair_side', native_enum=False, length=20), nullable=False),
    sa.Column('body', sa.String(length=4000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_pair_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_pair_messages_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_pair_messages_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pair_messages'))
    )
    with op.batch_alter_table('pair_messages', schema=None) as batch_op:
        batch_op.create_index('ix_pair_messages_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_pair_messages_mentorship_id', ['mentorship_id', 'id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('why', sa.String(length=2000), nullable=False),
    sa.Column('goal_key', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_resources_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_resources_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_resources_shared_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_mentorship_id'), ['mentorship_id'], unique=False)
        batch_op.create_index('ix_resources_program_pair', ['program_id', 'mentorship_id', 'created_at'], unique=False)

    op.create_table('resource_tags',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_tags_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'tag', name=op.f('pk_resource_tags'))
    )
    with op.batch_alter_table('resource_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_tags_tag'), ['tag'], unique=False)

    op.create_table('reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_side', sa.Enum('mentor', 'mentee', name='pair_side', native_enum=False, length=20), nullable=False),
    sa.Column('goal_key', sa.String(length=32), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('challenge', sa.String(length=500), nullable=False),
    sa.Column('what_happened', sa.String(length=4000), nullable=False),
    sa.Column('learned', sa.String(length=4000), nullable=False),
    sa.Column('next_time', sa.String(length=4000), nullable=False),
    sa.Column('visibility', sa.Enum('private', 'partner', name='reflection_visibility', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_reflections_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_reflections_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_reflections_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_reflections_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflections'))
    )
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.create_index('ix_reflections_mentorship_created', ['mentorship_id', 'created_at'], unique=False)

    _create_resource_search()



def downgrade() -> None:
    _drop_resource_search()
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_index('ix_reflections_mentorship_created')

    op.drop_table('reflections')
    with op.batch_alter_table('resource_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_tags_tag'))

    op.drop_table('resource_tags')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_program_pair')
        batch_op.drop_index(batch_op.f('ix_resources_mentorship_id'))

    op.drop_table('resources')
    with op.batch_alter_table('pair_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_messages_mentorship_id')
        batch_op.drop_index('ix_pair_messages_created_at')

    op.drop_table('pair_messages')
    op.drop_table('pair_message_cursors')
    op.drop_table('pair_engagement_settings')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_milestones_program_reached')
        batch_op.drop_index(batch_op.f('ix_milestones_mentorship_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_index('ix_kudos_program_shared')
        batch_op.drop_index(batch_op.f('ix_kudos_mentorship_id'))

    op.drop_table('kudos')
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_rsvps_user_id'))
        batch_op.drop_index('ix_event_rsvps_event_answer')

    op.drop_table('event_rsvps')
    with op.batch_alter_table('event_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_event_invitations_event_id'))

    op.drop_table('event_invitations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_program_start')

    op.drop_table('events')


# --- full-text search over resources.search_text (engagement.resources_search), the database's own objects ------
# PostgreSQL: an expression GIN index over the German and the English tsvector (queries use the same expression).
# SQLite: an FTS5 table with external content (resources) kept in step by triggers; the tokenizer is
# `porter unicode61 remove_diacritics 2` (see resources_search for why). migrations/env.py leaves every object
# named resources_fts* out of `alembic check`, as the models do not describe them.
_PG_VECTOR = "(to_tsvector('german', search_text) || to_tsvector('english', search_text))"
_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE resources_fts USING fts5(search_text, content='resources', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN "
    "INSERT INTO resources_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN "
    "INSERT INTO resources_fts(resources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER resources_fts_update AFTER UPDATE OF search_text ON resources BEGIN "
    "INSERT INTO resources_fts(resources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO resources_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO resources_fts(resources_fts) VALUES ('rebuild')",
)


def _create_resource_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(f"CREATE INDEX resources_fts_vector ON resources USING gin ({_PG_VECTOR})")
    elif dialect == 'sqlite':
        for statement in _SQLITE_SEARCH:
            op.execute(statement)


def _drop_resource_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS resources_fts_vector")
    elif dialect == 'sqlite':
        for trigger in ('resources_fts_insert', 'resources_fts_delete', 'resources_fts_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS resources_fts")
