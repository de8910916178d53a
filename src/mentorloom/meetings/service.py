"""Single meetings: adding, moving and cancelling them, whether they took place, and what happens in them.

Every function takes the caller's `Seat` (loaded and checked by the edge) and leaves the transaction to the
caller. A meeting of another mentorship is not found, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import signals
from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, stale
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.meetings import recurrence, series
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    FeedbackVisibility,
    Meeting,
    MeetingFeedback,
    MeetingStatus,
    PrivateNote,
)
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.models import Mentorship, Side

AGENDA_MAX = 1000
NOTES_MAX = 20_000
TEXT_MAX = 2000
Outcome = Literal["held", "missed", "moved"]


@dataclass(frozen=True)
class When:
    """A start as the person typed it: a local date and time in a named zone."""

    day: date
    at: datetime  # naive local date and time
    timezone: str

    def utc(self) -> datetime:
        return recurrence.to_utc(self.at, recurrence.zone(self.timezone))


def meeting_of(session: Session, seat: Seat, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.mentorship_id != seat.mentorship.id:
        raise NotFound(_("Meeting not found."))
    return meeting


def meetings(session: Session, seat: Seat, *, upcoming: bool | None = None, limit: int = 50) -> list[Meeting]:
    """The pair's meetings, cancelled ones included; upcoming ones soonest first, past ones latest first."""
    query = select(Meeting).where(Meeting.mentorship_id == seat.mentorship.id)
    now = utcnow()
    if upcoming is True:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at)
    elif upcoming is False:
        query = query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc())
    else:
        query = query.order_by(Meeting.starts_at)
    return list(session.scalars(query.limit(limit)))


def next_meeting(session: Session, seat: Seat) -> Meeting | None:
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.mentorship_id == seat.mentorship.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at >= utcnow(),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def _start_and_end(seat: Seat, session: Session, when: When, minutes: int) -> tuple[datetime, datetime]:
    series.check_details(series.Details(duration_minutes=minutes))
    series.require_in_window(seat.mentorship, agreements.in_force(session, seat.mentorship), when.day, "starts_at")
    start = when.utc()
    return start, start + timedelta(minutes=minutes)


def add_meeting(session: Session, seat: Seat, when: When, details: series.Details, by: User) -> Meeting:
    """An ad-hoc meeting beside the series (or a meeting that already happened, to record it)."""
    lock(session, seat.mentorship)
    series.require_active(seat.mentorship)
    series.require_both_present(session, seat.mentorship)
    series.check_details(details)
    start, end = _start_and_end(seat, session, when, details.duration_minutes)
    meeting = Meeting(
        mentorship_id=seat.mentorship.id,
        program_id=seat.mentorship.program_id,
        starts_at=start,
        ends_at=end,
        timezone=when.timezone,
        format=details.format,
        location=details.location,
        uid=series.new_uid(),
        created_by_id=by.id,
    )
    session.add(meeting)
    session.flush()
    return meeting


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise Conflict(_("This meeting was already cancelled or took place."))


def move(session: Session, seat: Seat, meeting: Meeting, when: When, minutes: int | None = None) -> Meeting:
    """Move one meeting (of the series or not); calendars get it with a higher SEQUENCE."""
    lock(session, seat.mentorship)
    _require_scheduled(meeting)
    series.require_both_present(session, seat.mentorship)
    length = minutes or int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    meeting.starts_at, meeting.ends_at = _start_and_end(seat, session, when, length)
    meeting.timezone = meeting.timezone if meeting.series_id else when.timezone
    meeting.moved = meeting.original_start is not None and meeting.starts_at != meeting.original_start
    _bump(meeting)
    return meeting


def cancel(session: Session, seat: Seat, meeting: Meeting) -> Meeting:
    """Cancel one meeting of the caller's pair; calendars get METHOD:CANCEL (the caller tells them)."""
    return cancel_in_pair(session, seat.mentorship, meeting)


def cancel_in_pair(session: Session, mentorship: Mentorship, meeting: Meeting) -> Meeting:
    """`cancel` without a caller's seat: for a job or an erasure acting on the pair."""
    if meeting.mentorship_id != mentorship.id:
        raise NotFound(_("Meeting not found."))
    lock(session, mentorship)
    _require_scheduled(meeting)
    meeting.status = MeetingStatus.CANCELLED
    _bump(meeting)
    return meeting


