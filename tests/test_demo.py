"""The demo program: a live mentorship built through the services with a year of meetings, an overdue pair, and
the others left for matching."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.demo import load_demo
from mentorloom.engagement import messages
from mentorloom.engagement.models import (
    Event,
    Kudos,
    Message,
    Milestone,
    PairEngagementSettings,
    Reflection,
    ReflectionVisibility,
    Resource,
    Rsvp,
    RsvpAnswer,
)
from mentorloom.home.service import todo_for
from mentorloom.matching import service
from mentorloom.matching.models import Proposal
from mentorloom.meetings import overdue, series
from mentorloom.meetings import service as meetings
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    FeedbackVisibility,
    Meeting,
    MeetingFeedback,
    MeetingStatus,
    PrivateNote,
)
from mentorloom.mentorships import agreements, goals, reviews
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.fitcheck import state
from mentorloom.mentorships.models import (
    AgreementStatus,
    GoalProgress,
    GoalRevision,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    ReviewSubmission,
)
from mentorloom.programs.models import Cadence, Membership, Program


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _mentorship(session: Session, program_id: int, mentee_email: str = "mentee@demo.mentorloom.org") -> Mentorship:
    """The demo pair: Sophie's mentorship (the later pairs are there for the review figures and overdue)."""
    mentee = _user(session, mentee_email)
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
    assert timedelta(weeks=45) < utcnow() - started < timedelta(weeks=47)  # about ten and a half months in
    assert mentorship.planned_end_on is not None and mentorship.planned_end_on.year == started.year + 1

    agreement = agreements.in_force(db_session, mentorship)
    assert agreement is not None and agreement is agreements.current(db_session, mentorship)
    assert agreement.status is AgreementStatus.CONFIRMED
    assert agreement.cadence is Cadence.MONTHLY
    assert agreement.confirmed_by_mentor_at and agreement.confirmed_by_mentee_at
    assert agreement.mentor_expectations and agreement.mentee_expectations
    assert agreement.version == 2  # one goal was revised, with a reason
    assert len(agreement.goals) == 3
    assert db_session.scalar(select(func.count(GoalRevision.id)).where(GoalRevision.mentorship_id == mentorship.id))

    # recorded in the meetings: the negotiation and team-lead goals reached, the feedback goal on its way
    progress = sorted((s.progress, s.status) for s in goals.states(db_session, mentorship).values())
    assert progress == [(60, GoalStatus.IN_PROGRESS), (100, GoalStatus.ACHIEVED), (100, GoalStatus.ACHIEVED)]

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
    assert due.due and due.period == 4 and due.opened_early  # Jürgen opened the fourth round early
    assert "review" in {item.kind for item in todo_for(db_session, sophie.user)}  # on her home too
    juergen = _seat(db_session, "mentor@demo.mentorloom.org", program_id, mentorship)
    assert not reviews.due(db_session, juergen, program).due

    summary = reviews.program_summary(db_session, program_id)
    assert summary.released_at is not None
    assert all(s.count >= reviews.RELEASE_BATCH and s.mean is not None for s in summary.statements)
    assert reviews.release_outlook(db_session, program_id).needed == 1  # Sophie's answer completes the next batch
    coordinator = _user(db_session, "coordinator@demo.mentorloom.org")
    # every pair has its agreement and its reviews on track (one is overdue with its meetings: see below)
    review_work = {"open_offers", "no_agreement", "overdue_reviews"}
    assert not [i for i in todo_for(db_session, coordinator) if i.coordination and i.kind in review_work]


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


