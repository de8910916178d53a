"""Automatic conclusion after silence, with a fixed clock on both databases: one warning to both people at N-7
days of silence, none twice, the conclusion at N days only after a warning a week earlier, activity starts a new
quiet stretch, the option off does nothing, paused pairs are left alone, a killed run redone sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.engagement.models import Kudos, Message, Milestone
from mentorloom.health import inactivity, tasks
from mentorloom.health.models import InactivityWarning, Pulse
from mentorloom.jobs import JobContext
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships.models import (
    ClosureReason,
    MentorshipStatus,
    MentorshipTransition,
    Side,
)
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.notifications.service import MailObsolete, compose
from mentorloom.programs.models import Program
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.mentorships.helpers import Pair, make_pair

DAY = timedelta(days=1)
N = 90


def quiet_pair(
    session: Session, *, limit: int | None = N, status: MentorshipStatus = MentorshipStatus.ACTIVE
) -> tuple[Pair, datetime]:
    pair = make_pair(session, started_days_ago=0, status=status, coordinator_headers={})
    if limit is not None:
        pair.program.settings = {"health": {"auto_conclude_days": limit}}
    session.flush()
    started = pair.mentorship.cycle_started_at
    assert started is not None
    return pair, started.replace(tzinfo=started.tzinfo or UTC)


def sweep(session: Session, program: Program, now: datetime) -> inactivity.Outcome:
    outcome = inactivity.sweep_program(session, program, now)
    session.flush()
    return outcome


def warnings_sent(session: Session, pair: Pair) -> list[str]:
    rows = session.scalars(
        select(OutboxMail).where(OutboxMail.template == "inactivity_warning").order_by(OutboxMail.to_address)
    )
    return [m.to_address for m in rows if m.context.get("mentorship_id") == pair.mentorship.id]


def test_warning_at_n_minus_7_then_conclusion_at_n(db_session: Session, settings: Settings) -> None:
    pair, start = quiet_pair(db_session)
    assert sweep(db_session, pair.program, start + (N - 8) * DAY).warned == []
    assert warnings_sent(db_session, pair) == []
    outcome = sweep(db_session, pair.program, start + (N - 7) * DAY)
    assert outcome.warned == [pair.mentorship.id] and outcome.concluded == []
    both = sorted([pair.mentor.user.email, pair.mentee.user.email])
    assert warnings_sent(db_session, pair) == both
    warning = db_session.get_one(InactivityWarning, pair.mentorship.id)
    assert warning.concludes_on.replace(tzinfo=UTC) == start + N * DAY
    # the next nights: no second warning, and nothing concluded before day N
    for day in (N - 6, N - 3, N - 1):
        assert sweep(db_session, pair.program, start + day * DAY) == inactivity.Outcome()
    assert warnings_sent(db_session, pair) == both
    assert pair.mentorship.status is MentorshipStatus.ACTIVE
    # the mail says when and how to keep going, in the reader's language
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "inactivity_warning")).first()
    assert mail is not None
    text = compose(db_session, settings, mail).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "quiet for 83 days" in text and "send" in text and "hold a meeting" in text
    assert f"{start + N * DAY:%Y}" in str(compose(db_session, settings, mail)["Subject"])

    outcome = sweep(db_session, pair.program, start + N * DAY)
    assert outcome.concluded == [pair.mentorship.id]
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.ENDED_EARLY
    assert pair.mentorship.closure_reason is ClosureReason.OTHER and pair.mentorship.rematch_requested is False
    record = db_session.scalars(
        select(MentorshipTransition).where(MentorshipTransition.mentorship_id == pair.mentorship.id)
    ).all()[-1]
    assert (record.action, record.by_user_id, record.reason) == ("end_early", None, "")
    # both are told it ended (the usual mail); the pending warning mail is no longer wanted
    ended = db_session.scalars(select(Notification).where(Notification.kind == "mentorship_ended")).all()
    assert {n.user_id for n in ended} == {pair.mentor.user_id, pair.mentee.user_id}
    with pytest.raises(MailObsolete):
        compose(db_session, settings, mail)
    assert sweep(db_session, pair.program, start + (N + 1) * DAY) == inactivity.Outcome()


def test_completing_pairs_are_finished(db_session: Session) -> None:
    pair, start = quiet_pair(db_session, status=MentorshipStatus.COMPLETING)
    sweep(db_session, pair.program, start + (N - 7) * DAY)
    assert sweep(db_session, pair.program, start + N * DAY).concluded == [pair.mentorship.id]
    assert pair.mentorship.status is MentorshipStatus.COMPLETED


def test_never_concluded_without_a_warning_a_week_before(db_session: Session) -> None:
    """A program that turns the option on for pairs long silent warns first and concludes a week later."""
    pair, start = quiet_pair(db_session, limit=None)
    late = start + 200 * DAY
    assert sweep(db_session, pair.program, late) == inactivity.Outcome()  # off: nothing
    pair.program.settings = {"health": {"auto_conclude_days": N}}
    assert sweep(db_session, pair.program, late).warned == [pair.mentorship.id]
    assert sweep(db_session, pair.program, late + 6 * DAY).concluded == []
    assert sweep(db_session, pair.program, late + 7 * DAY).concluded == [pair.mentorship.id]


@pytest.mark.parametrize("source", ["message", "meeting", "kudos", "pulse", "milestone", "resume"])
def test_activity_starts_a_new_quiet_stretch(db_session: Session, source: str) -> None:
    pair, start = quiet_pair(db_session)
    sweep(db_session, pair.program, start + (N - 7) * DAY)
    moment = start + (N - 5) * DAY
    ms = pair.mentorship
    if source == "message":
        db_session.add(
            Message(
                mentorship_id=ms.id, program_id=ms.program_id, author_side=Side.MENTEE, body="hi", created_at=moment
            )
        )
    elif source == "meeting":
        db_session.add(
            Meeting(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                starts_at=moment,
                ends_at=moment + timedelta(hours=1),
                timezone="UTC",
                format="video",
                uid="m@test",
                status=MeetingStatus.HELD,
            )
        )
    elif source == "kudos":
        db_session.add(
            Kudos(mentorship_id=ms.id, program_id=ms.program_id, from_side=Side.MENTOR, text="!", created_at=moment)
        )
    elif source == "pulse":
        db_session.add(Pulse(mentorship_id=ms.id, program_id=ms.program_id, period=7, score=3, created_at=moment))
    elif source == "milestone":
        db_session.add(Milestone(mentorship_id=ms.id, program_id=ms.program_id, title="Talk", reached_at=moment))
    else:
        db_session.add(
            MentorshipTransition(
                mentorship_id=ms.id,
                from_status=MentorshipStatus.PAUSED,
                to_status=MentorshipStatus.ACTIVE,
                action="resume",
                at=moment,
            )
        )
    db_session.flush()
    assert sweep(db_session, pair.program, start + N * DAY) == inactivity.Outcome()
    assert db_session.get(InactivityWarning, ms.id) is None
    assert ms.status is MentorshipStatus.ACTIVE
    # the next silence warns again (a new key), and concludes a week after that
    again = sweep(db_session, pair.program, moment + (N - 7) * DAY)
    assert again.warned == [ms.id]
    assert len(warnings_sent(db_session, pair)) == 4
    assert sweep(db_session, pair.program, moment + N * DAY).concluded == [ms.id]


def test_coordination_kudos_and_calendar_milestones_are_no_activity(db_session: Session) -> None:
    pair, start = quiet_pair(db_session)
    ms = pair.mentorship
    db_session.add(
        Kudos(mentorship_id=ms.id, program_id=ms.program_id, from_side=None, text="!", created_at=start + 60 * DAY)
    )
    db_session.add(
        Milestone(
            mentorship_id=ms.id, program_id=ms.program_id, code="months_3", title="3", reached_at=start + 80 * DAY
        )
    )
    db_session.flush()
    assert sweep(db_session, pair.program, start + (N - 7) * DAY).warned == [ms.id]


def test_paused_pairs_and_programs_without_the_option_are_left_alone(db_session: Session) -> None:
    paused, start = quiet_pair(db_session, status=MentorshipStatus.PAUSED)
    off, _ = quiet_pair(db_session, limit=None)
    for day in (N - 7, N, 3 * N):
        assert sweep(db_session, paused.program, start + day * DAY) == inactivity.Outcome()
        assert sweep(db_session, off.program, start + day * DAY) == inactivity.Outcome()
    assert paused.mentorship.status is MentorshipStatus.PAUSED and off.mentorship.status is MentorshipStatus.ACTIVE
    assert db_session.scalar(select(func.count()).select_from(InactivityWarning)) == 0


def test_a_pair_paused_after_its_warning_is_not_concluded_later(db_session: Session) -> None:
    pair, start = quiet_pair(db_session)
    sweep(db_session, pair.program, start + (N - 7) * DAY)
    pair.mentorship.status = MentorshipStatus.PAUSED
    db_session.flush()
    assert sweep(db_session, pair.program, start + N * DAY) == inactivity.Outcome()
    assert db_session.get(InactivityWarning, pair.mentorship.id) is None


def test_the_job_rerun_after_a_kill_sends_nothing_twice(db_session: Session, settings: Settings) -> None:
    pair, start = quiet_pair(db_session)
    clock = Clock(start + (N - 7) * DAY)
    ctx = JobContext(settings, SharedConnectionDatabase(db_session), clock=clock)  # type: ignore[arg-type]
    assert tasks.inactivity_sweep(ctx) >= 1
    assert tasks.inactivity_sweep(ctx) == 0
    assert len(warnings_sent(db_session, pair)) == 2
    clock.advance(7 * DAY)
    assert tasks.inactivity_sweep(ctx) >= 1
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.ENDED_EARLY
    assert tasks.inactivity_sweep(ctx) == 0


def test_the_warning_reads_in_german(db_session: Session, settings: Settings) -> None:
    pair, start = quiet_pair(db_session)
    sweep(db_session, pair.program, start + (N - 7) * DAY)
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "inactivity_warning")).first()
    assert mail is not None
    mail.locale = "de"
    message = compose(db_session, settings, mail)
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "endet am" in str(message["Subject"]) and "außer Sie melden sich" in str(message["Subject"])
    assert "83 Tage lang still" in body and "Programmkoordination" in body
