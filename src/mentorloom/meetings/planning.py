"""From what a person typed to the domain's inputs, shared by the API and the pages: one path for both."""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from mentorloom.meetings import recurrence, series, slots
from mentorloom.meetings.schemas import DetailsIn, SeriesIn
from mentorloom.meetings.service import When
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Cadence


def details_of(body: DetailsIn) -> series.Details:
    return series.Details(duration_minutes=body.duration_minutes, format=body.format, location=body.location)


def plan_of(session: Session, seat: Seat, body: SeriesIn) -> recurrence.Plan:
    recurrence.zone(body.timezone)
    agreement = agreements.in_force(session, seat.mentorship)
    until = body.until or series.window(seat.mentorship, agreement)[1]
    cadence = body.cadence or (agreement.cadence if agreement else Cadence.MONTHLY)
    hours, minutes = (int(x) for x in body.local_time.split(":"))
    return recurrence.Plan(
        cadence=cadence,
        weekday=body.weekday,
        local_time=time(hours, minutes),
        timezone=body.timezone,
        starts_on=body.starts_on,
        until=until,
        monthly_by=body.monthly_by,
        week_of_month=body.week_of_month,
        day_of_month=body.day_of_month,
    )


def when_of(text: str, timezone: str) -> When:
    recurrence.zone(timezone, field="timezone")
    moment = datetime.fromisoformat(text)
    return When(day=moment.date(), at=moment, timezone=timezone)


def _person(session: Session, membership_id: int) -> slots.Person:
    profile = session.get(Profile, membership_id)
    return slots.Person(
        timezone=(profile.timezone if profile else None) or "UTC", windows=(profile.availability if profile else [])
    )


def suggestions(
    session: Session, seat: Seat, *, duration_minutes: int = 60, starts_on: date | None = None
) -> list[slots.Slot]:
    """The three best recurring slots for the pair, in the mentor's zone first (the series is planned there)."""
    mentorship = seat.mentorship
    agreement = agreements.in_force(session, mentorship) or agreements.current(session, mentorship)
    first_day = starts_on or date.today() + relativedelta(days=1)
    last_day = series.window(mentorship, agreement)[1]
    if last_day <= first_day:
        last_day = first_day + relativedelta(months=3)
    cadence = agreement.cadence if agreement else Cadence.MONTHLY
    return slots.suggest_slots(
        _person(session, mentorship.mentor_id),
        _person(session, mentorship.mentee_id),
        duration_minutes=duration_minutes,
        cadence=cadence.value,
        starts_on=first_day,
        until=last_day,
    )
