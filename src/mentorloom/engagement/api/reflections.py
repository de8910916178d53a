"""/api/v1 endpoints of reflections and the pair's lessons learned: the two people's own words (coordinators
403, outsiders 404). A private reflection is its author's alone; a partner one both of them read."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mentorloom.engagement import reflections
from mentorloom.engagement.models import Reflection
from mentorloom.engagement.schemas.reflections import LessonsOut, ReflectionIn, ReflectionOut, ReflectionPatchIn
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"


def reflection_out(seat: Seat, r: Reflection) -> ReflectionOut:
    return ReflectionOut(
        id=r.id,
        challenge=r.challenge,
        what_happened=r.what_happened,
        learned=r.learned,
        next_time=r.next_time,
        goal_key=r.goal_key,
        meeting_id=r.meeting_id,
        visibility=r.visibility,
        author_side=r.author_side,
        mine=r.author_id == seat.user.id,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


@router.get(f"{PAIR}/reflections", response_model=list[ReflectionOut])
def list_reflections(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[ReflectionOut]:
    """The shared reflections of the pair and your own private ones, newest first."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return [reflection_out(seat, r) for r in reflections.of_pair(session, seat)]


@router.post(f"{PAIR}/reflections", response_model=ReflectionOut, status_code=201)
def write_reflection(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReflectionIn, user: ApiUser, session: DbSession
) -> ReflectionOut:
    """A challenge or mistake → what happened → what we learned → what we'll do differently."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return reflection_out(seat, reflections.create(session, seat, body.model_dump()))


@router.get(f"{PAIR}/reflections/{{reflection_id}}", response_model=ReflectionOut)
def get_reflection(
    program_id: ObjectId, mentorship_id: ObjectId, reflection_id: ObjectId, user: ApiUser, session: DbSession
) -> ReflectionOut:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return reflection_out(seat, reflections.reflection_of(session, seat, reflection_id))


@router.patch(f"{PAIR}/reflections/{{reflection_id}}", response_model=ReflectionOut)
def change_reflection(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    reflection_id: ObjectId,
    body: ReflectionPatchIn,
    user: ApiUser,
    session: DbSession,
) -> ReflectionOut:
    """Change your reflection or who may read it (its author only)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    found = reflections.reflection_of(session, seat, reflection_id)
    return reflection_out(seat, reflections.update(session, seat, found, body.model_dump(exclude_unset=True)))


@router.delete(f"{PAIR}/reflections/{{reflection_id}}", status_code=204)
def delete_reflection(
    program_id: ObjectId, mentorship_id: ObjectId, reflection_id: ObjectId, user: ApiUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    reflections.delete(session, seat, reflections.reflection_of(session, seat, reflection_id))
    return Response(status_code=204)


@router.get(f"{PAIR}/lessons", response_model=LessonsOut)
def lessons(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> LessonsOut:
    """The shared lessons as plain text, ready for the closing retrospective's "What we learned"."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return LessonsOut(text=reflections.lessons_text(session, seat), count=len(reflections.shared(session, seat)))
