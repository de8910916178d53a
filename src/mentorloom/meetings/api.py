"""/api/v1/programs/{id}/mentorships/{id}/meetings: the series, single meetings, agenda, notes, action items,
private notes and feedback; /api/v1/account/calendar-feed; /api/v1/programs/{id}/meetings/overdue.

The pair's meetings are the two people's own: coordinators get 403 here and see only overdue figures.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select

from mentorloom.meetings import feed, figures, notices, overdue, planning, presenters, series, service, video
from mentorloom.meetings.models import Meeting
from mentorloom.meetings.schemas import (
    ActionDoneIn,
    ActionItemIn,
    ActionItemOut,
    AgendaIn,
    FeedbackIn,
    FeedOut,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    MonthFiguresOut,
    MoveIn,
    NotesIn,
    OutcomeIn,
    OverdueOut,
    PrivateNoteIn,
    SeriesIn,
    SeriesOut,
    SlotOut,
    SlotTimeOut,
    TrendOut,
    VideoIn,
    VideoOut,
)
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId
from mentorloom.web.deps import ApiUser, AppSettings, DbSession

router = APIRouter(tags=["meetings"], responses=PROBLEM_RESPONSES)
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
_WHO = {"first": "mentor", "second": "mentee"}  # find-a-time plans in the mentor's zone first


def _seat(session: DbSession, user: ApiUser, program_id: int, mentorship_id: int) -> Seat:
    return pair_seat(session, user, program_id, mentorship_id)


# --- the series -------------------------------------------------------------------------------------


@router.get(f"{PAIR}/meetings/series", response_model=SeriesOut | None)
def get_series(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> SeriesOut | None:
    """The running series, or null when none is planned."""
    seat = _seat(session, user, program_id, mentorship_id)
    item = series.active_series(session, seat.mentorship)
    if item is None:
        return None
    count = session.scalar(select(func.count()).select_from(Meeting).where(Meeting.series_id == item.id)) or 0
    agreement = agreements.in_force(session, seat.mentorship)
    return presenters.series_out(item, count, agreement.cadence if agreement else None)


@router.post(f"{PAIR}/meetings/series", response_model=SeriesOut, status_code=201)
def plan_series(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    body: SeriesIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> SeriesOut:
    """Plan the series from the agreement's cadence (replacing the running one from its first new meeting)."""
    seat = _seat(session, user, program_id, mentorship_id)
    plan = planning.plan_of(session, seat, body)
    item, replaced = series.plan(session, seat, plan, planning.details_of(body), user, rule=body.rrule)
    notices.series_planned(session, settings, seat, item, replaced)
    count = len(series.occurrences_of(session, item))
    agreement = agreements.in_force(session, seat.mentorship)
    return presenters.series_out(item, count, agreement.cadence if agreement else None)


@router.get(f"{PAIR}/meetings/suggestions", response_model=list[SlotOut])
def suggest(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    duration_minutes: int = Query(default=60, ge=15, le=480),
) -> list[SlotOut]:
    """Find a time: the three best recurring slots in both people's availability, in both local times."""
    seat = _seat(session, user, program_id, mentorship_id)
    return [
        SlotOut(
            mentor=SlotTimeOut(weekday=s.weekday, time=s.start.strftime("%H:%M"), timezone=s.timezone),
            mentee=SlotTimeOut(
                weekday=s.second_weekday, time=s.second_start.strftime("%H:%M"), timezone=s.second_timezone
            ),
            fit=round(s.fit, 3),
            moved_out=[
                {
                    "date": m.on.isoformat(),
                    "who": "mentor" if m.who == "first" else "mentee",
                    "time": str(m.local_start),
                }
                for m in s.moved_out
            ],
        )
        for s in planning.suggestions(session, seat, duration_minutes=duration_minutes)
    ]


# --- meetings --------------------------------------------------------------------------------------------


@router.get(f"{PAIR}/meetings", response_model=list[MeetingOut])
def list_meetings(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
    when: Literal["upcoming", "past", "all"] = "upcoming",
    limit: int = Query(default=50, ge=1, le=400),
) -> list[MeetingOut]:
    """Upcoming meetings soonest first, past ones latest first, or all in order."""
    seat = _seat(session, user, program_id, mentorship_id)
    upcoming = {"upcoming": True, "past": False, "all": None}[when]
    zone = presenters.zone_of(session, seat)
    found = service.meetings(session, seat, upcoming=upcoming, limit=limit)
    return [presenters.meeting_out(session, settings, seat, m, zone) for m in found]


