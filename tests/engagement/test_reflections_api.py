"""Reflections: the pair's own words (coordinators 403, outsiders 404); a private one only its author ever reads;
validation names the field and writes nothing; the shared lessons as text and into the closing retrospective."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement import reflections
from mentorloom.engagement.models import Reflection
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import MentorshipStatus
from tests.meetings.helpers import confirmed_pair
from tests.meetings.test_bad_input import held_meeting
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def written(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Reflection)) or 0


async def test_write_read_change_and_lessons(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=10)
    key = (await client.get(f"{pair.base}/goals", headers=pair.mentee_h)).json()[0]["key"]
    meeting = await held_meeting(client, pair)
    body = {
        "challenge": "Missed the deadline",
        "what_happened": "Too much at once",
        "learned": "Plan buffers",
        "next_time": "Ask early",
        "goal_key": key,
        "meeting_id": meeting["id"],
    }
    made = await client.post(f"{pair.base}/reflections", headers=pair.mentee_h, json=body)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["visibility"] == "private" and made.json()["mine"] is True
    assert (await client.get(f"{pair.base}/reflections", headers=pair.mentor_h)).json() == []
    assert (await client.get(f"{pair.base}/reflections/{rid}", headers=pair.mentor_h)).status_code == 404
    assert (await client.get(f"{pair.base}/lessons", headers=pair.mentee_h)).json() == {"text": "", "count": 0}
    shared = await client.patch(f"{pair.base}/reflections/{rid}", headers=pair.mentee_h, json={"visibility": "partner"})
    assert shared.status_code == 200 and shared.json()["visibility"] == "partner"
    seen = (await client.get(f"{pair.base}/reflections", headers=pair.mentor_h)).json()
    assert [(r["challenge"], r["mine"]) for r in seen] == [("Missed the deadline", False)]
    not_theirs = await client.patch(f"{pair.base}/reflections/{rid}", headers=pair.mentor_h, json={"learned": "x"})
    assert not_theirs.status_code == 403
    lessons = (await client.get(f"{pair.base}/lessons", headers=pair.mentor_h)).json()
    assert lessons["count"] == 1 and "Missed the deadline" in lessons["text"] and "Plan buffers" in lessons["text"]
    assert (await client.delete(f"{pair.base}/reflections/{rid}", headers=pair.mentor_h)).status_code == 403
    assert (await client.delete(f"{pair.base}/reflections/{rid}", headers=pair.mentee_h)).status_code == 204


async def test_coordinators_get_403_and_outsiders_404(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    other = make_pair(db_session)
    made = await client.post(
        f"{pair.base}/reflections", headers=pair.mentor_h, json={"challenge": "C", "visibility": "partner"}
    )
    rid = made.json()["id"]
    for url in (f"{pair.base}/reflections", f"{pair.base}/reflections/{rid}", f"{pair.base}/lessons"):
        assert (await client.get(url, headers=pair.coord_h)).status_code == 403, url
        assert (await client.get(url, headers=other.mentor_h)).status_code == 404, url
    post = await client.post(f"{pair.base}/reflections", headers=pair.coord_h, json={"challenge": "C"})
    assert post.status_code == 403
    foreign = await client.get(f"{other.base}/reflections/{rid}", headers=other.mentor_h)
    assert foreign.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"challenge": "c" * 501}, "challenge"),
        ({"challenge": ""}, "challenge"),
        ({"challenge": "C", "learned": "l" * 4001}, "learned"),
        ({"challenge": "C", "goal_key": "unknown"}, "goal_key"),
        ({"challenge": "C", "meeting_id": "OTHER"}, "meeting_id"),
        ({"challenge": "C", "visibility": "coordinators"}, "visibility"),
    ],
)
async def test_bad_reflections_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=10)
    other = await confirmed_pair(client, db_session, started_days_ago=10)
    if body.get("meeting_id") == "OTHER":
        body = {**body, "meeting_id": (await held_meeting(client, other))["id"]}
    answer = await client.post(f"{pair.base}/reflections", headers=pair.mentee_h, json=body)
    assert answer.status_code in (404, 422), answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert written(db_session) == 0


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mentor=st.sampled_from([None, "private", "partner"]),
    mentee=st.sampled_from([None, "private", "partner"]),
    reader=st.sampled_from(["mentor", "mentee", "coordinator", "other"]),
)
def test_a_private_reflection_is_read_by_its_author_only(
    db_session: Session, mentor: str | None, mentee: str | None, reader: str
) -> None:
    savepoint = db_session.begin_nested()
    try:
        pair = make_pair(db_session)
        other = make_pair(db_session, program=pair.program)
        from tests.matching.helpers import coordinator_user

        users = {
            "mentor": pair.mentor.user,
            "mentee": pair.mentee.user,
            "coordinator": coordinator_user(db_session, pair.program),
            "other": other.mentee.user,
        }
        ids = {}
        for side, visibility in (("mentor", mentor), ("mentee", mentee)):
            if visibility is not None:
                seat = seat_for(db_session, users[side], pair.program.id, pair.mentorship.id)
                ids[side] = reflections.create(
                    db_session, seat, {"challenge": f"{side} secret", "visibility": visibility}
                ).id
        if reader == "other":
            with pytest.raises(NotFound):
                seat_for(db_session, users[reader], pair.program.id, pair.mentorship.id)
            return
        seat = seat_for(db_session, users[reader], pair.program.id, pair.mentorship.id)
        if reader == "coordinator":
            with pytest.raises(PermissionDenied):
                reflections.of_pair(db_session, seat)
            with pytest.raises(PermissionDenied):
                reflections.lessons_text(db_session, seat)
            return
        expected = {
            ids[side]
            for side, visibility in (("mentor", mentor), ("mentee", mentee))
            if visibility == "partner" or (visibility is not None and side == reader)
        }
        assert {r.id for r in reflections.of_pair(db_session, seat)} == expected
        text = reflections.lessons_text(db_session, seat)
        for side, visibility in (("mentor", mentor), ("mentee", mentee)):
            assert (f"{side} secret" in text) == (visibility == "partner")
    finally:
        savepoint.rollback()
        db_session.expunge_all()


async def test_lessons_go_into_the_closing_retrospective(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    seat = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    reflections.create(db_session, seat, {"challenge": "Shy at first", "learned": "Ask", "visibility": "partner"})
    reflections.create(db_session, seat, {"challenge": "Only mine", "visibility": "private"})
    pair.mentorship.status = MentorshipStatus.COMPLETING
    db_session.flush()
    mentor_seat = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    retro = reflections.pull_into_retrospective(db_session, mentor_seat)
    assert "Shy at first" in retro.what_we_learned and "Only mine" not in retro.what_we_learned
    again = reflections.pull_into_retrospective(db_session, mentor_seat)
    assert again.what_we_learned.count("Shy at first") == 1
