"""Planning the pair's series from the agreement's cadence, and replanning it.

A series is never edited in place: planning anew ends the current series at the first new meeting (its
future, untouched occurrences go; ones with an agenda or notes stay as single meetings) and starts a new one.
So the rule stored with every series always expands to exactly its occurrence rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.dates import format_day
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, ValidationFailed
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.meetings import recurrence
from mentorloom.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries, MeetingStatus, PrivateNote
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.models import Agreement, MeetingFormat, Mentorship, MentorshipStatus
from mentorloom.programs.models import Membership

MIN_MINUTES, MAX_MINUTES = 15, 480


@dataclass(frozen=True)
class Details:
    """How the pair meets, beside when: length, format and place (for in-person meetings)."""

    duration_minutes: int = 60
    format: MeetingFormat = MeetingFormat.VIDEO
    location: str = ""


def new_uid() -> str:
    return f"{uuid.uuid4()}@mentorloom"


def window(mentorship: Mentorship, agreement: Agreement | None) -> tuple[date, date]:
    """The days meetings may fall on: from the cycle's start to its planned end."""
    began = mentorship.cycle_started_at or mentorship.started_at or mentorship.created_at
    first = began.date()
    if mentorship.planned_end_on:
        return first, mentorship.planned_end_on
    months = agreement.planned_months if agreement else 12
    return first, first + relativedelta(months=months)


def require_active(mentorship: Mentorship) -> None:
    if mentorship.status is not MentorshipStatus.ACTIVE:
        raise Conflict(_("Meetings are planned while the mentorship is active."))


def one_side_erased(mentorship: Mentorship) -> bool:
    """One of the two people was erased: nobody can meet them, so the pair plans no meeting any more."""
    return any(member.user.erased_at is not None for member in (mentorship.mentor, mentorship.mentee))


# What is refused in a pair whose partner was erased, and why, named for each kind of write.
_PARTNER_GONE = {
    "plan": N_(
        "Your partner's account was removed, so no meeting can be planned in this mentorship. "
        "The program coordination will get in touch about how you go on."
    ),
    "agenda": N_(
        "Your partner's account was removed, so no topic can be added to a meeting's agenda in this mentorship. "
        "The program coordination will get in touch about how you go on."
    ),
    "action_item": N_(
        "Your partner's account was removed, so no action item can be added in this mentorship. "
        "The program coordination will get in touch about how you go on."
    ),
    "video": N_(
        "Your partner's account was removed, so no video link can be set for this mentorship. "
        "The program coordination will get in touch about how you go on."
    ),
}
Refused = Literal["plan", "agenda", "action_item", "video"]


def require_both_present(session: Session, mentorship: Mentorship, what: Refused = "plan") -> None:
    """Refuse a meeting with an erased person, or work towards one (`what`); read afresh, so called under the
    pair's lock it sees an erasure that has just ended (the erasure holds that lock while it stops the meetings)."""
    members = select(Membership.user_id).where(Membership.id.in_((mentorship.mentor_id, mentorship.mentee_id)))
    erased = session.scalar(select(User.id).where(User.id.in_(members), User.erased_at.is_not(None)).limit(1))
    if erased is not None:
        raise Conflict(_(_PARTNER_GONE[what]))


def require_in_window(mentorship: Mentorship, agreement: Agreement | None, day: date, field: str) -> None:
    first, last = window(mentorship, agreement)
    if not first <= day <= last:
        raise ValidationFailed(
            _(
                "Choose a day from %(start)s to %(end)s, the dates of your mentorship.",
                start=format_day(first),
                end=format_day(last),
            ),
            field=field,
        )


def check_details(details: Details) -> None:
    if not MIN_MINUTES <= details.duration_minutes <= MAX_MINUTES:
        raise ValidationFailed(
            _("Choose a length from %(min)s to %(max)s (minutes).", min=MIN_MINUTES, max=MAX_MINUTES),
            field="duration_minutes",
        )
    if len(details.location) > 300:
        raise ValidationFailed(_("The place is too long (at most 300 characters)."), field="location")


def active_series(session: Session, mentorship: Mentorship) -> MeetingSeries | None:
    return session.scalar(
        select(MeetingSeries)
        .where(MeetingSeries.mentorship_id == mentorship.id, MeetingSeries.ended_at.is_(None))
        .order_by(MeetingSeries.id.desc())
        .limit(1)
    )