def test_the_demo_pair_held_ten_monthly_meetings_and_meets_again_in_the_next_days(db_session: Session) -> None:
    program_id = load_demo(db_session)
    assert program_id is not None
    program = db_session.get_one(Program, program_id)
    mentorship = _mentorship(db_session, program_id)
    sophie = _seat(db_session, "mentee@demo.mentorloom.org", program_id, mentorship)
    juergen = _seat(db_session, "mentor@demo.mentorloom.org", program_id, mentorship)
    now = utcnow()

    running = series.active_series(db_session, mentorship)
    assert running is not None and running.cadence is Cadence.MONTHLY and "FREQ=MONTHLY" in running.rrule
    held = list(reversed(meetings.meetings(db_session, sophie, upcoming=False)))
    assert len(held) == 10 and all(m.status is MeetingStatus.HELD for m in held)
    assert all(m.series_id == running.id for m in held)
    assert sum(m.moved for m in held) == 1
    gaps = [(b.starts_at - a.starts_at).days for a, b in pairwise(held)]
    assert all(26 <= gap <= 37 for gap in gaps), gaps  # monthly (one was moved by a day)
    for meeting in held:
        assert meeting.agenda and meeting.notes.startswith("## ") and meeting.outcome_at is not None
        sides = {
            f.side for f in db_session.scalars(select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id))
        }
        assert len(sides) == 2, meeting.starts_at  # both gave feedback
    assert any(m.notes_version == 2 for m in held)  # Jürgen added to Sophie's notes once

    upcoming = meetings.next_meeting(db_session, sophie)
    assert upcoming is not None and upcoming.status is MeetingStatus.SCHEDULED
    assert now < upcoming.starts_at < now + timedelta(days=10)
    assert {item.author_id for item in upcoming.agenda} == {sophie.user.id, juergen.user.id}

    # the trend: 3 at first, 5 at the end, with a dip; Sophie kept that one to herself
    mine = [p.mine for p in meetings.feedback_trend(db_session, sophie)]
    assert mine[0] == 3 and mine[-3:] == [5, 5, 5]
    assert any(later < earlier for earlier, later in pairwise(mine))
    seen_by_juergen = [p.partner for p in meetings.feedback_trend(db_session, juergen)]
    assert seen_by_juergen.count(None) == 1 and [p for p in seen_by_juergen if p is not None] != []
    private = db_session.scalars(
        select(MeetingFeedback).where(
            MeetingFeedback.mentorship_id == mentorship.id, MeetingFeedback.visibility == FeedbackVisibility.PRIVATE
        )
    ).all()
    assert len(private) == 1 and private[0].side.value == "mentee"

    open_items = meetings.open_action_items(db_session, sophie)
    done = db_session.scalar(
        select(func.count(ActionItem.id)).where(
            ActionItem.mentorship_id == mentorship.id, ActionItem.done_at.is_not(None)
        )
    )
    assert 1 <= len(open_items) <= 2 and done and done >= 5
    noted = [m for m in held if meetings.private_note(db_session, m, sophie.user) is not None]
    assert len(noted) == 1 and meetings.private_note(db_session, noted[0], juergen.user) is None

    status = overdue.status_of(db_session, program, mentorship)
    assert status is not None and not status.overdue


def test_one_later_pair_is_overdue_and_the_other_meets_monthly(db_session: Session) -> None:
    program_id = load_demo(db_session)
    assert program_id is not None
    program = db_session.get_one(Program, program_id)
    quiet = _mentorship(db_session, program_id, "jonas@demo.mentorloom.org")
    regular = _mentorship(db_session, program_id, "lea@demo.mentorloom.org")

    found = overdue.overdue_in_program(db_session, program)
    assert [o.mentorship_id for o in found] == [quiet.id]
    assert found[0].cadence is Cadence.MONTHLY and found[0].allowed_days == 45
    assert 60 <= found[0].days_since <= 70 and found[0].last_held_at is not None
    missed = db_session.scalars(
        select(Meeting).where(Meeting.mentorship_id == quiet.id, Meeting.status == MeetingStatus.MISSED)
    ).all()
    assert missed  # the meetings since then did not take place
    calm = overdue.status_of(db_session, program, regular)
    assert calm is not None and not calm.overdue and calm.last_held_at is not None


