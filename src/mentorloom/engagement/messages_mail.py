"""One mail about unread messages, some minutes after they arrived: the `engagement.message_mail` sweep.

A partner's message that is still unread MAIL_DELAY after it was sent makes one notification (kind
`pair_message`, so the person's preference decides: mailed at once, in the daily digest, or not at all) covering
every message unread and not yet mailed about, up to MAIL_EXCERPTS of them quoted (MAIL_EXCERPT_CHARS each) and
"and N more". A message read meanwhile is never mailed about: reading moves the cursor past it. The key names the
newest message covered, and `MessageCursor.last_mailed_id` moves to it, so a sweep run twice (or killed half-way
and run again) sends one mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.messages import cursor_of
from mentorloom.engagement.messages_text import excerpt
from mentorloom.engagement.models import Message, MessageCursor
from mentorloom.mentorships.models import Mentorship, Side
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale

# How long an unread message waits before it is mailed about: long enough that a conversation going on
# live sends no mail, short enough that a person away from the page hears the same hour.
MAIL_DELAY = timedelta(minutes=10)
LOOKBACK = timedelta(days=7)  # older unread messages are no longer mailed about (a worker down for long)
MAIL_EXCERPTS = 5
MAIL_EXCERPT_CHARS = 200


def message_key(mentorship_id: int, user_id: int, last_message_id: int) -> str:
    return f"messages:{mentorship_id}:{user_id}:{last_message_id}"


def send_mails(session: Session, now: datetime | None = None) -> int:
    """Notify each person with a partner's message unread for MAIL_DELAY; answers how many were notified."""
    now = now or utcnow()
    due = select(Message.mentorship_id, Message.author_side).where(
        Message.created_at <= now - MAIL_DELAY,
        Message.created_at > now - LOOKBACK,
        Message.deleted_at.is_(None),
    )
    candidates = sorted({(row[0], row[1]) for row in session.execute(due.distinct())})
    sent = 0
    for mentorship_id, author_side in candidates:
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None:
            continue
        recipient = mentorship.mentee if author_side is Side.MENTOR else mentorship.mentor
        sent += _notify_one(session, mentorship, recipient.user_id, author_side, now)
    return sent


def _notify_one(session: Session, mentorship: Mentorship, user_id: int, author_side: Side, now: datetime) -> int:
    cursor = cursor_of(session, mentorship.id, user_id)
    if cursor is None:
        try:
            with session.begin_nested():  # the person opening the conversation right now may make it first
                cursor = MessageCursor(mentorship_id=mentorship.id, user_id=user_id)
                session.add(cursor)
        except IntegrityError:
            cursor = cursor_of(session, mentorship.id, user_id)
            assert cursor is not None
    seen = max(cursor.last_read_id or 0, cursor.last_mailed_id or 0)
    waiting = list(
        session.scalars(
            select(Message)
            .where(
                Message.mentorship_id == mentorship.id,
                Message.author_side == author_side,
                Message.id > seen,
                Message.deleted_at.is_(None),
                Message.created_at <= now,
            )
            .order_by(Message.id)
        )
    )
    # the oldest waiting message decides: mailed about once it has been unread for MAIL_DELAY
    if not waiting or waiting[0].created_at > now - MAIL_DELAY or waiting[0].created_at <= now - LOOKBACK:
        return 0
    recipient = mentorship.mentee if author_side is Side.MENTOR else mentorship.mentor
    partner = mentorship.mentor if author_side is Side.MENTOR else mentorship.mentee
    last_id = waiting[-1].id
    link = f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}/messages"
    entry = notify(
        session,
        user=recipient.user,
        kind="pair_message",
        key=message_key(mentorship.id, user_id, last_id),
        program_id=mentorship.program_id,
        link=link,
        locale=mail_locale(session, recipient),
        partner_name=partner.user.display_name,
        program_name=recipient.program.name,
        count=len(waiting),
        excerpts=[excerpt(m.body, MAIL_EXCERPT_CHARS) for m in waiting[:MAIL_EXCERPTS]],
        more=max(0, len(waiting) - MAIL_EXCERPTS),
    )
    cursor.last_mailed_id = last_id
    session.flush()
    return 1 if entry is not None else 0
