"""/api/v1/programs/{id}/events: program events, invitations and answers (RSVP) with a waiting list.

Coordinators plan events for the program; mentors plan events for their own mentees. An event someone may not
see answers 404, as another program's does. Importing this module (or the events pages) adds events to the
personal calendar feed.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mentorloom.engagement import events, events_calendar
from mentorloom.engagement.models import Event
from mentorloom.engagement.schemas.events import (
    CountsOut,
    EventDetailOut,
    EventIn,
    EventOut,
    InviteIn,
    InviteOut,
    PersonOut,
    RsvpIn,
    RsvpOut,
)
from mentorloom.meetings import feed
from mentorloom.pagination import Page
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, AppSettings, DbSession

router = APIRouter()
EVENTS = "/programs/{program_id}/events"

feed.register_feed_source("engagement.events", events_calendar.feed_part)


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        program_id=event.program_id,
        title=event.title,
        description=event.description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        location=event.location,
        online_url=event.online_url,
        capacity=event.capacity,
        audience=event.audience,
        uid=event.uid,
        sequence=event.sequence,
        cancelled=event.cancelled_at is not None,
        created_by_id=event.created_by_id,
        created_at=event.created_at,
    )


def rsvp_out(mine: events.MyAnswer) -> RsvpOut:
    return RsvpOut(answer=mine.rsvp.answer if mine.rsvp else None, seated=mine.seated, waiting_position=mine.position)


def detail_out(session: Session, access: events.Access) -> EventDetailOut:
    event = access.event
    tally = events.counts(session, event)
    people = None
    if access.may_edit:
        people = [
            PersonOut(membership_id=g.membership_id, name=g.name, answer=g.answer, waiting_position=g.waiting_position)
            for g in events.guests(session, access)
        ]
    return EventDetailOut(
        **event_out(event).model_dump(),
        counts=CountsOut(**tally.__dict__),
        my_rsvp=rsvp_out(events.my_answer(session, event, access.user)),
        may_answer=access.may_answer,
        may_edit=access.may_edit,
        people=people,
    )


@router.get(EVENTS, response_model=Page[EventOut])
def list_events(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    when: Literal["upcoming", "past"] = "upcoming",
    page: int = Query(default=1, ge=1, le=100_000),
    per_page: int = Query(default=events.PER_PAGE, ge=1, le=100),
) -> Page[EventOut]:
    """The events you may see: upcoming (soonest first, running ones included) or past (latest first)."""
    seat = events.program_seat(session, user, program_id)
    return events.list_events(session, seat, when, page, per_page=per_page).as_page(event_out)


@router.post(EVENTS, response_model=EventDetailOut, status_code=201)
def create_event(
    program_id: ObjectId, body: EventIn, user: ApiUser, session: DbSession, settings: AppSettings
) -> EventDetailOut:
    """Create an event (coordinators, and mentors for their own mentees). `audience=program` (coordinators
    only) invites everyone in the program by mail; otherwise invite people with the invitations endpoint."""
    seat = events.program_seat(session, user, program_id)
    event = events.create_event(session, settings, seat, body)
    return detail_out(session, events.event_access(session, user, program_id, event.id))


@router.get(f"{EVENTS}/{{event_id}}", response_model=EventDetailOut)
def get_event(program_id: ObjectId, event_id: ObjectId, user: ApiUser, session: DbSession) -> EventDetailOut:
    """The event with seats, your answer and waiting-list position; names of guests only for its organizers."""
    return detail_out(session, events.event_access(session, user, program_id, event_id))


@router.put(f"{EVENTS}/{{event_id}}", response_model=EventDetailOut)
def update_event(
    program_id: ObjectId, event_id: ObjectId, body: EventIn, user: ApiUser, session: DbSession, settings: AppSettings
) -> EventDetailOut:
    """Change the event (all fields): its SEQUENCE goes up and everyone invited gets the update by mail. A higher
    capacity gives seats to people waiting; a lower one takes no seat away."""
    access = events.event_access(session, user, program_id, event_id)
    events.update_event(session, settings, access, body)
    return detail_out(session, access)


@router.post(f"{EVENTS}/{{event_id}}/cancel", response_model=EventDetailOut)
def cancel_event(
    program_id: ObjectId, event_id: ObjectId, user: ApiUser, session: DbSession, settings: AppSettings
) -> EventDetailOut:
    """Cancel the event: everyone invited or who said yes or maybe gets a cancellation (METHOD:CANCEL)."""
    access = events.event_access(session, user, program_id, event_id)
    events.cancel_event(session, settings, access)
    return detail_out(session, access)


@router.post(f"{EVENTS}/{{event_id}}/invitations", response_model=InviteOut)
def invite(
    program_id: ObjectId, event_id: ObjectId, body: InviteIn, user: ApiUser, session: DbSession, settings: AppSettings
) -> InviteOut:
    """Invite people (membership ids), pairs (both people) or, coordinators only, the whole program. A mentor may
    invite only the mentees of their own mentorships. Each new guest gets an invitation with a calendar file."""
    access = events.event_access(session, user, program_id, event_id)
    count = events.invite(session, settings, access, body)
    return InviteOut(invited=count, audience=access.event.audience)


@router.put(f"{EVENTS}/{{event_id}}/rsvp", response_model=RsvpOut)
def answer(
    program_id: ObjectId, event_id: ObjectId, body: RsvpIn, user: ApiUser, session: DbSession, settings: AppSettings
) -> RsvpOut:
    """Answer yes, no or maybe. A yes when the event is full puts you on the waiting list; when a seat frees up,
    the first person waiting gets it and is told."""
    access = events.event_access(session, user, program_id, event_id)
    events.answer(session, settings, access, body.answer)
    return rsvp_out(events.my_answer(session, access.event, user))


@router.get(
    f"{EVENTS}/{{event_id}}/ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "The event as an iCalendar file"}},
)
def event_ics(
    program_id: ObjectId, event_id: ObjectId, user: ApiUser, session: DbSession, settings: AppSettings
) -> Response:
    """The event as a calendar file, to add it to a calendar by hand."""
    access = events.event_access(session, user, program_id, event_id)
    return Response(
        events_calendar.download(settings, access.event),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="event.ics"'},
    )
