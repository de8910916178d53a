"""Erasing a partner of a pair with meetings planned: nobody can meet an erased person. The meetings still to come
are cancelled once (the person left gets the usual CANCEL, naming the erased person only by the neutral label), the
series ends and plans nothing new, meetings that took place stay, the pages offer no planning and the API refuses it
with 409."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from html import unescape

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.meetings import erased, recurrence, series, service
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingFeedback,
    MeetingSeries,
    MeetingStatus,
    PairMeetingSettings,
    PrivateNote,
)
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Side
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.privacy.erasure import erase_person
from mentorloom.programs.models import Cadence
from tests.meetings.helpers import confirmed_pair
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import Pair

pytestmark = pytest.mark.anyio


async def _pair_with_meetings(client: httpx.AsyncClient, session: Session) -> tuple[Pair, dict[str, int]]:
    """A weekly series from next week, an extra meeting ahead and one that took place three days ago."""
    pair = await confirmed_pair(client, session, cadence="weekly", started_days_ago=30)
    today = datetime.now(UTC).date()
    planned = await client.post(
        f"{pair.base}/meetings/series",
        headers=pair.mentor_h,
        json={
            "local_time": "18:00",
            "timezone": "Europe/Berlin",
            "weekday": (today + timedelta(days=7)).weekday(),
            "starts_on": (today + timedelta(days=7)).isoformat(),
            "until": (today + timedelta(days=70)).isoformat(),
        },
    )
    assert planned.status_code == 201, planned.text
    extra = await client.post(
        f"{pair.base}/meetings",
        headers=pair.mentee_h,
        json={"starts_at": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC"},
    )
    assert extra.status_code == 201, extra.text
    past = await client.post(
        f"{pair.base}/meetings",
        headers=pair.mentor_h,
        json={"starts_at": (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC"},
    )
    assert past.status_code == 201, past.text
    held = await client.post(
        f"{pair.base}/meetings/{past.json()['id']}/outcome", headers=pair.mentor_h, json={"outcome": "held"}
    )
    assert held.status_code == 200, held.text
    return pair, {"series": planned.json()["id"], "extra": extra.json()["id"], "held": past.json()["id"]}


def _rows(session: Session, pair: Pair) -> dict[int, tuple[MeetingStatus, int]]:
    session.expire_all()
    found = session.scalars(select(Meeting).where(Meeting.mentorship_id == pair.mentorship.id))
    return {m.id: (m.status, m.sequence) for m in found}


def _cancel_notices(session: Session, user: User) -> list[Notification]:
    session.flush()
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == "meeting_cancelled")
    return list(session.scalars(query.order_by(Notification.id)))


def _erase_mentee(session: Session, pair: Pair) -> tuple[str, str]:
    mentee = pair.mentee.user
    old = (mentee.display_name, mentee.email)
    erase_person(session, mentee, by=None)
    return old


async def test_meetings_ahead_are_cancelled_once_and_held_ones_stay(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair, ids = await _pair_with_meetings(client, db_session)
    before = _rows(db_session, pair)
    in_series = [i for i in before if db_session.get_one(Meeting, i).series_id == ids["series"]]
    assert len(in_series) >= 9 and all(before[i][0] is MeetingStatus.SCHEDULED for i in in_series)
    assert before[ids["held"]][0] is MeetingStatus.HELD
    old_name, old_email = _erase_mentee(db_session, pair)

    after = _rows(db_session, pair)
    assert set(after) == set(before)  # cancelled, not deleted: the rows and their counts stay
    for meeting_id in [*in_series, ids["extra"]]:
        assert after[meeting_id] == (MeetingStatus.CANCELLED, before[meeting_id][1] + 1)
    assert after[ids["held"]] == before[ids["held"]]  # what took place stays
    item = db_session.get_one(MeetingSeries, ids["series"])
    assert item.ended_at is not None and series.active_series(db_session, pair.mentorship) is None

    # the one left gets one CANCEL for the extra meeting and one for the whole series, not one per occurrence
    mentor = pair.mentor.user
    told = _cancel_notices(db_session, mentor)
    assert sorted(n.key for n in told) == sorted(
        [f"meeting:{ids['extra']}:1:{mentor.id}", f"series-cancel:{ids['series']}:{mentor.id}"]
    )
    assert _cancel_notices(db_session, pair.mentee.user) == []  # nobody reads an erased person's inbox
    for notice in told:
        assert notice.context["partner_name"] == pair.mentee.user.display_name  # the neutral label
        assert notice.context["changed_by"] == ""
        blob = repr(notice.context)
        assert old_name not in blob and old_email not in blob
    sent = db_session.scalars(select(OutboxMail).where(OutboxMail.key.in_([n.key for n in told])))
    ics = [m.context.get("_ics") or "" for m in sent]
    assert len(ics) == 2 and all("METHOD:CANCEL" in text for text in ics)
    assert not any(old_name in text or old_email in text for text in ics)

    # erasing again, or stopping the meetings again, changes nothing and tells nobody twice
    again = erase_person(db_session, pair.mentee.user, by=None)
    assert again.already
    assert erased.stop_meetings(db_session, pair.mentorship) == 0
    assert _rows(db_session, pair) == after
    assert len(_cancel_notices(db_session, mentor)) == 2
    assert db_session.get_one(MeetingSeries, ids["series"]).sequence == item.sequence


async def test_the_feed_drops_the_cancelled_meetings(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, ids = await _pair_with_meetings(client, db_session)
    made = await client.post("/api/v1/account/calendar-feed", headers=pair.mentor_h)
    assert made.status_code in (200, 201), made.text
    url = made.json()["url"]
    path = url[url.index("/ical/") :]
    before = (await client.get(path)).text
    assert before.count("EXDATE") == 0
    _erase_mentee(db_session, pair)
    db_session.flush()
    feed = (await client.get(path)).text
    assert "EXDATE" in feed  # every occurrence ahead of the series is excluded
    extra = db_session.get_one(Meeting, ids["extra"])
    assert extra.uid not in feed  # a cancelled single meeting leaves the feed


async def test_the_api_refuses_planning_with_an_erased_partner(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, _ids = await _pair_with_meetings(client, db_session)
    _erase_mentee(db_session, pair)
    db_session.flush()
    count = len(_rows(db_session, pair))
    today = datetime.now(UTC).date()
    answers = [
        await client.post(
            f"{pair.base}/meetings/series",
            headers=pair.mentor_h,
            json={
                "local_time": "18:00",
                "timezone": "Europe/Berlin",
                "weekday": today.weekday(),
                "starts_on": (today + timedelta(days=14)).isoformat(),
            },
        ),
        await client.post(
            f"{pair.base}/meetings",
            headers=pair.mentor_h,
            json={"starts_at": (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC"},
        ),
    ]
    for answer in answers:
        assert answer.status_code == 409, answer.text
        assert "Your partner's account was removed, so no meeting can be planned" in answer.json()["detail"]
    assert len(_rows(db_session, pair)) == count  # the series produced nothing new
    assert series.active_series(db_session, pair.mentorship) is None


async def test_the_pages_offer_no_planning(client: httpx.AsyncClient, app: FastAPI, db_session: Session) -> None:
    pair, ids = await _pair_with_meetings(client, db_session)
    _erase_mentee(db_session, pair)
    db_session.flush()
    home_url = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    forbidden = ("Add to the agenda", "Plan your meetings", "Plan the next meeting", "Add a meeting", "/meetings/plan")
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        home = unescape((await c.get(home_url)).text)
        assert "data-partner-erased" in home and "data-no-meetings" in home
        assert "Next meeting:" not in home
        for text in forbidden:
            assert text not in home, text
        listed = await c.get(f"{home_url}/meetings")
        assert listed.status_code == 200, listed.text
        page = unescape(listed.text)
        assert "The program coordination will get in touch about how you go on." in page
        for text in (
            *forbidden,
            "Find a time together",
            "Join the video call",
            'action="' + home_url + '/meetings/add"',
        ):
            assert text not in page, text
        plan = await c.get(f"{home_url}/meetings/plan")
        assert plan.status_code == 303 and plan.headers["location"].endswith(f"{home_url}/meetings")
        held = unescape((await c.get(f"{home_url}/meetings/{ids['held']}")).text)
        assert "Add a topic" not in held and "Move this meeting" not in held
        # the page no longer promises that the erased partner sees the notes or could be shown a reflection
        assert "No notes yet. Write down what you discussed and agreed." in held
        assert "sees and can edit them too" not in held and "share it with" not in held


async def test_a_series_that_took_place_in_part_keeps_its_past(client: httpx.AsyncClient, db_session: Session) -> None:
    """The calendar keeps the meetings held; those ahead leave it as EXDATEs of one updated series."""
    pair = await confirmed_pair(client, db_session, cadence="weekly", started_days_ago=40)
    seat = Seat(pair.mentorship, pair.mentor.user, Side.MENTOR, pair.program)
    began = datetime.now(UTC) - timedelta(days=22)
    plan = recurrence.Plan(
        cadence=Cadence.WEEKLY,
        weekday=began.date().weekday(),
        local_time=time(18, 0),
        timezone="UTC",
        starts_on=began.date(),
        until=(began + timedelta(days=70)).date(),
    )
    item, _replaced = series.plan(
        db_session, seat, plan, series.Details(), pair.mentor.user, now=began - timedelta(days=1)
    )
    rows = series.occurrences_of(db_session, item)
    first = rows[0]
    service.record_outcome(db_session, seat, first, "held", pair.mentor.user)
    ahead = [m.id for m in rows if m.starts_at > datetime.now(UTC)]
    _erase_mentee(db_session, pair)

    after = _rows(db_session, pair)
    assert after[first.id][0] is MeetingStatus.HELD
    assert ahead and all(after[i][0] is MeetingStatus.CANCELLED for i in ahead)
    mentor = pair.mentor.user
    item = db_session.get_one(MeetingSeries, item.id)
    key = f"series:{item.id}:{item.sequence}:{mentor.id}"
    notice = db_session.scalar(select(Notification).where(Notification.key == key))
    assert notice is not None and notice.kind == "meeting_invitation" and notice.context["ended"] is True
    mail = db_session.scalar(select(OutboxMail).where(OutboxMail.key == key))
    assert mail is not None
    ics = mail.context["_ics"]
    assert "METHOD:REQUEST" in ics and ics.count("EXDATE") >= 1
    assert _cancel_notices(db_session, mentor) == []  # no CANCEL per occurrence


async def test_a_meeting_under_way_is_cancelled_and_one_that_ended_stays(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """A meeting that has begun but not ended cannot go on with an erased partner; one that ended stays open, so the
    person left may still record that it took place."""
    pair = await confirmed_pair(client, db_session, cadence="weekly", started_days_ago=30)
    now = datetime.now(UTC)
    started = {}
    for name, begun in (("under_way", timedelta(minutes=10)), ("ended", timedelta(hours=3))):
        answer = await client.post(
            f"{pair.base}/meetings",
            headers=pair.mentor_h,
            json={"starts_at": (now - begun).strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC", "duration_minutes": 60},
        )
        assert answer.status_code == 201, answer.text
        started[name] = answer.json()["id"]
    before = _rows(db_session, pair)
    assert before[started["under_way"]] == (MeetingStatus.SCHEDULED, 0)
    _erase_mentee(db_session, pair)

    after = _rows(db_session, pair)
    assert after[started["under_way"]] == (MeetingStatus.CANCELLED, 1)
    assert after[started["ended"]] == before[started["ended"]]
    mentor = pair.mentor.user
    told = _cancel_notices(db_session, mentor)
    # one CANCEL, through the usual path
    assert [n.key for n in told] == [f"meeting:{started['under_way']}:1:{mentor.id}"]
    mail = db_session.scalar(select(OutboxMail).where(OutboxMail.key == told[0].key))
    assert mail is not None and "METHOD:CANCEL" in mail.context["_ics"]

    held = await client.post(
        f"{pair.base}/meetings/{started['ended']}/outcome", headers=pair.mentor_h, json={"outcome": "held"}
    )
    assert held.status_code == 200, held.text
    assert _rows(db_session, pair)[started["ended"]][0] is MeetingStatus.HELD
    assert erased.stop_meetings(db_session, pair.mentorship) == 0


def _written(session: Session, pair: Pair) -> tuple[int, int, str]:
    """Agenda items and action items of the pair, and its video link: what a refused write must leave alone."""
    session.expire_all()
    mine = select(Meeting.id).where(Meeting.mentorship_id == pair.mentorship.id)
    agenda = len(list(session.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id.in_(mine)))))
    actions = len(list(session.scalars(select(ActionItem.id).where(ActionItem.mentorship_id == pair.mentorship.id))))
    settings = session.get(PairMeetingSettings, pair.mentorship.id)
    return agenda, actions, settings.video_link if settings else ""


GONE = "Your partner's account was removed, so no"


async def test_the_api_refuses_work_towards_meetings_with_an_erased_partner(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """An agenda topic, an action item or a video link prepare meetings nobody can have any more: 409, nothing
    written, on a meeting that took place, one cancelled by the erasure, and the pair's video settings."""
    pair, ids = await _pair_with_meetings(client, db_session)
    held = f"{pair.base}/meetings/{ids['held']}"
    before_item = await client.post(
        f"{held}/action-items", headers=pair.mentor_h, json={"title": "Read the book", "owner": "mentor"}
    )
    assert before_item.status_code == 201, before_item.text
    _erase_mentee(db_session, pair)
    db_session.flush()
    before = _written(db_session, pair)
    assert before == (0, 1, "")

    refused = {
        "agenda": [
            await client.post(f"{held}/agenda", headers=pair.mentor_h, json={"text": "What next?"}),
        ],
        "action item": [
            await client.post(
                f"{held}/action-items", headers=pair.mentor_h, json={"title": "Write it up", "owner": "mentor"}
            ),
            await client.post(
                f"{pair.base}/meetings/{ids['extra']}/action-items",
                headers=pair.mentor_h,
                json={"title": "Ask the erased side", "owner": "mentee"},
            ),
        ],
        "video link": [
            await client.put(
                f"{pair.base}/meetings-video", headers=pair.mentor_h, json={"video_link": "https://example.org/x"}
            ),
        ],
    }
    for what, answers in refused.items():
        for answer in answers:
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            detail = answer.json()["detail"]
            assert detail.startswith(GONE) and what in detail, detail
            assert "The program coordination will get in touch" in detail
    assert _written(db_session, pair) == before


