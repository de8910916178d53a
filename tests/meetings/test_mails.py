"""Meeting mails through a real SMTP server (aiosmtpd): invitations with an .ics (REQUEST, moved with
RECURRENCE-ID and a higher SEQUENCE, CANCEL), one-click unsubscribe headers, and the periodic jobs -
reminder, follow-up, overdue nudge, coordinator digest - each sending once however often they run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.jobs import JobContext
from mentorloom.meetings import tasks
from mentorloom.meetings.models import Meeting, MeetingSeries
from mentorloom.notifications.delivery import RETRY_SCHEDULE, deliver
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.programs.models import Membership, Role
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.meetings.helpers import confirmed_pair
from tests.meetings.test_bad_input import SERIES
from tests.mentorships.helpers import Pair
from tests.notifications.test_mail import Collector
from tests.notifications.test_outbox import Server

pytestmark = pytest.mark.anyio
ZONE = ZoneInfo("Europe/Berlin")


@pytest.fixture()
def smtp() -> Iterator[tuple[Server, Collector]]:
    server = Server()
    collector = server.start(Collector())
    yield server, collector
    server.stop()


@pytest.fixture()
def settings(tmp_path: Path, smtp: tuple[Server, Collector]) -> Settings:
    """The test settings, mailing through the aiosmtpd server (the app's requests and the jobs alike)."""
    server, _collector = smtp
    return Settings(
        var_dir=tmp_path / "var",
        secret_key="test-secret",
        jobs_immediate=True,
        base_url="http://testserver",
        text_encoder="tfidf",
        login_rate_limit="1000/minute",
        reset_rate_limit="1000/minute",
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_timeout=2,
    )


class Mailbox:
    """Delivers what waits in the outbox (as the worker would) and reads what the server received."""

    def __init__(self, session: Session, settings: Settings, collector: Collector) -> None:
        self.session, self.settings, self.collector = session, settings, collector
        self.seen = 0

    def deliver(self, clock: Clock | None = None) -> list[str]:
        self.session.flush()
        ctx = JobContext(self.settings, SharedConnectionDatabase(self.session), clock=clock or Clock(utcnow()))  # type: ignore[arg-type]
        waiting = self.session.scalars(
            select(OutboxMail.id).where(OutboxMail.state == MailState.PENDING).order_by(OutboxMail.id)
        ).all()
        return [deliver(ctx, mail_id) for mail_id in waiting]

    def new(self, clock: Clock | None = None) -> list[EmailMessage]:
        """Mails received since the last call."""
        self.deliver(clock)
        fresh = self.collector.messages[self.seen :]
        self.seen = len(self.collector.messages)
        parsed = [message_from_bytes(m, policy=policy.default) for m in fresh]
        assert all(isinstance(m, EmailMessage) for m in parsed)
        return parsed  # type: ignore[return-value]


@pytest.fixture()
def mailbox(db_session: Session, settings: Settings, smtp: tuple[Server, Collector]) -> Mailbox:
    return Mailbox(db_session, settings, smtp[1])


def calendar_of(message: EmailMessage) -> tuple[str, icalendar.Calendar]:
    """(the attachment's METHOD parameter, the parsed invite.ics)"""
    (attachment,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(attachment.get_param("method")), icalendar.Calendar.from_ical(payload)


def recipients(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["To"]).split("<")[-1].rstrip(">") for m in messages)


def assert_unsubscribable(messages: list[EmailMessage]) -> None:
    for message in messages:
        assert str(message["List-Unsubscribe"]).startswith("<http://testserver/notifications/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def people(pair: Pair) -> set[str]:
    return {pair.mentor.user.email, pair.mentee.user.email}


async def ready(client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox, **kwargs: Any) -> Pair:
    pair = await confirmed_pair(client, db_session, **kwargs)
    mailbox.new()  # the agreement's own mails
    return pair


# --- invitations ----------------------------------------------------------------------------------------


async def test_planning_moving_and_cancelling_send_calendar_invitations(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    pair = await ready(client, db_session, mailbox)
    planned = await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)
    assert planned.status_code == 201, planned.text
    uid = planned.json()["uid"]

    invitations = mailbox.new()
    assert recipients(invitations) == Counter({e: 1 for e in people(pair)})  # one mail each, not one per meeting
    assert_unsubscribable(invitations)
    for message in invitations:
        method, cal = calendar_of(message)
        assert method == "REQUEST" and cal["METHOD"] == "REQUEST"
        (master,) = cal.walk("VEVENT")
        assert str(master["UID"]) == uid and int(master["SEQUENCE"]) == 0
        assert "RRULE" in master and "RECURRENCE-ID" not in master
        assert str(master["ORGANIZER"]) == f"mailto:{pair.mentor.user.email}"
        attendees = master["ATTENDEE"] if isinstance(master["ATTENDEE"], list) else [master["ATTENDEE"]]
        assert {str(a).removeprefix("mailto:") for a in attendees} == people(pair)
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"

    meetings = (await client.get(f"{pair.base}/meetings?when=all", headers=pair.mentee_h)).json()
    third = meetings[2]
    moved = await client.post(
        f"{pair.base}/meetings/{third['id']}/move", headers=pair.mentee_h, json={"starts_at": "2027-03-17T19:00"}
    )
    assert moved.status_code == 200, moved.text
    updates = mailbox.new()
    assert recipients(updates) == Counter({e: 1 for e in people(pair)})
    assert_unsubscribable(updates)
    for message in updates:
        method, cal = calendar_of(message)
        assert method == "REQUEST"
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) > 0
        assert event["RECURRENCE-ID"].dt.astimezone(UTC) == datetime.fromisoformat(third["starts_at"])
        assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 3, 17, 18, tzinfo=UTC)
        assert "ORGANIZER" in event and "ATTENDEE" in event

    fourth = meetings[3]
    cancelled = await client.post(f"{pair.base}/meetings/{fourth['id']}/cancel", headers=pair.mentor_h)
    assert cancelled.status_code == 200
    cancellations = mailbox.new()
    assert recipients(cancellations) == Counter({e: 1 for e in people(pair)})
    assert_unsubscribable(cancellations)
    for message in cancellations:
        method, cal = calendar_of(message)
        assert method == "CANCEL" and cal["METHOD"] == "CANCEL"
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == uid and event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) > 0
        assert event["RECURRENCE-ID"].dt.astimezone(UTC) == datetime.fromisoformat(fourth["starts_at"])

    # a second identical request changes nothing and mails nothing
    again = await client.post(f"{pair.base}/meetings/{fourth['id']}/cancel", headers=pair.mentor_h)
    assert again.status_code == 409
    assert mailbox.new() == []