@router.post(f"{PAIR}/meetings", response_model=MeetingDetailOut, status_code=201)
def add_meeting(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    body: MeetingIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """An extra meeting beside the series (or one that took place, to record it)."""
    seat = _seat(session, user, program_id, mentorship_id)
    when = planning.when_of(body.starts_at, body.timezone)
    meeting = service.add_meeting(session, seat, when, planning.details_of(body), user)
    notices.meeting_changed(session, settings, seat, meeting)
    return presenters.detail_out(session, settings, seat, meeting)


def _meeting(session: DbSession, user: ApiUser, program_id: int, mentorship_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat = _seat(session, user, program_id, mentorship_id)
    return seat, service.meeting_of(session, seat, meeting_id)


@router.get(f"{PAIR}/meetings/{{meeting_id}}", response_model=MeetingDetailOut)
def get_meeting(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    return presenters.detail_out(session, settings, seat, meeting)


@router.post(f"{PAIR}/meetings/{{meeting_id}}/move", response_model=MeetingDetailOut)
def move_meeting(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: MoveIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """Move one meeting; both get an updated invitation (a higher SEQUENCE)."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.move(
        session,
        seat,
        meeting,
        planning.when_of(body.starts_at, body.timezone or meeting.timezone),
        body.duration_minutes,
    )
    notices.meeting_changed(session, settings, seat, meeting)
    return presenters.detail_out(session, settings, seat, meeting)


@router.post(f"{PAIR}/meetings/{{meeting_id}}/cancel", response_model=MeetingDetailOut)
def cancel_meeting(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """Cancel one meeting; both calendars get METHOD:CANCEL."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.cancel(session, seat, meeting)
    notices.meeting_changed(session, settings, seat, meeting)
    return presenters.detail_out(session, settings, seat, meeting)


@router.post(f"{PAIR}/meetings/{{meeting_id}}/outcome", response_model=MeetingDetailOut)
def record_outcome(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: OutcomeIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """Did it take place? held, missed, or moved (with the new time)."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    moved_to = planning.when_of(body.starts_at, body.timezone or meeting.timezone) if body.starts_at else None
    service.record_outcome(session, seat, meeting, body.outcome, user, moved_to)
    if body.outcome == "moved":
        notices.meeting_changed(session, settings, seat, meeting)
    return presenters.detail_out(session, settings, seat, meeting)


@router.post(f"{PAIR}/meetings/{{meeting_id}}/agenda", response_model=MeetingDetailOut, status_code=201)
def add_agenda_item(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: AgendaIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.add_agenda_item(session, seat, meeting, body.text, user)
    session.refresh(meeting)
    return presenters.detail_out(session, settings, seat, meeting)


@router.delete(f"{PAIR}/meetings/{{meeting_id}}/agenda/{{item_id}}", status_code=204)
def remove_agenda_item(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    item_id: ObjectId,
    user: ApiUser,
    session: DbSession,
) -> Response:
    """Remove an agenda item you added."""
    _, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.remove_agenda_item(session, meeting, item_id, user)
    return Response(status_code=204)


@router.put(f"{PAIR}/meetings/{{meeting_id}}/notes", response_model=MeetingDetailOut)
def save_notes(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: NotesIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """Replace the shared notes (Markdown); a stale `notes_version` answers 409 with the current notes."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.save_notes(session, seat, meeting, body.notes, body.notes_version, user)
    return presenters.detail_out(session, settings, seat, meeting)


@router.put(f"{PAIR}/meetings/{{meeting_id}}/private-note", response_model=MeetingDetailOut)
def save_private_note(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: PrivateNoteIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """Your own note on this meeting: nobody else ever reads it."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.save_private_note(session, meeting, body.text, user)
    return presenters.detail_out(session, settings, seat, meeting)


@router.post(f"{PAIR}/meetings/{{meeting_id}}/action-items", response_model=ActionItemOut, status_code=201)
def add_action_item(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: ActionItemIn,
    user: ApiUser,
    session: DbSession,
) -> ActionItemOut:
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    item = service.add_action_item(session, seat, meeting, body.title, body.owner, body.due_on, user)
    return presenters.action_out(item)


@router.get(f"{PAIR}/action-items", response_model=list[ActionItemOut])
def open_action_items(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[ActionItemOut]:
    """Open action items of the pair, due first."""
    seat = _seat(session, user, program_id, mentorship_id)
    return [presenters.action_out(i) for i in service.open_action_items(session, seat)]


@router.patch(f"{PAIR}/action-items/{{item_id}}", response_model=ActionItemOut)
def set_action_item_done(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    item_id: ObjectId,
    body: ActionDoneIn,
    user: ApiUser,
    session: DbSession,
) -> ActionItemOut:
    seat = _seat(session, user, program_id, mentorship_id)
    item = service.set_done(session, service.action_item_of(session, seat, item_id), body.done, user)
    return presenters.action_out(item)


@router.put(f"{PAIR}/meetings/{{meeting_id}}/feedback", response_model=MeetingDetailOut)
def give_feedback(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    body: FeedbackIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> MeetingDetailOut:
    """After a held meeting: how useful was it (1-5), what went well, what to change, and who sees it."""
    seat, meeting = _meeting(session, user, program_id, mentorship_id, meeting_id)
    service.give_feedback(
        session,
        seat,
        meeting,
        usefulness=body.usefulness,
        went_well=body.went_well,
        to_change=body.to_change,
        visibility=body.visibility,
    )
    return presenters.detail_out(session, settings, seat, meeting)


@router.get(f"{PAIR}/meetings-feedback/trend", response_model=list[TrendOut])
def feedback_trend(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> list[TrendOut]:
    """Usefulness of the last held meetings: yours, and your partner's where they shared it."""
    seat = _seat(session, user, program_id, mentorship_id)
    return [TrendOut(**vars(p)) for p in service.feedback_trend(session, seat)]


@router.get(f"{PAIR}/meetings-video", response_model=VideoOut)
def get_video(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, settings: AppSettings
) -> VideoOut:
    seat = _seat(session, user, program_id, mentorship_id)
    pair = video.pair_settings(session, seat.mentorship)
    return VideoOut(video_url=video.video_url(settings, pair), fixed_link=bool(pair.video_link))


@router.put(f"{PAIR}/meetings-video", response_model=VideoOut)
def set_video(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    body: VideoIn,
    user: ApiUser,
    session: DbSession,
    settings: AppSettings,
) -> VideoOut:
    """A fixed link of your own (Teams, Zoom, …) for video meetings; empty: your pair's own Jitsi room."""
    seat = _seat(session, user, program_id, mentorship_id)
    pair = video.set_fixed_link(session, seat.mentorship, body.video_link)
    return VideoOut(video_url=video.video_url(settings, pair), fixed_link=bool(pair.video_link))


# --- coordination ------------------------------------------------------------------------------------------


@router.get("/programs/{program_id}/meetings/overdue", response_model=list[OverdueOut])
def overdue_pairs(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[OverdueOut]:
    """Pairs with no meeting held for the program's overdue factor × their agreed interval."""
    program = program_for(session, user, program_id, Action.VIEW_MENTORSHIP)
    return [
        OverdueOut(
            mentorship_id=o.mentorship_id,
            overdue=o.overdue,
            days_since=o.days_since,
            allowed_days=o.allowed_days,
            last_held_at=o.last_held_at,
        )
        for o in overdue.overdue_in_program(session, program)
    ]


@router.get("/programs/{program_id}/meetings/figures", response_model=list[MonthFiguresOut])
def feedback_figures(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[MonthFiguresOut]:
    """Meeting feedback of the whole program per closed month (means from 5 answers on; private ones never)."""
    program_for(session, user, program_id, Action.VIEW_REVIEW_FIGURES)
    return [MonthFiguresOut(**vars(f)) for f in figures.monthly(session, program_id)]


# --- calendar feed --------------------------------------------------------------------------------------


def _feed_out(row: object | None, url: str | None = None) -> FeedOut:
    return FeedOut(
        active=row is not None,
        created_at=getattr(row, "created_at", None),
        last_used_at=getattr(row, "last_used_at", None),
        url=url,
    )


@router.get("/account/calendar-feed", response_model=FeedOut)
def get_feed(user: ApiUser, session: DbSession) -> FeedOut:
    """Whether your calendar feed is on (its address is shown only when it is made)."""
    return _feed_out(feed.feed_of(session, user))


@router.post("/account/calendar-feed", response_model=FeedOut, status_code=201)
def make_feed(user: ApiUser, session: DbSession, settings: AppSettings) -> FeedOut:
    """Make a new secret feed address (the old one stops working)."""
    raw = feed.new_token(session, user)
    return _feed_out(feed.feed_of(session, user), feed.feed_url(settings, raw))


@router.delete("/account/calendar-feed", status_code=204)
def revoke_feed(user: ApiUser, session: DbSession) -> Response:
    feed.revoke(session, user)
    return Response(status_code=204)
