"""A pair with words of every kind from both sides and from the coordination, each a unique marker string."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.engagement.models import Kudos, Message, Reflection, ReflectionVisibility
from mentorloom.health.models import CoordinatorNote, Pulse
from mentorloom.meetings.models import (
    AgendaItem,
    FeedbackVisibility,
    Meeting,
    MeetingFeedback,
    MeetingStatus,
    PrivateNote,
)
from mentorloom.mentorships.models import (
    Agreement,
    Goal,
    GoalProgress,
    GoalStatus,
    MeetingFormat,
    Mentorship,
    MentorshipStatus,
    Retrospective,
    ReviewAnswer,
    ReviewSubmission,
    Side,
)
from mentorloom.programs.models import Cadence, Program
from tests.mentorships.helpers import Pair, make_pair

_seq = itertools.count(1)


@dataclass
class World:
    pair: Pair
    coordinator_id: int
    # marker -> (owner: "mentor" | "mentee" | "coordinator", private: only its owner may read it)
    markers: dict[str, tuple[str, bool]] = field(default_factory=dict)

    @property
    def mentorship(self) -> Mentorship:
        return self.pair.mentorship

    @property
    def mentor(self) -> User:
        return self.pair.mentor.user

    @property
    def mentee(self) -> User:
        return self.pair.mentee.user

    def user_of(self, side: Side) -> User:
        return self.mentor if side is Side.MENTOR else self.mentee

    def of(self, owner: str, *, private: bool | None = None) -> list[str]:
        return [m for m, (o, p) in self.markers.items() if o == owner and (private is None or p == private)]

    def mark(self, owner: str, kind: str, *, private: bool) -> str:
        marker = f"MARK{next(_seq)}x{owner}x{kind}x{'private' if private else 'shared'}"
        self.markers[marker] = (owner, private)
        return marker


def build_world(
    session: Session,
    *,
    status: MentorshipStatus = MentorshipStatus.ACTIVE,
    ended_days_ago: int | None = None,
    program: Program | None = None,
) -> World:
    """A pair with an agreement, a held meeting and every kind of words from both people and the coordination."""
    pair = make_pair(session, started_days_ago=400, program=program)
    ms = pair.mentorship
    if ended_days_ago is not None:
        ms.status, ms.ended_at = status, utcnow() - timedelta(days=ended_days_ago)
    coordinator_id = _coordinator_id(session, pair.program)
    world = World(pair, coordinator_id)
    agreement = Agreement(
        mentorship_id=ms.id,
        cycle=1,
        version=1,
        cadence=Cadence.MONTHLY,
        planned_months=12,
        mentor_expectations=world.mark("mentor", "expect", private=False),
        mentee_expectations=world.mark("mentee", "expect", private=False),
        created_by_id=world.mentor.id,
        note=world.mark("mentor", "agreementnote", private=False),
    )
    session.add(agreement)
    session.flush()
    session.add(
        Goal(agreement_id=agreement.id, mentorship_id=ms.id, key="g1", title=world.mark("pair", "goal", private=False))
    )
    start = utcnow() - timedelta(days=300)
    meeting = Meeting(
        mentorship_id=ms.id,
        program_id=ms.program_id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Berlin",
        format=MeetingFormat.VIDEO,
        status=MeetingStatus.HELD,
        uid=f"privacy-{next(_seq)}@test",
        notes=world.mark("pair", "sharednotes", private=False),
    )
    session.add(meeting)
    session.flush()
    for side in Side:
        _words_of(session, world, side, meeting, agreement)
    session.add(
        CoordinatorNote(
            mentorship_id=ms.id,
            program_id=ms.program_id,
            author_id=coordinator_id,
            text=world.mark("coordinator", "healthnote", private=True),
        )
    )
    session.flush()
    return world


def _coordinator_id(session: Session, program: Program) -> int:
    from sqlalchemy import select

    from mentorloom.programs.models import Membership, Role

    return (
        session.scalars(
            select(Membership.user_id).where(Membership.program_id == program.id, Membership.role == Role.COORDINATOR)
        ).first()
        or 0
    )


def _words_of(session: Session, world: World, side: Side, meeting: Meeting, agreement: Agreement) -> None:
    ms, owner, user = world.mentorship, side.value, world.user_of(side)
    mark = world.mark
    session.add_all(
        [
            AgendaItem(meeting_id=meeting.id, author_id=user.id, text=mark(owner, "agenda", private=False)),
            PrivateNote(meeting_id=meeting.id, author_id=user.id, text=mark(owner, "privatenote", private=True)),
            MeetingFeedback(
                meeting_id=meeting.id,
                mentorship_id=ms.id,
                program_id=ms.program_id,
                side=side,
                usefulness=4,
                went_well=mark(owner, "feedback", private=True),
                visibility=FeedbackVisibility.PRIVATE,
            ),
            Reflection(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                author_id=user.id,
                author_side=side,
                challenge=mark(owner, "reflection", private=True),
                visibility=ReflectionVisibility.PRIVATE,
            ),
            Reflection(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                author_id=user.id,
                author_side=side,
                challenge=mark(owner, "lesson", private=False),
                visibility=ReflectionVisibility.PARTNER,
            ),
            Message(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                author_id=user.id,
                author_side=side,
                body=mark(owner, "message", private=False),
            ),
            Kudos(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                author_id=user.id,
                from_side=side,
                text=mark(owner, "kudos", private=False),
            ),
            GoalProgress(
                mentorship_id=ms.id,
                goal_key="g1",
                author_id=user.id,
                status=GoalStatus.IN_PROGRESS,
                progress=40,
                note=mark(owner, "progress", private=False),
            ),
            Retrospective(mentorship_id=ms.id, cycle=1, side=side, what_worked=mark(owner, "retro", private=False)),
        ]
    )
    review = ReviewSubmission(
        mentorship_id=ms.id,
        program_id=ms.program_id,
        period=1,
        side=side,
        shared_with_partner=False,
        change_suggestion=mark(owner, "review", private=True),
    )
    review.answers.append(ReviewAnswer(statement="trust", score=4))
    session.add(review)
    if side is Side.MENTEE:
        session.add(
            Pulse(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                period=1,
                score=3,
                stuck=True,
                stuck_text=mark(owner, "pulse", private=True),
            )
        )
    session.flush()