async def test_replanning_tells_calendars_about_the_old_series(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    """The old series goes out again, shortened (its UID, a higher SEQUENCE), beside the new one."""
    pair = await ready(client, db_session, mailbox)
    old = (await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)).json()
    mailbox.new()
    body = {**SERIES, "starts_on": "2027-04-01", "weekday": 3}
    new = (await client.post(f"{pair.base}/meetings/series", headers=pair.mentee_h, json=body)).json()
    mails = mailbox.new()
    assert recipients(mails) == Counter({e: 2 for e in people(pair)})
    by_uid: dict[str, list[icalendar.Event]] = {}
    for message in mails:
        method, cal = calendar_of(message)
        assert method == "REQUEST"
        for event in cal.walk("VEVENT"):
            by_uid.setdefault(str(event["UID"]), []).append(event)
    assert set(by_uid) == {old["uid"], new["uid"]}
    assert {int(e["SEQUENCE"]) for e in by_uid[old["uid"]]} == {1}
    assert {e["RRULE"]["UNTIL"][0].date().isoformat() for e in by_uid[old["uid"]]} <= {"2027-03-30", "2027-03-31"}


async def test_replanning_before_any_old_meeting_cancels_the_old_series_in_calendars(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    """Nothing is left of the old series: its invitation must still leave the calendars (METHOD:CANCEL)."""
    pair = await ready(client, db_session, mailbox)
    old = (await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)).json()
    mailbox.new()
    body = {**SERIES, "starts_on": "2027-02-01", "weekday": 3}
    new = (await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=body)).json()
    mails = mailbox.new()
    methods = {(calendar_of(m)[0], str(calendar_of(m)[1].walk("VEVENT")[0]["UID"])) for m in mails}
    assert methods == {("REQUEST", new["uid"]), ("CANCEL", old["uid"])}
    assert recipients(mails) == Counter({e: 2 for e in people(pair)})


