"""The unread-messages sweep and a person opening their conversation for the first time at the same moment: both
make the person's read cursor. The sweep's insert lost with a unique violation, and the sweep (one transaction for
every pair) failed for everyone. Here the person's cursor appears between the sweep's look and its insert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement import messages, messages_mail
from mentorloom.engagement.models import MessageCursor
from mentorloom.mentorships.access import pair_seat
from mentorloom.notifications.models import Notification
from tests.mentorships.helpers import make_pair


def test_a_cursor_made_meanwhile_does_not_break_the_sweep(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = make_pair(db_session)
    mentor = pair_seat(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    sent = utcnow() - messages_mail.MAIL_DELAY - timedelta(minutes=1)
    messages.send(db_session, mentor, "Hello, are you there?", now=sent)
    looked: list[int] = []
    real = messages_mail.cursor_of

    def racing(session: Session, mentorship_id: int, user_id: int) -> MessageCursor | None:
        if not looked:  # the sweep looks first ... and the mentee's page makes the cursor right after
            looked.append(user_id)
            found = real(session, mentorship_id, user_id)
            other = MessageCursor(mentorship_id=mentorship_id, user_id=user_id)
            with session.begin_nested():
                session.add(other)
            session.expunge(other)  # as if another connection wrote it: the sweep's session does not know it
            return found
        return real(session, mentorship_id, user_id)

    monkeypatch.setattr(messages_mail, "cursor_of", racing)
    assert messages_mail.send_mails(db_session) == 1
    assert looked == [pair.mentee.user_id]
    cursors = db_session.scalar(
        select(func.count()).select_from(MessageCursor).where(MessageCursor.user_id == pair.mentee.user_id)
    )
    assert cursors == 1
    told = db_session.scalars(select(Notification).where(Notification.kind == "pair_message")).all()
    assert [n.user_id for n in told] == [pair.mentee.user_id]
