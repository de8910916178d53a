"""A pair one of whose two people was erased meets no more: what lies ahead is cancelled and the series ends.

Nobody can meet an erased person. Each meeting that has not ended yet, one under way at this moment included, is
cancelled through the one cancel path, so the person left gets the usual CANCEL and their feed drops it; a running
series ends, so nothing new is planned from it, and is told once as a whole (not once per occurrence). Meetings
that ended stay as they are: program figures count those held, and the person left may still record whether one
still open took place. Everything here runs after the renaming, so a notice names the erased person only by the
neutral label.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.meetings import notices, series, service
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships.access import lock
from mentorloom.mentorships.models import Mentorship


def ahead(session: Session, mentorship: Mentorship, now: datetime) -> list[Meeting]:
    """The pair's scheduled meetings that have not ended, soonest first: one under way cannot go on either."""
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.mentorship_id == mentorship.id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def stop_meetings(
    session: Session, mentorship: Mentorship, *, now: datetime | None = None, settings: Settings | None = None
) -> int:
    """Cancel the pair's meetings not ended yet and end its running series; idempotent. Returns how many."""
    now = now or utcnow()
    settings = settings or Settings()  # as the other after-the-fact paths (a job, the CLI) that have no request
    lock(session, mentorship)  # a meeting planned at this moment is either seen here or refused after the erasure
    cancelled = [service.cancel_in_pair(session, mentorship, meeting) for meeting in ahead(session, mentorship, now)]
    running = series.active_series(session, mentorship)
    if running is not None:
        # Its rule keeps expanding to exactly its rows: the cancelled ones go out as EXDATEs.
        running.ended_at = now
        running.sequence += 1
    session.flush()
    for meeting in cancelled:
        if meeting.series_id is None:
            notices.tell_meeting_change(session, settings, mentorship, meeting, changed_by="")
    if running is not None:
        notices.series_stopped(session, settings, mentorship, running)
    return len(cancelled)