async def test_a_meeting_kept_from_the_old_series_is_sent_as_its_own_invitation(
    client: httpx.AsyncClient, db_session: Session, mailbox: Mailbox
) -> None:
    """A meeting with an agenda outlives the replanned series under a new UID: calendars learn of it."""
    pair = await ready(client, db_session, mailbox)
    await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)
    meetings = (await client.get(f"{pair.base}/meetings?when=all", headers=pair.mentee_h)).json()
    last = meetings[-1]
    await client.post(f"{pair.base}/meetings/{last['id']}/agenda", headers=pair.mentee_h, json={"text": "Talk"})
    mailbox.new()
    body = {**SERIES, "starts_on": "2027-04-01", "weekday": 3}
    await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=body)
    kept = db_session.get(Meeting, last["id"], populate_existing=True)
    assert kept is not None and kept.series_id is None
    uids = Counter(str(calendar_of(m)[1].walk("VEVENT")[0]["UID"]) for m in mailbox.new())
    assert uids[kept.uid] == 2  # one for each of the pair


# --- the periodic jobs ---------------------------------------------------------------------------------


def _ctx(db_session: Session, settings: Settings, clock: Clock) -> JobContext:
    return JobContext(settings, SharedConnectionDatabase(db_session), clock=clock)  # type: ignore[arg-type]


def kinds(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["Subject"]) for m in messages)


async def test_reminders_once_a_new_one_after_a_move_and_a_follow_up_after_the_meeting(
    client: httpx.AsyncClient, db_session: Session, settings: Settings, mailbox: Mailbox
) -> None:
    pair = await ready(client, db_session, mailbox)
    await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)
    mailbox.new()
    meeting = db_session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
    assert meeting is not None
    clock = Clock(meeting.starts_at - timedelta(hours=20))
    ctx = _ctx(db_session, settings, clock)

    assert tasks.reminders(ctx) == 2
    assert tasks.reminders(ctx) == 0  # run again (the worker every ten minutes): nothing twice
    clock.advance(timedelta(minutes=10))
    assert tasks.reminders(ctx) == 0
    reminders = mailbox.new(clock)
    assert recipients(reminders) == Counter({e: 1 for e in people(pair)})
    assert all("Reminder" in str(m["Subject"]) for m in reminders)
    assert_unsubscribable(reminders)

    # moved to another time within the next day: a new reminder, once
    local = (meeting.starts_at + timedelta(hours=2)).astimezone(ZONE).replace(tzinfo=None)
    moved = await client.post(
        f"{pair.base}/meetings/{meeting.id}/move",
        headers=pair.mentor_h,
        json={"starts_at": local.isoformat(timespec="minutes")},
    )
    assert moved.status_code == 200, moved.text
    mailbox.new(clock)  # the invitation for the move
    assert tasks.reminders(ctx) == 2
    assert tasks.reminders(ctx) == 0
    assert recipients(mailbox.new(clock)) == Counter({e: 1 for e in people(pair)})

    # after its end nobody said whether it took place: "how did it go?", once
    db_session.refresh(meeting)
    clock.now = meeting.ends_at + timedelta(minutes=5)
    assert tasks.reminders(ctx) == 2
    clock.advance(timedelta(hours=5))
    assert tasks.reminders(ctx) == 0
    followups = mailbox.new(clock)
    assert recipients(followups) == Counter({e: 1 for e in people(pair)})
    assert_unsubscribable(followups)
    assert not any("Reminder" in str(m["Subject"]) for m in followups)


