"""mentorship cycle dates

Mentorships made by matching or by an accepted request used to get only `started_at`; their cycle start and
planned end were filled in on the first page view. Fill them for the rows that never had that view.

Revision ID: 0005_mentorship_cycle_dates
Revises: 0004_mentorships
Create Date: 2026-11-29 15:50:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005_mentorship_cycle_dates"
down_revision: str | None = "0004_mentorships"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only the columns this migration reads and writes, as they are at this revision.
mentorships = sa.table(
    "mentorships",
    sa.column("id", sa.Integer),
    sa.column("program_id", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("cycle_started_at", sa.DateTime(timezone=True)),
    sa.column("planned_end_on", sa.Date),
)
programs = sa.table("programs", sa.column("id", sa.Integer), sa.column("duration_months", sa.Integer))


def _add_months(day: date, months: int) -> date:
    # A copy of the app's month arithmetic: a migration must not change when the app's code does.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _utc_day(moment: datetime) -> date:
    # PostgreSQL answers in the session's time zone, SQLite with naive UTC: the app plans from the UTC day.
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def upgrade() -> None:
    connection = op.get_bind()
    missing = connection.execute(
        sa.select(
            mentorships.c.id,
            mentorships.c.started_at,
            mentorships.c.cycle_started_at,
            mentorships.c.planned_end_on,
            programs.c.duration_months,
        )
        .join(programs, programs.c.id == mentorships.c.program_id)
        .where(
            mentorships.c.started_at.is_not(None),
            sa.or_(mentorships.c.cycle_started_at.is_(None), mentorships.c.planned_end_on.is_(None)),
        )
    ).all()
    for row in missing:
        cycle_started_at = row.cycle_started_at or row.started_at
        planned_end_on = row.planned_end_on or _add_months(_utc_day(cycle_started_at), row.duration_months)
        connection.execute(
            sa.update(mentorships)
            .where(mentorships.c.id == row.id)
            .values(cycle_started_at=cycle_started_at, planned_end_on=planned_end_on)
        )


def downgrade() -> None:
    # The filled-in dates are correct data; there is nothing to undo.
    pass