def test_nothing_the_demo_stamped_lies_in_the_future(db_session: Session) -> None:
    """The services stamp "now"; the demo moves each stamp back to when it happened, never past today."""
    program_id = load_demo(db_session)
    now = utcnow()
    stamps: list[tuple[str, datetime | None]] = []
    for meeting in db_session.scalars(select(Meeting).where(Meeting.program_id == program_id)):
        stamps += [("meeting created", meeting.created_at), ("meeting updated", meeting.updated_at)]
        stamps.append(("outcome", meeting.outcome_at))
    for column in (
        AgendaItem.created_at,
        ActionItem.created_at,
        ActionItem.done_at,
        MeetingFeedback.created_at,
        PrivateNote.updated_at,
        GoalProgress.created_at,
        Milestone.reached_at,
        Kudos.created_at,
        Reflection.created_at,
        Resource.created_at,
        Message.created_at,
    ):
        stamps += [(str(column), value) for value in db_session.scalars(select(column))]
    late = [(what, value) for what, value in stamps if value is not None and as_utc(value) > now]
    assert stamps and late == []
    for feedback in db_session.scalars(select(MeetingFeedback).where(MeetingFeedback.program_id == program_id)):
        meeting = db_session.get_one(Meeting, feedback.meeting_id)
        assert as_utc(feedback.created_at) > as_utc(meeting.ends_at)


def test_the_demo_pair_celebrates_shares_and_talks_between_meetings(db_session: Session) -> None:
    """Issue 12: milestones, a kudos, a shared reflection, two shared articles, an upcoming program event with RSVPs
    and a short conversation, all made through the engagement services."""
    program_id = load_demo(db_session)
    assert program_id is not None
    mentorship = _mentorship(db_session, program_id)
    reached = db_session.scalars(
        select(Milestone).where(Milestone.mentorship_id == mentorship.id, Milestone.reached_at.is_not(None))
    ).all()
    codes = {m.code for m in reached}
    assert {"first_meeting", "months_3", "months_6", "meetings_10"} <= codes
    assert sum(1 for c in codes if c and c.startswith("goal:")) == 2  # the two goals achieved
    assert any(m.code is None and m.note for m in reached)  # one they planned and reached, with a note
    assert all(as_utc(m.reached_at) <= utcnow() for m in reached if m.reached_at)
    consent = db_session.get_one(PairEngagementSettings, mentorship.id)
    assert consent.mentor_shares_celebrations and consent.mentee_shares_celebrations

    assert db_session.scalar(select(func.count()).select_from(Kudos).where(Kudos.mentorship_id == mentorship.id)) == 1
    shared = db_session.scalars(select(Reflection).where(Reflection.mentorship_id == mentorship.id)).all()
    assert [r.visibility for r in shared] == [ReflectionVisibility.PARTNER]
    links = db_session.scalars(select(Resource).where(Resource.mentorship_id == mentorship.id)).all()
    assert len(links) == 2 and all(r.url.startswith("https://") for r in links)
    library = (
        select(func.count())
        .select_from(Resource)
        .where(Resource.program_id == program_id, Resource.mentorship_id.is_(None))
    )
    assert (db_session.scalar(library) or 0) >= 3

    event = db_session.scalars(select(Event).where(Event.program_id == program_id)).one()
    assert as_utc(event.starts_at) > utcnow() and event.capacity is not None
    answers = db_session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)).all()
    seated = [r for r in answers if r.answer is RsvpAnswer.YES and r.waiting_since is None]
    assert 0 < len(seated) < event.capacity  # a seat is left for whoever tries the demo
    assert {mentorship.mentor.user_id, mentorship.mentee.user_id} <= {r.user_id for r in seated}

    talk = db_session.scalars(select(Message).where(Message.mentorship_id == mentorship.id).order_by(Message.id)).all()
    assert len(talk) >= 3 and {m.author_side.value for m in talk} == {"mentor", "mentee"}
    sophie = _seat(db_session, "mentee@demo.mentorloom.org", program_id, mentorship)
    assert messages.unread_count(db_session, sophie) == 1  # Jürgen's latest
