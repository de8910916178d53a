"""Small builders for program histories with known figures: rows written directly, timestamps chosen freely."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from mentorloom.engagement.models import Milestone
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships.models import (
    Agreement,
    ClosureReason,
    Goal,
    GoalProgress,
    GoalStatus,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
    Side,
)
from mentorloom.programs.models import Cadence, Membership, Program, Role
from tests.factories import make_membership, make_user

_seq = itertools.count(1)


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def member(session: Session, program: Program, role: Role, joined: datetime | None = None) -> Membership:
    n = next(_seq)
    user = make_user(session, name=f"{role.value.title()} {n}", email=f"{role.value}{n}.{program.id}@example.org")
    membership = make_membership(session, program=program, user=user, role=role)
    if joined is not None:
        membership.created_at = joined
    session.flush()
    return membership


def pair(
    session: Session,
    program: Program,
    started: datetime,
    *,
    status: MentorshipStatus = MentorshipStatus.ACTIVE,
    ended: datetime | None = None,
    reason: ClosureReason | None = None,
    mentee: Membership | None = None,
    created: datetime | None = None,
) -> Mentorship:
    """A pair that started at `started` (and ended at `ended`); the mentor is new, the mentee too unless given."""
    mentor = member(session, program, Role.MENTOR, joined=started - timedelta(days=30))
    mentee = mentee or member(session, program, Role.MENTEE, joined=started - timedelta(days=30))
    ms = Mentorship(
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        source=MentorshipSource.MATCHING,
        status=status,
        created_at=created or started,
        started_at=started,
        cycle_started_at=started,
        ended_at=ended,
        closure_reason=reason,
    )
    session.add(ms)
    session.flush()
    return ms


def held(session: Session, ms: Mentorship, when: datetime, *feedback: tuple[int, bool]) -> Meeting:
    """A held meeting with feedback answers (usefulness, private?), one per side at most."""
    meeting = Meeting(
        mentorship_id=ms.id,
        program_id=ms.program_id,
        starts_at=when,
        ends_at=when + timedelta(hours=1),
        timezone="UTC",
        format="video",
        uid=f"an-{next(_seq)}@test",
        status=MeetingStatus.HELD,
    )
    session.add(meeting)
    session.flush()
    for side, (usefulness, private) in zip((Side.MENTEE, Side.MENTOR), feedback, strict=False):
        session.add(
            MeetingFeedback(
                meeting_id=meeting.id,
                mentorship_id=ms.id,
                program_id=ms.program_id,
                side=side,
                usefulness=usefulness,
                visibility=FeedbackVisibility.PRIVATE if private else FeedbackVisibility.COORDINATORS,
            )
        )
    session.flush()
    return meeting


def goals(
    session: Session, ms: Mentorship, achieved: int, open_: int, dropped: int = 0, cadence: Cadence = Cadence.MONTHLY
) -> None:
    """An agreement with goals: `achieved` achieved, `open_` in progress, `dropped` dropped."""
    agreement = Agreement(mentorship_id=ms.id, cycle=ms.cycle or 1, version=1, cadence=cadence, planned_months=12)
    session.add(agreement)
    session.flush()
    states = [GoalStatus.ACHIEVED] * achieved + [GoalStatus.IN_PROGRESS] * open_ + [GoalStatus.DROPPED] * dropped
    for i, status in enumerate(states):
        key = f"g{i}"
        session.add(Goal(agreement_id=agreement.id, mentorship_id=ms.id, key=key, position=i, title=f"Goal {i}"))
        progress = 100 if status is GoalStatus.ACHIEVED else 30
        session.add(GoalProgress(mentorship_id=ms.id, goal_key=key, status=status, progress=progress))
    session.flush()


def milestone(session: Session, ms: Mentorship, reached: datetime | None) -> None:
    session.add(Milestone(mentorship_id=ms.id, program_id=ms.program_id, title="Milestone", reached_at=reached))
    session.flush()
