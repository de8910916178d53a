"""The daily sweep tells each side once when their fit check or review round waits for their answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.mentorships import reminders
from mentorloom.mentorships.models import FitCheckAnswer, Side
from mentorloom.notifications.models import Notification
from tests.mentorships.helpers import make_pair


def _kinds(session: Session, user_id: int) -> list[str]:
    return sorted(session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))


def test_fit_check_reminder_once_per_side_until_answered(db_session: Session) -> None:
    fresh = make_pair(db_session, started_days_ago=3)
    due = make_pair(db_session, started_days_ago=20)
    db_session.add(FitCheckAnswer(mentorship_id=due.mentorship.id, side=Side.MENTOR, fits=True))
    db_session.flush()
    now = utcnow()
    assert reminders.remind_fit_checks(db_session, now) >= 1
    assert reminders.remind_fit_checks(db_session, now + timedelta(hours=1)) == 0  # a second run adds none
    assert _kinds(db_session, due.mentee.user_id) == ["fit_check_due"]
    assert _kinds(db_session, due.mentor.user_id) == []  # answered already
    assert _kinds(db_session, fresh.mentee.user_id) == []  # not two weeks in yet


def test_review_reminder_once_per_round_and_side(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=7 * 13)  # the default round opens every 12 weeks
    now = utcnow()
    assert reminders.remind_reviews(db_session, now) >= 2
    assert reminders.remind_reviews(db_session, now) == 0
    assert _kinds(db_session, pair.mentor.user_id) == ["review_due"]
    assert _kinds(db_session, pair.mentee.user_id) == ["review_due"]
    later = reminders.remind_reviews(db_session, now + timedelta(weeks=12))
    assert later >= 2  # the next round asks again
    assert _kinds(db_session, pair.mentee.user_id) == ["review_due", "review_due"]