def plan(
    session: Session,
    seat: Seat,
    plan: recurrence.Plan,
    details: Details,
    by: User,
    *,
    rule: str | None = None,
    now: datetime | None = None,
) -> tuple[MeetingSeries, MeetingSeries | None]:
    """Plan a series (replacing the current one from its first meeting on); returns it and the replaced one.

    `rule` lets an API client give its own RRULE (weekly or monthly) instead of the plan's cadence; `now` is
    injected by the demo, which plans a year that has mostly passed.
    """
    mentorship = seat.mentorship
    lock(session, mentorship)
    require_active(mentorship)
    require_both_present(session, mentorship)
    agreement = agreements.in_force(session, mentorship)
    if agreement is None:
        raise Conflict(_("Confirm your agreement first: the series follows its cadence."))
    check_details(details)
    if plan.until < plan.starts_on:
        raise ValidationFailed(_("The last day comes before the first."), field="until")
    require_in_window(mentorship, agreement, plan.starts_on, "starts_on")
    require_in_window(mentorship, agreement, plan.until, "until")
    # Stored as calendars read it: "RRULE:freq=weekly" went into the feed as a property named "RRULE:FREQ".
    text = rule.strip().upper().removeprefix("RRULE:") if rule is not None else recurrence.rule_for(plan)
    recurrence.parse_rule(text)
    # A plan starts with its next meeting; the rule starts there too, so it still expands to exactly the rows.
    now = now or utcnow()
    starts = [
        s for s in recurrence.occurrences(text, plan.starts_on, plan.local_time, plan.timezone, plan.until) if s > now
    ]
    if not starts:
        raise ValidationFailed(_("No meeting falls between the first and the last day."), field="until")
    first_day = starts[0].astimezone(recurrence.zone(plan.timezone)).date()
    replaced = active_series(session, mentorship)
    if replaced is not None:
        end_series(session, replaced, cut=starts[0])
    series = MeetingSeries(
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        agreement_id=agreement.id,
        cadence=plan.cadence,
        rrule=text,
        starts_on=first_day,
        local_time=plan.local_time,
        timezone=plan.timezone,
        until=plan.until,
        duration_minutes=details.duration_minutes,
        format=details.format,
        location=details.location,
        uid=new_uid(),
        created_by_id=by.id,
    )
    session.add(series)
    session.flush()
    length = timedelta(minutes=details.duration_minutes)
    session.add_all(
        Meeting(
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            series_id=series.id,
            original_start=start,
            starts_at=start,
            ends_at=start + length,
            timezone=plan.timezone,
            format=details.format,
            location=details.location,
            uid=series.uid,
            created_by_id=by.id,
        )
        for start in starts
    )
    session.flush()
    return series, replaced


def end_series(session: Session, series: MeetingSeries, cut: datetime) -> None:
    """End a series before `cut`: later untouched occurrences go, ones with something written become single."""
    later = list(
        session.scalars(
            select(Meeting).where(Meeting.series_id == series.id, Meeting.original_start >= cut).order_by(Meeting.id)
        )
    )
    ids = [m.id for m in later]
    # Anything written for a meeting keeps it: an agenda, an action item, or a private note (which the
    # meeting's deletion took with it, unseen by its author).
    written: set[int | None] = set()
    for column in (AgendaItem.meeting_id, ActionItem.meeting_id, PrivateNote.meeting_id):
        written.update(session.scalars(select(column).where(column.in_(ids))))
    for meeting in later:
        if meeting.status is MeetingStatus.SCHEDULED and not meeting.notes and meeting.id not in written:
            session.delete(meeting)
        else:  # keep what the pair wrote, outside the rule (it no longer produces this date)
            meeting.series_id, meeting.original_start, meeting.uid = None, None, new_uid()
            meeting.sequence += 1
    kept = session.scalar(
        select(Meeting.original_start)
        .where(Meeting.series_id == series.id, Meeting.original_start < cut)
        .order_by(Meeting.original_start.desc())
        .limit(1)
    )
    series.ended_at = utcnow()
    series.sequence += 1
    if kept is not None:  # the rule now ends with the last occurrence kept
        series.until = kept.astimezone(recurrence.zone(series.timezone)).date()
    session.flush()


def occurrences_of(session: Session, series: MeetingSeries) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.original_start)))


def cadence_changed(session: Session, mentorship: Mentorship) -> Agreement | None:
    """The agreement in force when its cadence differs from the running series': the pair may replan."""
    series = active_series(session, mentorship)
    agreement = agreements.in_force(session, mentorship)
    if series is None or agreement is None or agreement.cadence == series.cadence:
        return None
    return agreement
