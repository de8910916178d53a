"""From meeting rows to what the API and the pages show, as the reader may see it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.meetings import markdown, service, video
from mentorloom.meetings.models import ActionItem, Meeting, MeetingFeedback, MeetingSeries
from mentorloom.meetings.schemas import (
    ActionItemOut,
    AgendaOut,
    FeedbackOut,
    MeetingDetailOut,
    MeetingOut,
    SeriesOut,
)
from mentorloom.mentorships import queries
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import MeetingFormat, Mentorship
from mentorloom.profiles.models import Profile


def zone_of(session: Session, seat: Seat) -> str:
    """The reader's own zone: their profile's in this program; a coordinator's page zone is set per request."""
    if seat.side is None:
        from mentorloom import dates

        return dates.get_timezone()
    membership = seat.mentorship.mentor if seat.side.value == "mentor" else seat.mentorship.mentee
    profile = session.get(Profile, membership.id)
    return profile.timezone if profile and profile.timezone else "UTC"


def partner_zone(session: Session, seat: Seat) -> str:
    membership = seat.mentorship.mentee if seat.side and seat.side.value == "mentor" else seat.mentorship.mentor
    profile = session.get(Profile, membership.id)
    return profile.timezone if profile and profile.timezone else "UTC"


def in_zone(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def video_for(session: Session, settings: Settings, mentorship: Mentorship, meeting: Meeting) -> str | None:
    if meeting.format is not MeetingFormat.VIDEO:
        return None
    return video.video_url(settings, video.pair_settings(session, mentorship))


def meeting_out(session: Session, settings: Settings, seat: Seat, meeting: Meeting, zone: str) -> MeetingOut:
    return MeetingOut(
        id=meeting.id,
        series_id=meeting.series_id,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=meeting.timezone,
        local_start=in_zone(meeting.starts_at, zone).isoformat(),
        format=meeting.format,
        location=meeting.location,
        video_url=video_for(session, settings, seat.mentorship, meeting),
        status=meeting.status,
        moved=meeting.moved,
        sequence=meeting.sequence,
    )


def action_out(item: ActionItem) -> ActionItemOut:
    return ActionItemOut(
        id=item.id,
        title=item.title,
        owner=item.owner_side,
        due_on=item.due_on,
        done=item.done_at is not None,
        meeting_id=item.meeting_id,
    )


def feedback_out(feedback: MeetingFeedback | None) -> FeedbackOut | None:
    if feedback is None:
        return None
    return FeedbackOut(
        side=feedback.side,
        usefulness=feedback.usefulness,
        went_well=feedback.went_well,
        to_change=feedback.to_change,
        visibility=feedback.visibility,
    )


def detail_out(session: Session, settings: Settings, seat: Seat, meeting: Meeting) -> MeetingDetailOut:
    """Everything of one meeting the reader may see: their own private note and the feedback shared with them."""
    names = queries.names(seat.mentorship, session, {a.author_id for a in meeting.agenda})
    mine, theirs = service.feedback_for(session, seat, meeting)
    note = service.private_note(session, meeting, seat.user)
    here = service.action_items_of_meeting(session, meeting)
    carried = [i for i in service.open_action_items(session, seat) if i.meeting_id != meeting.id]
    base = meeting_out(session, settings, seat, meeting, zone_of(session, seat))
    return MeetingDetailOut(
        **base.model_dump(),
        agenda=[
            AgendaOut(
                id=a.id,
                text=a.text,
                author=names.get(a.author_id, ""),
                mine=a.author_id == seat.user.id,
                created_at=a.created_at,
            )
            for a in meeting.agenda
        ],
        notes=meeting.notes,
        notes_html=str(markdown.render(meeting.notes)),
        notes_version=meeting.notes_version,
        action_items=[action_out(i) for i in here],
        open_action_items=[action_out(i) for i in carried],
        private_note=note.text if note else "",
        my_feedback=feedback_out(mine),
        partner_feedback=feedback_out(theirs),
    )


def series_out(item: MeetingSeries, count: int, agreement_cadence: object) -> SeriesOut:
    return SeriesOut(
        id=item.id,
        cadence=item.cadence,
        rrule=item.rrule,
        starts_on=item.starts_on,
        until=item.until,
        local_time=item.local_time,
        timezone=item.timezone,
        duration_minutes=item.duration_minutes,
        format=item.format,
        location=item.location,
        uid=item.uid,
        sequence=item.sequence,
        meetings=count,
        agreement_cadence=agreement_cadence,  # type: ignore[arg-type]
    )