def _bump(meeting: Meeting) -> None:
    meeting.sequence += 1
    meeting.updated_at = utcnow()


def record_outcome(
    session: Session,
    seat: Seat,
    meeting: Meeting,
    outcome: Outcome,
    by: User,
    moved_to: When | None = None,
    *,
    now: datetime | None = None,
) -> Meeting:
    """After its start: did the meeting take place? Held, missed, or moved to another time.

    `now` is injected by the demo, which records a year of meetings that took place in the past.
    """
    lock(session, seat.mentorship)
    now = now or utcnow()
    if meeting.starts_at > now:
        raise Conflict(_("You can say whether a meeting took place once it has begun."))
    if meeting.status is MeetingStatus.CANCELLED:
        raise Conflict(_("This meeting was cancelled."))
    if outcome == "moved":
        if moved_to is None:
            raise ValidationFailed(_("Say when the meeting takes place instead."), field="starts_at")
        meeting.status = MeetingStatus.SCHEDULED
        move(session, seat, meeting, moved_to)
    else:
        meeting.status = MeetingStatus.HELD if outcome == "held" else MeetingStatus.MISSED
    meeting.outcome_by_id, meeting.outcome_at = by.id, now
    session.flush()
    if meeting.status is MeetingStatus.HELD:
        signals.emit(session, "meeting_held", seat.mentorship, meeting_id=meeting.id, at=now)
    return meeting


# --- in the meeting ------------------------------------------------------------------------------------


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("Please fill in this field."), field=field)
    if len(value) > limit:
        message = ngettext("At most %(num)s character, please.", "At most %(num)s characters, please.", limit)
        raise ValidationFailed(message, field=field)
    return value


def add_agenda_item(session: Session, seat: Seat, meeting: Meeting, text: str, by: User) -> AgendaItem:
    """A topic for the meeting; none in a pair whose partner was erased, since nobody meets them any more."""
    lock(session, seat.mentorship)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Conflict(_("This meeting was cancelled."))
    series.require_both_present(session, seat.mentorship, "agenda")
    item = AgendaItem(meeting_id=meeting.id, author_id=by.id, text=_text(text, "text", AGENDA_MAX))
    session.add(item)
    session.flush()
    return item


def remove_agenda_item(session: Session, meeting: Meeting, item_id: int, by: User) -> None:
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(_("Agenda item not found."))
    if item.author_id != by.id:
        raise PermissionDenied(_("Only its author removes an agenda item."))
    session.delete(item)
    session.flush()


def save_notes(session: Session, seat: Seat, meeting: Meeting, text: str, notes_version: int, by: User) -> Meeting:
    """Replace the shared notes; an edit of an older version answers 409 with the current one."""
    lock(session, seat.mentorship)
    session.refresh(meeting)
    if notes_version != meeting.notes_version:
        exc = stale(
            _("Your partner changed the notes meanwhile. Here is their version."), current=meeting.notes_version
        )
        exc.field = "notes_version"
        exc.errors = [
            {"field": "notes_version", "message": exc.detail, "current": meeting.notes_version, "notes": meeting.notes}
        ]
        raise exc
    meeting.notes = _text(text, "notes", NOTES_MAX, required=False)
    meeting.notes_version += 1
    meeting.notes_updated_by_id = by.id
    meeting.updated_at = utcnow()
    session.flush()
    return meeting


def private_note(session: Session, meeting: Meeting, author: User) -> PrivateNote | None:
    return session.scalar(
        select(PrivateNote).where(PrivateNote.meeting_id == meeting.id, PrivateNote.author_id == author.id)
    )


def save_private_note(session: Session, meeting: Meeting, text: str, author: User) -> PrivateNote:
    note = private_note(session, meeting, author)
    if note is None:
        note = PrivateNote(meeting_id=meeting.id, author_id=author.id)
        session.add(note)
    note.text = _text(text, "text", NOTES_MAX, required=False)
    note.updated_at = utcnow()
    session.flush()
    return note


def add_action_item(
    session: Session,
    seat: Seat,
    meeting: Meeting | None,
    title: str,
    owner: Side,
    due_on: date | None,
    by: User,
) -> ActionItem:
    """A to-do for a later meeting, so none in a pair whose partner was erased (there is no later meeting, and the
    erased side can do nothing). Open ones can still be ticked off."""
    lock(session, seat.mentorship)
    series.require_both_present(session, seat.mentorship, "action_item")
    item = ActionItem(
        mentorship_id=seat.mentorship.id,
        meeting_id=meeting.id if meeting else None,
        owner_side=owner,
        title=_text(title, "title", 500),
        due_on=due_on,
        created_by_id=by.id,
    )
    session.add(item)
    session.flush()
    return item


