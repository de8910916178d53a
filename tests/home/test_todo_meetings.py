"""To-do items from meetings: plan them, say whether one took place, give feedback, meet again; coordinators
see how many pairs are overdue. Each goes away once done."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.home.service import todo_for
from mentorloom.meetings import recurrence, series, service
from mentorloom.meetings.models import FeedbackVisibility
from mentorloom.meetings.service import When
from mentorloom.mentorships.models import Side
from mentorloom.programs.models import Cadence
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import service_pair


def _kinds(session: Session, pair_user: object) -> dict[str, str]:
    return {i.kind: i.url for i in todo_for(session, pair_user) if i.kind.startswith(("plan_", "meeting_"))}  # type: ignore[arg-type]


def test_a_confirmed_pair_is_asked_to_plan_until_it_does(db_session: Session) -> None:
    pair = service_pair(db_session)
    items = _kinds(db_session, pair.mentee.user)
    assert items == {"plan_meetings": f"{pair.meetings}/plan?find=1#suggestions"}
    tomorrow = (utcnow() + timedelta(days=1)).date()
    plan = recurrence.Plan(Cadence.WEEKLY, 1, time(18), "Europe/Berlin", tomorrow, tomorrow + timedelta(days=60))
    series.plan(db_session, pair.seat(Side.MENTOR), plan, series.Details(), pair.mentor.user)
    assert _kinds(db_session, pair.mentee.user) == {}


def test_after_a_meeting_say_whether_it_took_place_then_give_feedback(db_session: Session) -> None:
    pair = service_pair(db_session)
    seat = pair.seat(Side.MENTOR)
    start = (utcnow() - timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0, tzinfo=None)
    meeting = service.add_meeting(
        db_session, seat, When(start.date(), start, "UTC"), series.Details(), pair.mentor.user
    )
    url = f"{pair.meetings}/{meeting.id}"
    assert _kinds(db_session, pair.mentor.user)["meeting_outcome"] == f"{url}#outcome"
    service.record_outcome(db_session, seat, meeting, "held", pair.mentor.user)
    for member in (pair.mentor, pair.mentee):
        items = _kinds(db_session, member.user)
        assert "meeting_outcome" not in items and items["meeting_feedback"] == f"{url}#feedback"
    service.give_feedback(
        db_session, seat, meeting, usefulness=4, went_well="", to_change="", visibility=FeedbackVisibility.PRIVATE
    )
    assert "meeting_feedback" not in _kinds(db_session, pair.mentor.user)
    assert "meeting_feedback" in _kinds(db_session, pair.mentee.user)  # each side gives its own


def test_overdue_pairs_for_the_pair_and_the_coordinator(db_session: Session) -> None:
    pair = service_pair(db_session, started_days_ago=60)
    seat = pair.seat(Side.MENTOR)
    soon = (utcnow() + timedelta(days=3)).date()
    plan = recurrence.Plan(Cadence.WEEKLY, soon.weekday(), time(18), "Europe/Berlin", soon, soon)
    planned, _replaced = series.plan(db_session, seat, plan, series.Details(), pair.mentor.user)
    (only,) = series.occurrences_of(db_session, planned)
    assert "meeting_overdue" not in _kinds(db_session, pair.mentor.user)  # the next meeting is planned already
    service.cancel(db_session, seat, only)
    overdue = [i for i in todo_for(db_session, pair.mentor.user) if i.kind == "meeting_overdue"]
    assert len(overdue) == 1 and "You have not met Ben Mentee for 60 days" in overdue[0].title
    coordinator = coordinator_user(db_session, pair.program, "Clara")
    (late,) = [i for i in todo_for(db_session, coordinator) if i.kind == "overdue_meetings"]
    assert late.title == "1 pair overdue for a meeting" and late.url == f"/programs/{pair.program.id}/mentorships"
