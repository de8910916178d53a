"""The program's celebration feed and kudos: a pair's milestones appear only while both people agreed, their
names too; a kudos only when its writer shared it; a private kudos reaches only the pair (and the coordinator who
wrote it), in no other person's answer, page or mail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement import celebrations_feed, kudos, milestones
from mentorloom.engagement.models import Kudos, Milestone
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.mentorships.access import seat_for
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.permissions import program_for
from mentorloom.programs.models import Role
from tests.matching.helpers import coordinator_user, headers_for, participant
from tests.meetings.helpers import confirmed_pair
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio

READERS = ("mentor", "mentee", "coordinator", "other_coordinator", "other_pair", "participant", "outsider")


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mentor_shares=st.booleans(),
    mentee_shares=st.booleans(),
    kudos_from=st.sampled_from(["mentor", "mentee", "coordinator"]),
    shared=st.booleans(),
    reader=st.sampled_from(READERS),
)
def test_feed_and_kudos_show_only_what_was_agreed(
    db_session: Session, mentor_shares: bool, mentee_shares: bool, kudos_from: str, shared: bool, reader: str
) -> None:
    savepoint = db_session.begin_nested()
    try:
        pair = make_pair(db_session, started_days_ago=120)
        program = pair.program
        other = make_pair(db_session, program=program)
        coord = coordinator_user(db_session, program, "Clara Coordinator")
        users = {
            "mentor": pair.mentor.user,
            "mentee": pair.mentee.user,
            "coordinator": coord,
            "other_coordinator": coordinator_user(db_session, program, "Otto Coordinator"),
            "other_pair": other.mentor.user,
            "participant": participant(db_session, program, Role.MENTEE, "Paula Participant").user,
            "outsider": make_pair(db_session).mentor.user,  # another program
        }

        def seat(name: str):  # type: ignore[no-untyped-def]
            return seat_for(db_session, users[name], program.id, pair.mentorship.id)

        milestones.detect(db_session, pair.mentorship)  # months_3
        if mentor_shares:
            milestones.set_sharing(db_session, seat("mentor"), True)
        if mentee_shares:
            milestones.set_sharing(db_session, seat("mentee"), True)
        given_kudos = kudos.give(db_session, seat(kudos_from), "Secret thanks 4711", shared=shared)
        both = mentor_shares and mentee_shares
        names = f"{pair.mentor.user.display_name} and {pair.mentee.user.display_name}"

        if reader == "outsider":
            with pytest.raises(NotFound):
                program_for(db_session, users[reader], program.id)
            with pytest.raises(NotFound):
                seat(reader)
            return
        program_for(db_session, users[reader], program.id)  # every member reads the feed
        feed = celebrations_feed.feed(db_session, program, 1, 50)
        kinds = sorted(item.kind for item in feed.items)
        assert kinds == sorted((["milestone"] if both else []) + (["kudos"] if shared else []))
        assert feed.total == len(feed.items)
        for item in feed.items:
            assert item.pair == (names if both else None)
        assert any("Secret thanks 4711" in item.text for item in feed.items) == shared

        if reader in ("other_pair", "participant"):
            with pytest.raises(NotFound):
                seat(reader)
            return
        visible = [k.id for k in kudos.of_pair(db_session, seat(reader))]
        may_read = reader in ("mentor", "mentee") or shared or (reader == "coordinator" and kudos_from == "coordinator")
        assert visible == ([given_kudos.id] if may_read else [])
        if reader not in ("mentor", "mentee"):
            with pytest.raises(PermissionDenied):
                milestones.set_sharing(db_session, seat(reader), True)
        told = set(db_session.scalars(select(Notification.user_id).where(Notification.kind == "kudos_received")).all())
        expected = {
            "mentor": {pair.mentee.user_id},
            "mentee": {pair.mentor.user_id},
            "coordinator": {pair.mentor.user_id, pair.mentee.user_id},
        }[kudos_from]
        assert told == expected
    finally:
        savepoint.rollback()
        db_session.expunge_all()


async def test_withdrawing_consent_takes_the_milestones_off_at_once(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=100)
    milestones.detect(db_session, pair.mentorship)
    feed_url = f"/api/v1/programs/{pair.program.id}/celebrations"
    for headers in (pair.mentor_h, pair.mentee_h):
        answer = await client.put(f"{pair.base}/celebration-sharing", headers=headers, json={"share": True})
        assert answer.status_code == 200
    assert answer.json() == {"mine": True, "partner": True, "shown_in_feed": True}
    shown = (await client.get(feed_url, headers=pair.coord_h)).json()
    assert [i["title"] for i in shown["items"]] == ["3 months together"] and shown["items"][0]["pair"]
    await client.put(f"{pair.base}/celebration-sharing", headers=pair.mentee_h, json={"share": False})
    assert (await client.get(feed_url, headers=pair.mentor_h)).json()["items"] == []


async def test_the_feed_is_paginated_newest_first(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=5)
    seat = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    for n in range(5):
        kudos.give(db_session, seat, f"Thanks {n}", shared=True)
    url = f"/api/v1/programs/{pair.program.id}/celebrations?per_page=2"
    first = (await client.get(url, headers=pair.mentee_h)).json()
    assert (first["total"], first["pages"], [i["text"] for i in first["items"]]) == (5, 3, ["Thanks 4", "Thanks 3"])
    last = (await client.get(f"{url}&page=3", headers=pair.mentee_h)).json()
    assert [i["text"] for i in last["items"]] == ["Thanks 0"]
    outsider = make_pair(db_session)
    assert (await client.get(url, headers=outsider.mentor_h)).status_code == 404


async def test_kudos_api_private_by_default_and_only_the_author_shares(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    given_kudos = await client.post(f"{pair.base}/kudos", headers=pair.mentor_h, json={"text": "Private praise 99"})
    assert given_kudos.status_code == 201 and given_kudos.json()["shared"] is False
    kid = given_kudos.json()["id"]
    mine = (await client.get(f"{pair.base}/kudos", headers=pair.mentee_h)).json()
    assert [k["text"] for k in mine] == ["Private praise 99"] and mine[0]["mine"] is False
    assert (await client.get(f"{pair.base}/kudos", headers=pair.coord_h)).json() == []
    feed = await client.get(f"/api/v1/programs/{pair.program.id}/celebrations", headers=pair.coord_h)
    assert "Private praise 99" not in feed.text
    refused = await client.patch(f"{pair.base}/kudos/{kid}", headers=pair.mentee_h, json={"shared": True})
    assert refused.status_code == 403
    hidden = await client.patch(f"{pair.base}/kudos/{kid}", headers=pair.coord_h, json={"shared": True})
    assert hidden.status_code == 404
    # mail only to the recipient
    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "kudos_received")).all()
    assert [m.to_address for m in mails] == [pair.mentee.user.email]
    shared = await client.patch(f"{pair.base}/kudos/{kid}", headers=pair.mentor_h, json={"shared": True})
    assert shared.status_code == 200 and shared.json()["shared"] is True
    assert (
        "Private praise 99"
        in (await client.get(f"/api/v1/programs/{pair.program.id}/celebrations", headers=pair.coord_h)).text
    )


async def test_coordinators_send_kudos_to_the_pair(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    sent = await client.post(f"{pair.base}/kudos", headers=pair.coord_h, json={"text": "Well done, you two"})
    assert sent.status_code == 201 and sent.json()["from_side"] is None
    told = db_session.scalars(select(Notification.user_id).where(Notification.kind == "kudos_received")).all()
    assert sorted(told) == sorted([pair.mentor.user_id, pair.mentee.user_id])
    assert len((await client.get(f"{pair.base}/kudos", headers=pair.coord_h)).json()) == 1
    second = headers_for(db_session, pair.mentor)  # a second token of a pair member: fine
    assert (await client.get(f"{pair.base}/kudos", headers=second)).status_code == 200


@pytest.mark.parametrize(("body", "field"), [({"text": "k" * 501}, "text"), ({"text": ""}, "text")])
async def test_bad_kudos_write_nothing(
    client: httpx.AsyncClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    pair = make_pair(db_session)
    answer = await client.post(f"{pair.base}/kudos", headers=pair.mentor_h, json=body)
    assert answer.status_code == 422 and field in [e["field"] for e in answer.json()["errors"]]
    assert (db_session.scalar(select(func.count()).select_from(Kudos)) or 0) == 0
    outsider = make_pair(db_session)
    assert (await client.post(f"{pair.base}/kudos", headers=outsider.mentor_h, json={"text": "hi"})).status_code == 404
    assert utcnow()


def test_milestone_model_unique_code(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=100)
    milestones.detect(db_session, pair.mentorship)
    assert db_session.scalar(select(func.count()).select_from(Milestone)) == 1
