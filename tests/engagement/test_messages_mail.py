"""The batched mail about unread messages, through a real SMTP server (aiosmtpd): three messages make one mail
after the delay; none when they were read meanwhile; none when the person turned the kind off; a digest entry
when they want it daily; the job run twice sends once; excerpts are short and a long conversation says "and N more"."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement import messages_mail, tasks
from mentorloom.engagement.models import Message, MessageCursor
from mentorloom.jobs import JobContext
from mentorloom.mentorships.models import Side
from mentorloom.notifications.models import DeliveryMode, Notification
from mentorloom.notifications.preferences import set_mode
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.meetings import test_mails as meeting_mails
from tests.meetings.test_mails import Mailbox
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio
# the meeting mail tests' fixtures: a real SMTP server, settings mailing through it, and its mailbox
smtp, settings, mailbox = meeting_mails.smtp, meeting_mails.settings, meeting_mails.mailbox


async def send(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], body: str) -> int:
    answer = await client.post(f"{pair.base}/messages", headers=headers, json={"body": body})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def run_job(session: Session, mailbox: Mailbox, clock: Clock) -> int:
    ctx = JobContext(mailbox.settings, SharedConnectionDatabase(session), clock=clock)  # type: ignore[arg-type]
    return int(tasks.message_mail(ctx))


def to(message: object) -> str:
    return str(message["To"]).split("<")[-1].rstrip(">")  # type: ignore[index]


async def test_three_messages_make_one_mail_after_the_delay(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    for text in ("Hello!", "Here is the article: https://example.org/talks", "Talk soon"):
        await send(client, pair, pair.mentor_h, text)
    clock = Clock(utcnow())
    assert run_job(db_session, mailbox, clock) == 0  # too early: they may still be reading
    assert mailbox.new(clock) == []
    clock.advance(messages_mail.MAIL_DELAY + timedelta(seconds=1))
    assert run_job(db_session, mailbox, clock) == 1
    assert run_job(db_session, mailbox, clock) == 0  # the job again: nothing twice
    (mail,) = mailbox.new(clock)
    assert to(mail) == pair.mentee.user.email
    assert "3 new messages from Mentor Marta" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "> Hello!" in text and "> Talk soon" in text and "https://example.org/talks" in text
    assert f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/messages" in text
    assert str(mail["List-Unsubscribe"]).startswith("<http://testserver/notifications/unsubscribe/")
    cursor = db_session.get(MessageCursor, (pair.mentorship.id, pair.mentee.user_id))
    assert cursor is not None and cursor.last_mailed_id == max(db_session.scalars(select(Message.id)))

    # a later message: one more mail, about that one only
    await send(client, pair, pair.mentor_h, "One more thing")
    clock.advance(messages_mail.MAIL_DELAY + timedelta(minutes=1))
    for _ in range(2):
        run_job(db_session, mailbox, clock)
    (second,) = mailbox.new(clock)
    assert "1 new message from Mentor Marta" in str(second["Subject"])
    body = second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "One more thing" in body and "Hello!" not in body
    # the author is never mailed about their own messages
    assert all(to(m) != pair.mentor.user.email for m in (mail, second))


async def test_no_mail_when_read_before_the_delay(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    await send(client, pair, pair.mentor_h, "Quick question")
    await send(client, pair, pair.mentor_h, "Never mind")
    read = await client.post(f"{pair.base}/messages/read", headers=pair.mentee_h)
    assert read.json()["unread"] == 0
    clock = Clock(utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    assert run_job(db_session, mailbox, clock) == 0
    assert mailbox.new(clock) == []
    assert db_session.scalar(select(Notification.id).where(Notification.kind == "pair_message")) is None


async def test_only_the_unread_part_is_mailed(client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    first = await send(client, pair, pair.mentee_h, "Read this one")
    await client.post(f"{pair.base}/messages/read", headers=pair.mentor_h, json={"up_to_id": first})
    await send(client, pair, pair.mentee_h, "But not this one")
    clock = Clock(utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    run_job(db_session, mailbox, clock)
    (mail,) = mailbox.new(clock)
    assert to(mail) == pair.mentor.user.email
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "But not this one" in body and "Read this one" not in body


async def test_the_off_preference_sends_no_mail_and_daily_waits_for_the_digest(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    set_mode(db_session, pair.mentee.user, "pair_message", DeliveryMode.OFF)
    set_mode(db_session, pair.mentor.user, "pair_message", DeliveryMode.DAILY)
    await send(client, pair, pair.mentor_h, "To the mentee")
    await send(client, pair, pair.mentee_h, "To the mentor")
    clock = Clock(utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    assert run_job(db_session, mailbox, clock) == 2  # both told in the app
    assert mailbox.new(clock) == []  # neither mailed now
    daily = db_session.scalar(
        select(Notification).where(Notification.kind == "pair_message", Notification.user_id == pair.mentor.user_id)
    )
    assert daily is not None and daily.digested_at is None  # waits for the daily digest


async def test_a_long_conversation_quotes_five_short_excerpts(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    await send(client, pair, pair.mentor_h, "word " * 300)
    for n in range(7):
        await send(client, pair, pair.mentor_h, f"Point {n}")
    clock = Clock(utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    run_job(db_session, mailbox, clock)
    (mail,) = mailbox.new(clock)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    quoted = [line for line in body.splitlines() if line.startswith("> ")]
    assert len(quoted) == 5 and all(len(line) <= messages_mail.MAIL_EXCERPT_CHARS + 4 for line in quoted)
    assert "Point 3" in body and "Point 4" not in body and "and 3 more messages" in body


async def test_a_deleted_message_is_not_mailed(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = make_pair(db_session)
    mailbox.new()
    sent = await send(client, pair, pair.mentor_h, "Oops, wrong person")
    await client.delete(f"{pair.base}/messages/{sent}", headers=pair.mentor_h)
    clock = Clock(utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    assert run_job(db_session, mailbox, clock) == 0
    assert mailbox.new(clock) == []


def test_the_key_names_the_newest_message() -> None:
    assert messages_mail.message_key(4, 7, 99) == "messages:4:7:99"
    assert Side.MENTOR.value == "mentor"