def action_item_of(session: Session, seat: Seat, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id)
    if item is None or item.mentorship_id != seat.mentorship.id:
        raise NotFound(_("Action item not found."))
    return item


def set_done(session: Session, item: ActionItem, done: bool, by: User) -> ActionItem:
    item.done_at, item.done_by_id = (utcnow(), by.id) if done else (None, None)
    session.flush()
    return item


def open_action_items(session: Session, seat: Seat) -> list[ActionItem]:
    """Not done yet, oldest first: they come along to every meeting until someone ticks them off."""
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.mentorship_id == seat.mentorship.id, ActionItem.done_at.is_(None))
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def action_items_of_meeting(session: Session, meeting: Meeting) -> list[ActionItem]:
    return list(session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id)))


# --- feedback ------------------------------------------------------------------------------------------


def give_feedback(
    session: Session,
    seat: Seat,
    meeting: Meeting,
    *,
    usefulness: int,
    went_well: str,
    to_change: str,
    visibility: FeedbackVisibility,
) -> MeetingFeedback:
    """One side's feedback on a held meeting; giving it again replaces it."""
    side = seat.require_pair()
    if meeting.status is not MeetingStatus.HELD:
        raise Conflict(_("Feedback follows a meeting that took place."))
    if not 1 <= usefulness <= 5:
        raise ValidationFailed(_("Rate from 1 to 5."), field="usefulness")
    found = session.scalar(
        select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.side == side)
    )
    now = utcnow()
    if found is not None and (found.created_at.year, found.created_at.month) != (now.year, now.month):
        # Coordinators see monthly figures once a month is over; a later change would move a closed month's
        # mean and give this one answer away.
        raise Conflict(_("Feedback can be changed in the month it was given; this month is over."))
    feedback = found or MeetingFeedback(
        meeting_id=meeting.id,
        mentorship_id=meeting.mentorship_id,
        program_id=meeting.program_id,
        side=side,
        created_at=now,
    )
    feedback.usefulness = usefulness
    feedback.went_well = _text(went_well, "went_well", TEXT_MAX, required=False)
    feedback.to_change = _text(to_change, "to_change", TEXT_MAX, required=False)
    feedback.visibility = visibility
    if found is None:
        session.add(feedback)
    session.flush()
    return feedback


def feedback_for(
    session: Session, seat: Seat, meeting: Meeting
) -> tuple[MeetingFeedback | None, MeetingFeedback | None]:
    """(mine, the partner's if they shared it with me) for one meeting."""
    rows = {f.side: f for f in session.scalars(select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id))}
    mine = rows.get(seat.side) if seat.side else None
    theirs = rows.get(seat.partner_side) if seat.partner_side else None
    if theirs is not None and theirs.visibility is not FeedbackVisibility.PARTNER:
        theirs = None
    return mine, theirs


@dataclass(frozen=True)
class TrendPoint:
    meeting_id: int
    starts_at: datetime
    mine: int | None
    partner: int | None  # only when the partner shared it with me


def feedback_trend(session: Session, seat: Seat, limit: int = 12) -> list[TrendPoint]:
    """Usefulness per held meeting, oldest first, as this person may see it."""
    held = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.mentorship_id == seat.mentorship.id, Meeting.status == MeetingStatus.HELD)
            .order_by(Meeting.starts_at.desc())
            .limit(limit)
        )
    )
    rows = session.scalars(select(MeetingFeedback).where(MeetingFeedback.meeting_id.in_([m.id for m in held])))
    by_meeting: dict[tuple[int, Side], MeetingFeedback] = {(f.meeting_id, f.side): f for f in rows}
    points = []
    for meeting in reversed(held):
        mine = by_meeting.get((meeting.id, seat.side)) if seat.side else None
        theirs = by_meeting.get((meeting.id, seat.partner_side)) if seat.partner_side else None
        shared = theirs is not None and theirs.visibility is FeedbackVisibility.PARTNER
        points.append(
            TrendPoint(
                meeting.id,
                meeting.starts_at,
                mine.usefulness if mine else None,
                theirs.usefulness if shared and theirs else None,
            )
        )
    return points
