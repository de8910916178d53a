"""The demo program: a live mentorship built through the services, and the others left for matching."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.demo import load_demo
from mentorloom.home.service import todo_for
from mentorloom.matching import service
from mentorloom.matching.models import Proposal
from mentorloom.mentorships import agreements, goals, reviews
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.fitcheck import state
from mentorloom.mentorships.models import (
    AgreementStatus,
    GoalRevision,
    Mentorship,
    MentorshipStatus,
    ReviewSubmission,
)
from mentorloom.programs.models import Membership, Program


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _mentorship(session: Session, program_id: int) -> Mentorship:
    """The demo pair: Sophie's mentorship (the earlier pairs are there for the review figures)."""
    mentee = _user(session, "mentee@demo.mentorloom.org")
    rows = list(
        session.scalars(
            select(Mentorship)
            .join(Membership, Membership.id == Mentorship.mentee_id)
            .where(Mentorship.program_id == program_id, Membership.user_id == mentee.id)
        )
    )
    assert len(rows) == 1
    return rows[0]


def _seat(session: Session, email: str, program_id: int, mentorship: Mentorship) -> Seat:
    return seat_for(session, _user(session, email), program_id, mentorship.id)


def test_demo_has_an_active_pair_with_a_confirmed_agreement_and_progress(db_session: Session) -> None:
    program_id = load_demo(db_session)
    assert program_id is not None
    mentorship = _mentorship(db_session, program_id)
    assert mentorship.status is MentorshipStatus.ACTIVE
    assert mentorship.mentor.user.email == "mentor@demo.mentorloom.org"
    assert mentorship.mentee.user.email == "mentee@demo.mentorloom.org"
    started = as_utc(mentorship.started_at or utcnow())
    assert timedelta(weeks=5) < utcnow() - started < timedelta(weeks=7)
    assert mentorship.planned_end_on is not None and mentorship.planned_end_on.year == started.year + 1

    agreement = agreements.in_force(db_session, mentorship)
    assert agreement is not None and agreement is agreements.current(db_session, mentorship)
    assert agreement.status is AgreementStatus.CONFIRMED
    assert agreement.confirmed_by_mentor_at and agreement.confirmed_by_mentee_at
    assert agreement.mentor_expectations and agreement.mentee_expectations
    assert agreement.version == 2  # one goal was revised, with a reason
    assert len(agreement.goals) == 3
    assert db_session.scalar(select(func.count(GoalRevision.id)).where(GoalRevision.mentorship_id == mentorship.id))

    progress = sorted(s.progress for s in goals.states(db_session, mentorship).values())
    assert progress == [20, 40]

    seat = _seat(db_session, "mentee@demo.mentorloom.org", program_id, mentorship)
    assert state(db_session, seat).passed


def test_a_second_load_adds_nothing(db_session: Session) -> None:
    program_id = load_demo(db_session)
    pairs = select(func.count(Mentorship.id)).where(Mentorship.program_id == program_id)
    answers = select(func.count(ReviewSubmission.id)).where(ReviewSubmission.program_id == program_id)
    before = (db_session.scalar(pairs), db_session.scalar(answers))
    assert load_demo(db_session) is None
    assert db_session.scalar(select(func.count(Program.id)).where(Program.id == program_id)) == 1
    assert (db_session.scalar(pairs), db_session.scalar(answers)) == before


def test_sophie_has_a_review_open_and_the_coordinator_sees_released_figures(db_session: Session) -> None:
    program_id = load_demo(db_session)
    assert program_id is not None
    program = db_session.get_one(Program, program_id)
    mentorship = _mentorship(db_session, program_id)
    sophie = _seat(db_session, "mentee@demo.mentorloom.org", program_id, mentorship)
    due = reviews.due(db_session, sophie, program)
    assert due.due and due.period == 1 and due.opened_early  # Jürgen opened it early
    assert "review" in {item.kind for item in todo_for(db_session, sophie.user)}  # on her home too
    juergen = _seat(db_session, "mentor@demo.mentorloom.org", program_id, mentorship)
    assert not reviews.due(db_session, juergen, program).due

    summary = reviews.program_summary(db_session, program_id)
    assert summary.released_at is not None
    assert all(s.count >= reviews.RELEASE_BATCH and s.mean is not None for s in summary.statements)
    assert reviews.release_outlook(db_session, program_id).needed == 1  # Sophie's answer completes the next batch
    coordinator = _user(db_session, "coordinator@demo.mentorloom.org")
    assert not [i for i in todo_for(db_session, coordinator) if i.coordination]  # the earlier pairs are on track


def test_matching_still_proposes_mentors_for_the_other_mentees(db_session: Session) -> None:
    program_id = load_demo(db_session)
    program = db_session.get(Program, program_id)
    assert program is not None
    run = service.start_run(db_session, program, _user(db_session, "coordinator@demo.mentorloom.org"))
    service.compute_run(db_session, run)
    proposed = db_session.execute(
        select(User.email, Proposal.mentor_id)
        .join(Membership, Membership.id == Proposal.mentee_id)
        .join(User, User.id == Membership.user_id)
        .where(Proposal.run_id == run.id)
    ).all()
    mentors = dict(proposed)
    assert set(mentors) == {"tom@demo.mentorloom.org", "amira@demo.mentorloom.org"}
    assert all(mentor_id is not None for mentor_id in mentors.values())