async def test_the_partner_left_keeps_their_own_record_of_past_meetings(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """As after a mentorship ends: notes, the private note and feedback on a meeting that took place, and ticking
    off an action item, stay open to the person left."""
    pair, ids = await _pair_with_meetings(client, db_session)
    held = f"{pair.base}/meetings/{ids['held']}"
    item = await client.post(
        f"{held}/action-items", headers=pair.mentor_h, json={"title": "Read the book", "owner": "mentor"}
    )
    assert item.status_code == 201, item.text
    _erase_mentee(db_session, pair)
    db_session.flush()
    answers = [
        await client.put(f"{held}/private-note", headers=pair.mentor_h, json={"text": "Went fine."}),
        await client.put(f"{held}/notes", headers=pair.mentor_h, json={"notes": "We spoke.", "notes_version": 0}),
        await client.put(
            f"{held}/feedback",
            headers=pair.mentor_h,
            json={"usefulness": 4, "went_well": "", "to_change": "", "visibility": "private"},
        ),
        await client.patch(f"{pair.base}/action-items/{item.json()['id']}", headers=pair.mentor_h, json={"done": True}),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    db_session.expire_all()
    assert db_session.scalar(select(PrivateNote.text).where(PrivateNote.meeting_id == ids["held"])) == "Went fine."
    assert db_session.scalar(select(MeetingFeedback.usefulness).where(MeetingFeedback.meeting_id == ids["held"])) == 4


async def test_the_pages_refuse_work_towards_meetings_with_an_erased_partner(
    client: httpx.AsyncClient, app: FastAPI, db_session: Session
) -> None:
    pair, ids = await _pair_with_meetings(client, db_session)
    _erase_mentee(db_session, pair)
    db_session.flush()
    before = _written(db_session, pair)
    home_url = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    url = f"{home_url}/meetings/{ids['held']}"
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        page = unescape((await c.get(url)).text)
        assert "Add an action item" not in page and "Add a topic" not in page
        posts = [
            (f"{url}/agenda", {"agenda.text": "What next?"}, "agenda"),
            (f"{url}/action-items", {"action.title": "Write it up", "action.owner": "mentor"}, "action item"),
        ]
        for target, form, what in posts:
            answer = await c.post(target, data={"csrf_token": token} | form)
            assert answer.status_code == 409, answer.text
            text = unescape(answer.text)
            assert GONE in text and what in text
        video = await c.post(
            f"{home_url}/meetings/video", data={"csrf_token": token, "video.video_link": "https://example.org/x"}
        )
        assert video.status_code == 409, video.text
    assert _written(db_session, pair) == before
