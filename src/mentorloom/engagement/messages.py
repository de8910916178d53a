"""The pair's conversation: sending, editing for 15 minutes, deleting one's own, reading and unread counts.

Only the two people of the pair read or write here: every function takes a `Seat` loaded with `pair_seat`
(coordinators 403, outsiders 404) and leaves the transaction to the caller. A person's read cursor
(`MessageCursor.last_read_id`) says how far they have read; their unread count is the number of the partner's
messages after it (deleted ones do not count, one's own never). The conversation takes new messages while the
mentorship runs (active, paused, completing) and stays readable, unchanged, after it ended.
The batched mail about unread messages is `messages_mail.send_mails` (the `engagement.message_mail` job).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.engagement.models import Message, MessageCursor
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mentorloom.i18n import N_, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, Side
from mentorloom.notifications.kinds import register_kind
from mentorloom.programs.models import Membership

register_kind("pair_message", N_("New messages from your mentoring partner (one mail for several)"))

BODY_MAX = 4000
EDIT_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 30  # messages per page; older ones page backwards
POLL_MAX = 100  # a poll answers at most this many new messages (the next poll brings the rest)
WRITABLE = frozenset({MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING})


@dataclass(frozen=True)
class Page:
    """Messages oldest first, and whether older ones exist before the first."""

    messages: list[Message]
    has_older: bool


def url_of(seat: Seat) -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}/messages"


def edit_closed() -> str:
    return _("A message can be edited for 15 minutes after sending. Write a new message instead.")


def writable(mentorship: Mentorship) -> bool:
    return mentorship.status in WRITABLE


def require_writable(mentorship: Mentorship) -> None:
    if mentorship.status is MentorshipStatus.PROPOSED:
        raise Conflict(_("Messages can be sent once you both have accepted the mentorship."))
    if not writable(mentorship):
        raise Conflict(
            _("This mentorship has ended. Your conversation stays here to read, but it takes no new messages.")
        )


def clean_body(text: str | None) -> str:
    """The message as stored: trimmed, not empty, at most BODY_MAX characters."""
    body = (text or "").strip()
    if not body:
        raise ValidationFailed(_("Write a message first."), field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            ngettext(
                "The message is too long: write at most %(num)s character (it has %(count)s).",
                "The message is too long: write at most %(num)s characters (it has %(count)s).",
                BODY_MAX,
                count=len(body),
            ),
            field="body",
        )
    return body


def send(session: Session, seat: Seat, text: str | None, *, now: datetime | None = None) -> Message:
    side = seat.require_pair()
    require_writable(seat.mentorship)
    body = clean_body(text)
    message = Message(
        mentorship_id=seat.mentorship.id,
        program_id=seat.mentorship.program_id,
        author_id=seat.user.id,
        author_side=side,
        body=body,
        created_at=now or utcnow(),
    )
    session.add(message)
    session.flush()  # the cursor stays: one's own messages never count, and sending reads nothing of the partner's
    return message


def message_of(session: Session, seat: Seat, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.mentorship_id != seat.mentorship.id:
        raise NotFound(_("Message not found."))
    return message


def is_mine(seat: Seat, message: Message) -> bool:
    return seat.side is not None and message.author_side is seat.side


def edit_until(message: Message) -> datetime:
    return as_utc(message.created_at) + EDIT_WINDOW


def may_edit(seat: Seat, message: Message, now: datetime | None = None) -> bool:
    return (
        is_mine(seat, message)
        and message.deleted_at is None
        and writable(seat.mentorship)
        and (now or utcnow()) <= edit_until(message)
    )


def _require_own(seat: Seat, message: Message, refusal: str) -> None:
    seat.require_pair()
    if not is_mine(seat, message):
        raise PermissionDenied(refusal)
    if message.deleted_at is not None:
        raise Conflict(_("This message was deleted."))
    require_writable(seat.mentorship)


def edit(session: Session, seat: Seat, message: Message, text: str | None, *, now: datetime | None = None) -> Message:
    """The author's correction, within EDIT_WINDOW of sending (decided here, not by the page)."""
    _require_own(seat, message, _("Only the author may edit a message."))
    now = now or utcnow()
    if now > edit_until(message):
        raise Conflict(edit_closed())
    body = clean_body(text)
    if body != message.body:
        message.body = body
        message.edited_at = now
    session.flush()
    return message


def delete(session: Session, seat: Seat, message: Message, *, now: datetime | None = None) -> Message:
    """The author takes their message back; the conversation shows "message deleted" in its place."""
    _require_own(seat, message, _("Only the author may delete a message."))
    message.deleted_at = now or utcnow()
    message.body = ""  # gone from the database too, not only from the page
    session.flush()
    return message


