"""The home page's to-do item for unread messages: "N unread messages from <partner>" per pair.

`home.service` asks here for each of the caller's running pairs (one count on the pair's message index), so the
home list, the header's to-do badge and /api/v1/me/todo show it alike.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement import messages
from mentorloom.engagement.models import Message
from mentorloom.home.items import TodoItem
from mentorloom.i18n import ngettext
from mentorloom.mentorships.access import Seat


def pair_items(session: Session, seat: Seat, partner: str) -> list[TodoItem]:
    if seat.side is None or seat.partner_side is None:
        return []
    cursor = messages.cursor_of(session, seat.mentorship.id, seat.user.id)
    count, since = session.execute(
        select(func.count(Message.id), func.min(Message.created_at)).where(
            Message.mentorship_id == seat.mentorship.id,
            Message.author_side == seat.partner_side,
            Message.id > (cursor.last_read_id if cursor else 0),
            Message.deleted_at.is_(None),
        )
    ).one()
    if not count:
        return []
    title = ngettext(
        "%(num)d unread message from %(name)s", "%(num)d unread messages from %(name)s", count, name=partner
    )
    program = seat.program
    return [
        TodoItem(
            "messages",
            program.id,
            program.name,
            title,
            messages.url_of(seat),
            since=since,
            mentorship_id=seat.mentorship.id,
        )
    ]
