"""Property: in any small program (pairs sharing a mentor or not, words of every kind written by anyone in any
order), erasing one person blanks exactly their own words: every text another person wrote is unchanged, and
so are the program's figures."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.models import Kudos, Message, Reflection
from mentorloom.health.models import CoordinatorNote
from mentorloom.meetings.models import AgendaItem, Meeting, MeetingFeedback, MeetingStatus, PrivateNote
from mentorloom.mentorships.models import (
    Agreement,
    GoalProgress,
    GoalStatus,
    MeetingFormat,
    Mentorship,
    MentorshipSource,
    Retrospective,
    ReviewSubmission,
    Side,
)
from mentorloom.privacy.erasure import erase_person
from mentorloom.programs.models import Cadence, Role
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, participant
from tests.privacy.test_erasure import figures

KINDS = ("message", "reflection", "kudos", "private_note", "agenda", "progress", "feedback", "retro", "review", "note")
_seq = itertools.count(1)

# (model, text column, who owns the text: row, mentorship sides -> user id)
Owner = Callable[[Any, dict[tuple[int, Side], int]], int | None]


def _author(row: Any, _sides: dict[tuple[int, Side], int]) -> int | None:
    return row.author_id


def _by_side(row: Any, sides: dict[tuple[int, Side], int]) -> int | None:
    return sides[(row.mentorship_id, row.side)]


def _agreement_side(side: Side) -> Owner:
    return lambda row, sides: sides[(row.mentorship_id, side)]


OWNED: list[tuple[Any, str, Owner]] = [
    (Message, "body", _author),
    (Reflection, "challenge", _author),
    (Kudos, "text", _author),
    (PrivateNote, "text", _author),
    (AgendaItem, "text", _author),
    (GoalProgress, "note", _author),
    (CoordinatorNote, "text", _author),
    (MeetingFeedback, "went_well", _by_side),
    (Retrospective, "what_worked", _by_side),
    (ReviewSubmission, "change_suggestion", _by_side),
    (Agreement, "mentor_expectations", _agreement_side(Side.MENTOR)),
    (Agreement, "mentee_expectations", _agreement_side(Side.MENTEE)),
]


def snapshot(session: Session, program_id: int, sides: dict[tuple[int, Side], int]) -> dict[tuple[str, int, str], Any]:
    """(table, row id, column) -> (owner, text) for every owned text of the program."""
    session.flush()
    session.expire_all()
    pairs = select(Mentorship.id).where(Mentorship.program_id == program_id)
    out: dict[tuple[str, int, str], Any] = {}
    for model, column, owner in OWNED:
        if hasattr(model, "mentorship_id"):
            query = select(model).where(model.mentorship_id.in_(pairs))
        else:  # agenda items and private notes hang on a meeting
            query = select(model).join(Meeting, Meeting.id == model.meeting_id).where(Meeting.mentorship_id.in_(pairs))
        for row in session.scalars(query):
            out[(model.__tablename__, row.id, column)] = (owner(row, sides), getattr(row, column))
    return out


EVENT = st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.sampled_from(list(Side)))


@hyp_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pairs=st.integers(1, 3),
    one_mentor=st.booleans(),
    events=st.lists(EVENT, min_size=1, max_size=14),
    victim=st.integers(0, 6),
)
def test_erasing_one_person_never_changes_anothers_words(
    db_session: Session, pairs: int, one_mentor: bool, events: list[tuple[str, int, Side]], victim: int
) -> None:
    savepoint = db_session.begin_nested()
    try:
        program, sides, people, coordinator_id = _world(db_session, pairs, one_mentor)
        mentorships = sorted({m for m, _side in sides})
        meetings = {m: _meeting(db_session, m, program.id) for m in mentorships}
        for n, (kind, index, side) in enumerate(events):
            mentorship_id = mentorships[index % len(mentorships)]
            author = coordinator_id if kind == "note" else sides[(mentorship_id, side)]
            _write(db_session, kind, n, mentorship_id, program.id, meetings[mentorship_id], side, author)
        before, counts = snapshot(db_session, program.id, sides), figures(db_session, program)
        person = people[victim % len(people)]
        erase_person(db_session, person, by=None)
        after = snapshot(db_session, program.id, sides)
        for key, (owner, text) in before.items():
            if owner == person.id:
                assert key not in after or after[key][1] == "", key
            else:
                assert after.get(key) == (owner, text), key
        assert figures(db_session, program) == counts
    finally:
        savepoint.rollback()
        db_session.expunge_all()


def _world(session: Session, pairs: int, one_mentor: bool) -> tuple[Any, dict[tuple[int, Side], int], list[Any], int]:
    program = make_program(session)
    n = next(_seq)
    mentors = [participant(session, program, Role.MENTOR, f"Prop Mentor {n} {i}", capacity=3) for i in range(pairs)]
    if one_mentor:
        mentors = [mentors[0]] * pairs
    mentees = [participant(session, program, Role.MENTEE, f"Prop Mentee {n} {i}") for i in range(pairs)]
    coordinator = coordinator_user(session, program, f"Prop Coordinator {n}")
    sides: dict[tuple[int, Side], int] = {}
    for mentor, mentee in zip(mentors, mentees, strict=True):
        ms = Mentorship(
            program_id=program.id, mentor_id=mentor.id, mentee_id=mentee.id, source=MentorshipSource.MATCHING
        )
        session.add(ms)
        session.flush()
        session.add(
            Agreement(
                mentorship_id=ms.id,
                cycle=1,
                version=1,
                cadence=Cadence.MONTHLY,
                planned_months=12,
                mentor_expectations=f"mentor expects {ms.id}",
                mentee_expectations=f"mentee expects {ms.id}",
            )
        )
        sides[(ms.id, Side.MENTOR)], sides[(ms.id, Side.MENTEE)] = mentor.user_id, mentee.user_id
    people = [*{m.user for m in mentors + mentees}, coordinator]
    people.sort(key=lambda u: u.id)
    session.flush()
    return program, sides, people, coordinator.id


def _meeting(session: Session, mentorship_id: int, program_id: int) -> Meeting:
    start = utcnow() - timedelta(days=10)
    meeting = Meeting(
        mentorship_id=mentorship_id,
        program_id=program_id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        format=MeetingFormat.VIDEO,
        status=MeetingStatus.HELD,
        uid=f"prop-{next(_seq)}@test",
    )
    session.add(meeting)
    session.flush()
    return meeting


def _write(
    session: Session, kind: str, n: int, ms: int, program_id: int, meeting: Meeting, side: Side, author: int
) -> None:
    text = f"{kind} {n} by {author}"
    common = {"mentorship_id": ms, "program_id": program_id}
    row: Any
    if kind == "message":
        row = Message(**common, author_id=author, author_side=side, body=text)
    elif kind == "reflection":
        row = Reflection(**common, author_id=author, author_side=side, challenge=text)
    elif kind == "kudos":
        row = Kudos(**common, author_id=author, from_side=side, text=text)
    elif kind == "note":
        row = CoordinatorNote(**common, author_id=author, text=text)
    elif kind == "progress":
        row = GoalProgress(
            mentorship_id=ms, goal_key="g", author_id=author, status=GoalStatus.IN_PROGRESS, progress=5, note=text
        )
    elif kind == "agenda":
        row = AgendaItem(meeting_id=meeting.id, author_id=author, text=text)
    elif kind == "private_note":
        if session.scalar(
            select(PrivateNote).where(PrivateNote.meeting_id == meeting.id, PrivateNote.author_id == author)
        ):
            return
        row = PrivateNote(meeting_id=meeting.id, author_id=author, text=text)
    elif kind == "feedback":
        if session.scalar(
            select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.side == side)
        ):
            return
        row = MeetingFeedback(**common, meeting_id=meeting.id, side=side, usefulness=3, went_well=text)
    elif kind == "retro":
        row = Retrospective(mentorship_id=ms, cycle=n + 1, side=side, what_worked=text)
    else:
        row = ReviewSubmission(**common, period=n + 1, side=side, change_suggestion=text)
    session.add(row)
    session.flush()
