"""/api/v1/programs/{id}/mentorships/{id}/messages: the pair's conversation; /api/v1/me/messages/unread.

Only the two people of the pair read or write here: coordinators (and the instance administrator) get 403,
anyone else 404. Listing does not mark anything read; `POST .../messages/read` does (the page does it when open).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mentorloom.engagement import messages
from mentorloom.engagement.messages_text import render
from mentorloom.engagement.models import Message
from mentorloom.engagement.schemas.messages import (
    MessageIn,
    MessageOut,
    MessagePageOut,
    ReadIn,
    UnreadOut,
    UnreadTotalOut,
)
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.models import Side
from mentorloom.web.api_common import MAX_ID, ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
MessageId = Annotated[int | None, Query(ge=0, le=MAX_ID)]


def _seat(session: DbSession, user: ApiUser, program_id: int, mentorship_id: int) -> Seat:
    return pair_seat(session, user, program_id, mentorship_id)


def author_name(seat: Seat, side: Side) -> str:
    member = seat.mentorship.mentor if side is Side.MENTOR else seat.mentorship.mentee
    return member.user.display_name


def message_out(seat: Seat, message: Message) -> MessageOut:
    deleted = message.deleted_at is not None
    mine = messages.is_mine(seat, message)
    return MessageOut(
        id=message.id,
        author_side=message.author_side,
        mine=mine,
        author_name=author_name(seat, message.author_side),
        body=None if deleted else message.body,
        html=None if deleted else str(render(message.body)),
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted=deleted,
        editable_until=messages.edit_until(message) if mine and not deleted else None,
    )


def _unread(session: DbSession, seat: Seat) -> UnreadOut:
    cursor = messages.cursor_of(session, seat.mentorship.id, seat.user.id)
    return UnreadOut(unread=messages.unread_count(session, seat), last_read_id=cursor.last_read_id if cursor else 0)


@router.get(f"{PAIR}/messages", response_model=MessagePageOut)
def list_messages(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    after_id: MessageId = None,
    before_id: MessageId = None,
    limit: int = Query(default=messages.PAGE_SIZE, ge=1, le=messages.POLL_MAX),
) -> MessagePageOut:
    """The latest messages oldest first; `before_id` pages back, `after_id` polls for newer ones (not both).

    Deleted messages stay in the list (body null, `deleted` true) so the conversation keeps its order.
    """
    seat = _seat(session, user, program_id, mentorship_id)
    if after_id is not None and before_id is not None:
        raise ValidationFailed(_("Give either after_id or before_id, not both."), field="after_id")
    if after_id is not None:
        found, older = messages.after(session, seat, after_id, limit=limit), False
    else:
        page = messages.page(session, seat, before_id=before_id, limit=limit)
        found, older = page.messages, page.has_older
    state = _unread(session, seat)
    return MessagePageOut(
        messages=[message_out(seat, m) for m in found],
        has_older=older,
        unread=state.unread,
        last_read_id=state.last_read_id,
        writable=messages.writable(seat.mentorship),
    )


@router.post(f"{PAIR}/messages", response_model=MessageOut, status_code=201)
def send_message(
    program_id: ObjectId, mentorship_id: ObjectId, body: MessageIn, user: ApiUser, session: DbSession
) -> MessageOut:
    """Send a message to the partner (only while the mentorship is active, paused or completing)."""
    seat = _seat(session, user, program_id, mentorship_id)
    return message_out(seat, messages.send(session, seat, body.body))


# `:int`: the words after /messages/ (read, unread) never reach the message routes, so a URL has one set of methods.
@router.patch(f"{PAIR}/messages/{{message_id:int}}", response_model=MessageOut)
def edit_message(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    message_id: ObjectId,
    body: MessageIn,
    user: ApiUser,
    session: DbSession,
) -> MessageOut:
    """Correct one's own message within 15 minutes of sending (409 after that; 403 for the partner's)."""
    seat = _seat(session, user, program_id, mentorship_id)
    message = messages.message_of(session, seat, message_id)
    return message_out(seat, messages.edit(session, seat, message, body.body))


@router.delete(f"{PAIR}/messages/{{message_id:int}}", response_model=MessageOut)
def delete_message(
    program_id: ObjectId, mentorship_id: ObjectId, message_id: ObjectId, user: ApiUser, session: DbSession
) -> MessageOut:
    """Delete one's own message (its text is removed; "message deleted" stays in its place). 403 for the partner's."""
    seat = _seat(session, user, program_id, mentorship_id)
    message = messages.message_of(session, seat, message_id)
    return message_out(seat, messages.delete(session, seat, message))


@router.post(f"{PAIR}/messages/read", response_model=UnreadOut)
def mark_read(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, body: ReadIn | None = None
) -> UnreadOut:
    """Mark the conversation read up to `up_to_id` (default: all of it); the cursor never moves back."""
    seat = _seat(session, user, program_id, mentorship_id)
    messages.mark_read(session, seat, body.up_to_id if body else None)
    return _unread(session, seat)


@router.get(f"{PAIR}/messages/unread", response_model=UnreadOut)
def unread(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> UnreadOut:
    """The caller's unread messages in this conversation."""
    return _unread(session, _seat(session, user, program_id, mentorship_id))


@router.get("/me/messages/unread", response_model=UnreadTotalOut)
def unread_total(user: ApiUser, session: DbSession) -> UnreadTotalOut:
    """The caller's unread messages over all their pairs (the header's count), and per mentorship."""
    by_pair = messages.unread_by_pair(session, user.id)
    return UnreadTotalOut(unread=sum(by_pair.values()), by_mentorship=by_pair)