# --- reading --------------------------------------------------------------------------------------------


def _conversation(seat: Seat):  # type: ignore[no-untyped-def]
    return select(Message).where(Message.mentorship_id == seat.mentorship.id)


def page(session: Session, seat: Seat, *, before_id: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """The latest `limit` messages (before `before_id` when paging back), oldest first."""
    seat.require_pair()
    query = _conversation(seat)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = list(session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)))
    return Page(list(reversed(rows[:limit])), has_older=len(rows) > limit)


def after(session: Session, seat: Seat, after_id: int, *, limit: int = POLL_MAX) -> list[Message]:
    """Messages newer than `after_id`, oldest first: the poll's one query on (mentorship_id, id)."""
    seat.require_pair()
    query = _conversation(seat).where(Message.id > after_id).order_by(Message.id).limit(limit)
    return list(session.scalars(query))


def latest_id(session: Session, seat: Seat) -> int:
    return session.scalar(select(func.max(Message.id)).where(Message.mentorship_id == seat.mentorship.id)) or 0


def cursor_of(session: Session, mentorship_id: int, user_id: int) -> MessageCursor | None:
    return session.get(MessageCursor, (mentorship_id, user_id))


def _advance(session: Session, seat: Seat, up_to: int, *, mailed: bool = False) -> MessageCursor:
    """Move the caller's read cursor forward to `up_to` (never back); created on first use."""
    cursor = cursor_of(session, seat.mentorship.id, seat.user.id)
    if cursor is None:
        try:
            with session.begin_nested():  # a concurrent first read (the poll and the page) loses here
                cursor = MessageCursor(mentorship_id=seat.mentorship.id, user_id=seat.user.id)
                session.add(cursor)
        except IntegrityError:
            cursor = cursor_of(session, seat.mentorship.id, seat.user.id)
            assert cursor is not None
    if up_to > (cursor.last_read_id or 0):
        cursor.last_read_id = up_to
        cursor.updated_at = utcnow()
    session.flush()
    return cursor


def mark_read(session: Session, seat: Seat, up_to: int | None = None) -> int:
    """Mark the conversation read up to `up_to` (default: its latest message); answers the cursor's position."""
    seat.require_pair()
    newest = latest_id(session, seat)
    target = newest if up_to is None else min(up_to, newest)
    return _advance(session, seat, target).last_read_id


def _partner_side(seat: Seat) -> Side:
    partner = seat.partner_side
    assert partner is not None
    return partner


def unread_count(session: Session, seat: Seat) -> int:
    """The partner's messages after the caller's read cursor (deleted ones not counted)."""
    seat.require_pair()
    cursor = cursor_of(session, seat.mentorship.id, seat.user.id)
    last = cursor.last_read_id if cursor else 0
    query = select(func.count(Message.id)).where(
        Message.mentorship_id == seat.mentorship.id,
        Message.author_side == _partner_side(seat),
        Message.id > last,
        Message.deleted_at.is_(None),
    )
    return session.scalar(query) or 0


def unread_by_pair(session: Session, user_id: int) -> dict[int, int]:
    """Unread messages per mentorship id over all the person's pairs, in one query (pairs without any left out)."""
    me = select(Membership.id).where(Membership.user_id == user_id).scalar_subquery()
    mine_side = or_(
        and_(Mentorship.mentor_id.in_(me), Message.author_side == Side.MENTEE),
        and_(Mentorship.mentee_id.in_(me), Message.author_side == Side.MENTOR),
    )
    query = (
        select(Message.mentorship_id, func.count(Message.id))
        .join(Mentorship, Mentorship.id == Message.mentorship_id)
        .outerjoin(
            MessageCursor,
            and_(MessageCursor.mentorship_id == Message.mentorship_id, MessageCursor.user_id == user_id),
        )
        .where(
            or_(Mentorship.mentor_id.in_(me), Mentorship.mentee_id.in_(me)),
            mine_side,
            Message.id > func.coalesce(MessageCursor.last_read_id, 0),
            Message.deleted_at.is_(None),
        )
        .group_by(Message.mentorship_id)
    )
    return {mentorship_id: count for mentorship_id, count in session.execute(query)}


def unread_total(session: Session, user_id: int) -> int:
    """The header's count: every unread message from a partner over all the person's pairs, in one query."""
    return sum(unread_by_pair(session, user_id).values())


def introduced(session: Session, seat: Seat) -> bool:
    """For the pair home's first steps: both people have written in their conversation."""
    sides = session.scalars(
        select(Message.author_side).where(Message.mentorship_id == seat.mentorship.id).distinct().limit(2)
    ).all()
    return len(set(sides)) == 2