async def test_an_overdue_nudge_once_per_silence(
    client: httpx.AsyncClient, db_session: Session, settings: Settings, mailbox: Mailbox
) -> None:
    pair = await ready(client, db_session, mailbox, started_days_ago=30)  # weekly: overdue after 10-11 days
    clock = Clock(utcnow())
    ctx = _ctx(db_session, settings, clock)
    assert tasks.overdue_nudges(ctx) == 2
    clock.advance(timedelta(days=1))
    assert tasks.overdue_nudges(ctx) == 0  # the same silence: told once
    nudges = mailbox.new(clock)
    assert recipients(nudges) == Counter({e: 1 for e in people(pair)})
    assert_unsubscribable(nudges)

    # they meet: the silence ends; no nudge while they are within their interval
    start = (utcnow() - timedelta(hours=3)).astimezone(ZONE).replace(tzinfo=None)
    added = await client.post(
        f"{pair.base}/meetings",
        headers=pair.mentee_h,
        json={"starts_at": start.isoformat(timespec="minutes"), "timezone": "Europe/Berlin"},
    )
    held = await client.post(
        f"{pair.base}/meetings/{added.json()['id']}/outcome", headers=pair.mentor_h, json={"outcome": "held"}
    )
    assert held.status_code == 200, held.text
    mailbox.new(clock)
    assert tasks.overdue_nudges(ctx) == 0
    # a new silence: one new nudge
    clock.advance(timedelta(days=12))
    assert tasks.overdue_nudges(ctx) == 2
    assert tasks.overdue_nudges(ctx) == 0
    assert recipients(mailbox.new(clock)) == Counter({e: 1 for e in people(pair)})


async def test_the_coordinator_digest_once_a_week(
    client: httpx.AsyncClient, db_session: Session, settings: Settings, mailbox: Mailbox
) -> None:
    pair = await ready(client, db_session, mailbox)
    coordinator = db_session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.program_id == pair.program.id, Membership.role == Role.COORDINATOR)
    ).one()
    clock = Clock(datetime(2027, 3, 1, 7, tzinfo=UTC))  # a Monday
    ctx = _ctx(db_session, settings, clock)

    def digests() -> list[EmailMessage]:
        return [m for m in mailbox.new(clock) if pair.program.name in str(m["Subject"])]

    assert tasks.coordinator_digest(ctx) >= 1
    clock.advance(timedelta(days=2))
    assert tasks.coordinator_digest(ctx) == 0  # the same week: nothing again
    mine = digests()
    assert recipients(mine) == Counter({coordinator: 1})
    assert "Active pairs: 1" in mine[0].get_content()
    assert_unsubscribable(mine)
    clock.advance(timedelta(days=5))  # the next Monday
    assert tasks.coordinator_digest(ctx) >= 1
    assert tasks.coordinator_digest(ctx) == 0
    assert recipients(digests()) == Counter({coordinator: 1})


# --- the SMTP server down --------------------------------------------------------------------------------


async def test_invitations_wait_while_smtp_is_down_and_go_out_once(
    client: httpx.AsyncClient, db_session: Session, settings: Settings, smtp: tuple[Server, Collector]
) -> None:
    server, collector = smtp
    mailbox = Mailbox(db_session, settings, collector)
    pair = await ready(client, db_session, mailbox)
    server.stop()
    planned = await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)
    assert planned.status_code == 201  # planning does not wait for the mail server
    series_uid = planned.json()["uid"]
    # the request's commit already tried both mails once: not handed over, they wait with a back-off
    waiting = db_session.scalars(select(OutboxMail).where(OutboxMail.key.startswith("series:"))).all()
    assert [(m.state, m.attempts) for m in waiting] == [(MailState.PENDING, 1)] * 2
    clock = Clock(utcnow() + timedelta(seconds=5))
    assert set(mailbox.deliver(clock)) == {"skipped"}  # not due yet
    clock.advance(timedelta(seconds=RETRY_SCHEDULE[0] + 1))
    assert set(mailbox.deliver(clock)) == {"pending"}  # still down: later again
    clock.advance(timedelta(seconds=RETRY_SCHEDULE[1] + 1))
    fresh = Collector()
    server.start(fresh)
    mailbox.collector, mailbox.seen = fresh, 0
    mails = mailbox.new(clock)
    assert recipients(mails) == Counter({e: 1 for e in people(pair)})
    assert {str(calendar_of(m)[1].walk("VEVENT")[0]["UID"]) for m in mails} == {series_uid}
    clock.advance(timedelta(hours=13))
    assert mailbox.new(clock) == []  # nothing doubled later
    states = db_session.scalars(select(OutboxMail.state).where(OutboxMail.key.startswith("series:"))).all()
    assert set(states) == {MailState.SENT} and len(states) == 2
    assert db_session.scalar(select(MeetingSeries.uid)) == series_uid
