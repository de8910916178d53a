"""The pair timeline: every source in one list newest first, filters, pages, and what each reader may see.

Rows are written straight into each domain's tables (the timeline only reads them), so these tests do not
depend on how each feature's service makes them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement import timeline
from mentorloom.engagement.models import (
    Event,
    EventAudience,
    Kudos,
    Milestone,
    Reflection,
    ReflectionVisibility,
    Resource,
    Rsvp,
    RsvpAnswer,
)
from mentorloom.engagement.timeline import EntryKind
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships import goals
from mentorloom.mentorships.models import Goal, GoalStatus, MeetingFormat, Side
from tests.matching.helpers import coordinator, headers_for
from tests.meetings.page_helpers import ServicePair, browser, service_pair
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def _api(pair: ServicePair) -> str:
    return f"/api/v1/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/timeline"


def _meeting(session: Session, pair: ServicePair, days_ago: int, status: MeetingStatus) -> Meeting:
    start = utcnow() - timedelta(days=days_ago)
    meeting = Meeting(
        mentorship_id=pair.mentorship.id,
        program_id=pair.program.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Berlin",
        format=MeetingFormat.VIDEO,
        status=status,
        uid=f"{uuid.uuid4()}@test",
    )
    session.add(meeting)
    return meeting


def _reflection(session: Session, pair: ServicePair, side: Side, visibility: ReflectionVisibility, text: str) -> None:
    author = pair.mentor if side is Side.MENTOR else pair.mentee
    session.add(
        Reflection(
            mentorship_id=pair.mentorship.id,
            program_id=pair.program.id,
            author_id=author.user_id,
            author_side=side,
            challenge=text,
            learned="learned " + text,
            visibility=visibility,
        )
    )


def _event(session: Session, pair: ServicePair, title: str, *, by: int | None, days: int = 5) -> Event:
    start = utcnow() + timedelta(days=days)
    event = Event(
        program_id=pair.program.id,
        created_by_id=by,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Berlin",
        audience=EventAudience.PROGRAM,
        uid=f"{uuid.uuid4()}@test",
    )
    session.add(event)
    session.flush()
    return event


def _fill(session: Session, pair: ServicePair) -> None:
    """One entry of every kind, at known times (the agreement and its goal come from `service_pair`)."""
    now = utcnow()
    _meeting(session, pair, 20, MeetingStatus.HELD)
    _meeting(session, pair, 13, MeetingStatus.MISSED)
    _meeting(session, pair, 6, MeetingStatus.CANCELLED)  # not an entry: nothing happened
    _meeting(session, pair, -3, MeetingStatus.SCHEDULED)  # not yet: on the meetings page
    session.add(
        Milestone(
            mentorship_id=pair.mentorship.id,
            program_id=pair.program.id,
            code="first_meeting",
            title="First meeting held",
            reached_at=now - timedelta(days=19),
        )
    )
    session.add(
        Milestone(mentorship_id=pair.mentorship.id, program_id=pair.program.id, title="Not reached", target_on=None)
    )
    session.add(
        Kudos(
            mentorship_id=pair.mentorship.id,
            program_id=pair.program.id,
            author_id=pair.mentee.user_id,
            from_side=Side.MENTEE,
            text="Thank you for the talk prep",
            created_at=now - timedelta(days=10),
        )
    )
    session.add(
        Resource(
            program_id=pair.program.id,
            mentorship_id=pair.mentorship.id,
            url="https://example.org/negotiation",
            title="Negotiation guide",
            shared_by_id=pair.mentor.user_id,
            created_at=now - timedelta(days=8),
        )
    )
    session.add(  # the library is not the pair's timeline
        Resource(program_id=pair.program.id, url="https://example.org/lib", title="Library item")
    )
    _reflection(session, pair, Side.MENTEE, ReflectionVisibility.PARTNER, "Missed a deadline")
    _event(session, pair, "Mentor's workshop", by=pair.mentor.user_id)
    session.flush()


async def test_every_kind_newest_first(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    _fill(db_session, pair)
    response = await client.get(_api(pair), headers=headers_for(db_session, pair.mentee))
    assert response.status_code == 200, response.text
    body = response.json()
    kinds = {item["kind"] for item in body["items"]}
    assert kinds == {k.value for k in EntryKind}
    stamps = [item["at"] for item in body["items"]]
    assert stamps == sorted(stamps, reverse=True)
    titles = [item["title"] for item in body["items"]]
    assert "Meeting held" in titles and "Meeting missed" in titles
    assert "Not reached" not in titles and "Library item" not in titles
    assert sum(1 for item in body["items"] if item["kind"] == "meeting") == 2
    resource = next(item for item in body["items"] if item["kind"] == "resource")
    assert resource["link"] == "https://example.org/negotiation" and resource["external"] is True
    assert body["items"][0]["title"] == "Mentor's workshop"  # in five days: the newest


async def test_filter_and_pages(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    for days in range(1, 26):
        _meeting(db_session, pair, days, MeetingStatus.HELD)
    _fill(db_session, pair)
    headers = headers_for(db_session, pair.mentor)
    only = await client.get(_api(pair), headers=headers, params={"kind": ["meeting", "kudos"], "per_page": 10})
    body = only.json()
    assert body["total"] == 28 and body["pages"] == 3 and len(body["items"]) == 10
    assert {item["kind"] for item in body["items"]} <= {"meeting", "kudos"}
    pages = [
        (
            await client.get(
                _api(pair), headers=headers, params={"kind": ["meeting", "kudos"], "per_page": 10, "page": p}
            )
        ).json()["items"]
        for p in (1, 2, 3)
    ]
    keys = [item["key"] for page in pages for item in page]
    assert len(keys) == len(set(keys)) == 28
    past_end = await client.get(_api(pair), headers=headers, params={"page": 99})
    assert past_end.status_code == 200 and past_end.json()["items"] == []
    bad = await client.get(_api(pair), headers=headers, params={"kind": "gossip"})
    assert bad.status_code == 422 and "kind" in bad.text


async def test_private_reflections_only_for_their_author(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    _reflection(db_session, pair, Side.MENTOR, ReflectionVisibility.PRIVATE, "Mentor's secret doubt")
    _reflection(db_session, pair, Side.MENTEE, ReflectionVisibility.PRIVATE, "Mentee's secret doubt")
    _reflection(db_session, pair, Side.MENTEE, ReflectionVisibility.PARTNER, "Shared lesson")
    db_session.flush()
    mentor = (await client.get(_api(pair), headers=headers_for(db_session, pair.mentor))).text
    mentee = (await client.get(_api(pair), headers=headers_for(db_session, pair.mentee))).text
    assert "Mentor's secret doubt" in mentor and "Mentee's secret doubt" not in mentor
    assert "Mentee's secret doubt" in mentee and "Mentor's secret doubt" not in mentee
    assert "Shared lesson" in mentor and "Shared lesson" in mentee
    own = next(
        i
        for i in (await client.get(_api(pair), headers=headers_for(db_session, pair.mentor))).json()["items"]
        if i["title"] == "Mentor's secret doubt"
    )
    assert own["private"] is True


async def test_partner_rsvp_stays_theirs(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    event = _event(db_session, pair, "Program summer party", by=None)
    db_session.add(Rsvp(event_id=event.id, user_id=pair.mentee.user_id, answer=RsvpAnswer.YES))
    cancelled = _event(db_session, pair, "Called off", by=pair.mentor.user_id)
    cancelled.cancelled_at = utcnow()
    db_session.flush()
    mentee = (await client.get(_api(pair), headers=headers_for(db_session, pair.mentee))).text
    mentor = (await client.get(_api(pair), headers=headers_for(db_session, pair.mentor))).text
    assert "Program summer party" in mentee and "Program summer party" not in mentor
    assert "Called off" not in mentee and "Called off" not in mentor


async def test_goal_changes_and_agreement(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    goal = db_session.scalars(select(Goal).where(Goal.mentorship_id == pair.mentorship.id)).first()
    assert goal is not None
    goals.record_progress(db_session, pair.seat(Side.MENTEE), pair.program, goal.key, status=GoalStatus.ACHIEVED)
    body = (
        await client.get(
            _api(pair), headers=headers_for(db_session, pair.mentor), params={"kind": ["goal", "agreement"]}
        )
    ).json()
    titles = [item["title"] for item in body["items"]]
    assert "Goal achieved: Give a talk at the conference" in titles
    assert "Goal added: Give a talk at the conference" in titles
    assert any(t.startswith("Agreement confirmed") for t in titles)


async def test_who_may_read(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = service_pair(db_session)
    other = service_pair(db_session, names=("Olga Other", "Otto Other"), program=pair.program)
    _fill(db_session, pair)
    coord = await client.get(_api(pair), headers=coordinator(db_session, pair.program))
    assert coord.status_code == 403
    outsider = await client.get(_api(pair), headers=headers_for(db_session, other.mentee))
    assert outsider.status_code == 404
    stranger_program = service_pair(db_session, names=("Sam Stranger", "Sue Stranger"))
    wrong = f"/api/v1/programs/{stranger_program.program.id}/mentorships/{pair.mentorship.id}/timeline"
    assert (await client.get(wrong, headers=headers_for(db_session, pair.mentee))).status_code == 404
    anonymous = await client.get(_api(pair))
    assert anonymous.status_code == 401


async def test_page_escapes_and_filters(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    _fill(db_session, pair)
    db_session.add(
        Resource(
            program_id=pair.program.id,
            mentorship_id=pair.mentorship.id,
            url="https://example.org/x",
            title="<script>alert(1)</script>",
            shared_by_id=pair.mentee.user_id,
        )
    )
    db_session.flush()
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        page = await c.get(f"{pair.home}/timeline")
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert 'rel="noopener noreferrer nofollow"' in page.text
        filtered = await c.get(f"{pair.home}/timeline", params={"kind": ["kudos", "nonsense"]})
        assert filtered.status_code == 200
        assert "Thank you for the talk prep" in filtered.text and "Negotiation guide" not in filtered.text
        home = await c.get(pair.home)
        assert "Our timeline" in home.text and f"{pair.home}/timeline" in home.text


async def test_empty_timeline_says_what_to_do(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)  # as matching made it: no agreement, no goal, nothing yet
    home = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        page = await c.get(f"{home}/timeline")
        assert page.status_code == 200
        assert "data-empty" in page.text and "Back to our mentorship" in page.text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(list(Side)), st.sampled_from(list(ReflectionVisibility))), min_size=0, max_size=8
    ),
    reader=st.sampled_from(list(Side)),
)
def test_reader_sees_shared_and_own_reflections_only(
    db_session: Session, rows: list[tuple[Side, ReflectionVisibility]], reader: Side
) -> None:
    pair = _property_pair(db_session)
    db_session.execute(delete(Reflection).where(Reflection.mentorship_id == pair.mentorship.id))
    for i, (side, visibility) in enumerate(rows):
        _reflection(db_session, pair, side, visibility, f"r{i}-{side.value}-{visibility.value}")
    db_session.flush()
    found = timeline.timeline(db_session, pair.seat(reader), kinds=[EntryKind.REFLECTION], per_page=100)
    seen = {e.title for e in found.entries}
    expected = {
        f"r{i}-{side.value}-{visibility.value}"
        for i, (side, visibility) in enumerate(rows)
        if visibility is ReflectionVisibility.PARTNER or side is reader
    }
    assert seen == expected
    assert all(e.private == (e.title.endswith("-private")) for e in found.entries)


_PAIRS: dict[int, ServicePair] = {}


def _property_pair(session: Session) -> ServicePair:
    """One pair per test session (hypothesis reuses the function-scoped session across examples)."""
    key = id(session)
    if key not in _PAIRS:
        _PAIRS.clear()
        _PAIRS[key] = service_pair(session, names=("Pia Property", "Paul Property"))
    return _PAIRS[key]


async def test_pair_home_cards_come_in_their_order(app: FastAPI, db_session: Session) -> None:
    """Meetings first, then the conversation, celebrations and links, whichever package was imported first."""
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        home = (await c.get(pair.home)).text
    ids = ['id="meetings"', 'id="messages"', 'id="celebrations"', 'id="resources"']
    assert all(i in home for i in ids), [i for i in ids if i not in home]
    assert [home.index(i) for i in ids] == sorted(home.index(i) for i in ids)
