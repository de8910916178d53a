"""Milestones: the pair's own (plan, change, reach with a note, both told), automatic ones found once each
(first meeting through the meetings API, months by the daily sweep with a given clock, a goal achieved through
the goal progress API, every goal, a cycle completed), two detections at once on PostgreSQL, validation."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.engagement import milestones, tasks
from mentorloom.engagement.models import Milestone
from mentorloom.jobs import JobContext
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, MentorshipTransition
from mentorloom.notifications.models import Notification
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.meetings.helpers import confirmed_pair
from tests.meetings.test_bad_input import held_meeting
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


def codes(session: Session, pair: Pair) -> list[str]:
    rows = session.scalars(
        select(Milestone.code).where(Milestone.mentorship_id == pair.mentorship.id, Milestone.code.is_not(None))
    )
    return sorted(str(c) for c in rows)


def count(session: Session, model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query) or 0


async def test_first_meeting_held_is_a_milestone_once_and_both_are_told(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=10)
    assert codes(db_session, pair) == []
    await held_meeting(client, pair)
    assert codes(db_session, pair) == ["first_meeting"]
    await held_meeting(client, pair)  # a second meeting: still one first meeting
    assert codes(db_session, pair) == ["first_meeting"]
    told = db_session.scalars(select(Notification.user_id).where(Notification.kind == "milestone_reached")).all()
    assert sorted(told) == sorted([pair.mentor.user_id, pair.mentee.user_id])
    listed = (await client.get(f"{pair.base}/milestones", headers=pair.mentee_h)).json()
    assert [(m["code"], m["title"], m["reached"], m["automatic"]) for m in listed] == [
        ("first_meeting", "First meeting held", True, True)
    ]


async def test_ten_meetings_held(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=10)
    for _ in range(10):
        await held_meeting(client, pair)
    assert codes(db_session, pair) == ["first_meeting", "meetings_10"]


async def test_months_together_come_from_the_daily_sweep_with_its_clock(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    pair = make_pair(db_session, started_days_ago=1)
    ended = make_pair(db_session, started_days_ago=400, status=MentorshipStatus.COMPLETED)
    clock = Clock(utcnow())
    ctx = JobContext(settings, SharedConnectionDatabase(db_session), clock=clock)  # type: ignore[arg-type]
    assert tasks.milestone_sweep(ctx) == 0
    clock.advance(timedelta(days=95))
    assert tasks.milestone_sweep(ctx) == 1
    assert tasks.milestone_sweep(ctx) == 0  # the next day: nothing twice
    db_session.expire_all()
    assert codes(db_session, pair) == ["months_3"]
    clock.advance(timedelta(days=300))
    assert tasks.milestone_sweep(ctx) == 2
    assert codes(db_session, pair) == ["months_12", "months_3", "months_6"]
    assert codes(db_session, ended) == []  # a finished pair is not counted on by the sweep
    three = db_session.scalar(
        select(Milestone).where(Milestone.mentorship_id == pair.mentorship.id, Milestone.code == "months_3")
    )
    assert three is not None and three.reached_at is not None
    started = pair.mentorship.started_at
    assert started is not None and 88 <= (three.reached_at - started).days <= 92  # the anniversary, not the sweep


async def test_a_goal_achieved_and_every_goal_achieved(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    key = (await client.get(f"{pair.base}/goals", headers=pair.mentee_h)).json()[0]["key"]
    url = f"{pair.base}/goals/{key}/progress"
    assert (await client.post(url, headers=pair.mentee_h, json={"progress": 50})).status_code == 201
    assert codes(db_session, pair) == []
    assert (await client.post(url, headers=pair.mentee_h, json={"status": "achieved"})).status_code == 201
    assert codes(db_session, pair) == ["all_goals:1", f"goal:{key}"]
    titles = {
        m["code"]: m["title"] for m in (await client.get(f"{pair.base}/milestones", headers=pair.mentor_h)).json()
    }
    assert titles[f"goal:{key}"] == "Goal achieved: Give a talk"
    assert titles["all_goals:1"] == "Every goal of your agreement achieved"


async def test_a_completed_cycle(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    db_session.add(
        MentorshipTransition(
            mentorship_id=pair.mentorship.id,
            from_status=MentorshipStatus.COMPLETING,
            to_status=MentorshipStatus.COMPLETED,
            action="finish",
        )
    )
    db_session.flush()
    milestones.detect(db_session, pair.mentorship)
    milestones.detect(db_session, pair.mentorship)
    assert codes(db_session, pair) == ["cycle:1"]


async def test_detect_twice_writes_one_row(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=200)
    await held_meeting(client, pair)
    first = milestones.detect(db_session, pair.mentorship)
    again = milestones.detect(db_session, pair.mentorship, utcnow())
    assert [m.code for m in first] == ["months_3", "months_6"] and again == []
    assert count(db_session, Milestone, mentorship_id=pair.mentorship.id) == 3
    assert count(db_session, Notification, kind="milestone_reached") == 6


def test_two_detections_at_once_do_not_fail(fresh_postgres_url: str) -> None:
    fresh_database_url = fresh_postgres_url  # SQLite has one writer at a time; the race is PostgreSQL's
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    with database.session() as session:
        pair = make_pair(session, started_days_ago=400)
        mentorship_id = pair.mentorship.id
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    found: list[int] = []

    def run() -> None:
        try:
            with database.session() as session:
                mentorship = session.get_one(Mentorship, mentorship_id)
                barrier.wait()
                found.append(len(milestones.detect(session, mentorship)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with database.session() as session:
        rows = session.scalars(select(Milestone.code).where(Milestone.mentorship_id == mentorship_id)).all()
        assert sorted(str(r) for r in rows) == ["months_12", "months_3", "months_6"]
        assert count(session, Notification, kind="milestone_reached") == 6
    assert sum(found) == 3
    database.dispose()


async def test_the_pair_plans_changes_and_reaches_a_milestone(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    key = (await client.get(f"{pair.base}/goals", headers=pair.mentee_h)).json()[0]["key"]
    made = await client.post(
        f"{pair.base}/milestones",
        headers=pair.mentee_h,
        json={"title": "Outline ready", "goal_key": key, "target_on": "2030-03-01"},
    )
    assert made.status_code == 201, made.text
    mid = made.json()["id"]
    changed = await client.patch(f"{pair.base}/milestones/{mid}", headers=pair.mentor_h, json={"title": "Outline done"})
    assert changed.status_code == 200 and changed.json()["title"] == "Outline done"
    assert changed.json()["goal_key"] == key
    reached = await client.post(f"{pair.base}/milestones/{mid}/reach", headers=pair.mentor_h, json={"note": "Yay"})
    assert reached.status_code == 200 and reached.json()["reached"] and reached.json()["note"] == "Yay"
    again = await client.post(f"{pair.base}/milestones/{mid}/reach", headers=pair.mentee_h, json={})
    assert again.status_code == 409
    frozen = await client.patch(f"{pair.base}/milestones/{mid}", headers=pair.mentor_h, json={"title": "x"})
    assert frozen.status_code == 409
    assert (await client.delete(f"{pair.base}/milestones/{mid}", headers=pair.mentor_h)).status_code == 409
    told = db_session.scalars(select(Notification).where(Notification.kind == "milestone_reached")).all()
    assert {n.user_id for n in told} == {pair.mentor.user_id, pair.mentee.user_id}
    assert all(n.context["milestone_title"] == "Outline done" for n in told)
    other = await client.post(f"{pair.base}/milestones", headers=pair.mentee_h, json={"title": "Drop me"})
    assert (
        await client.delete(f"{pair.base}/milestones/{other.json()['id']}", headers=pair.mentor_h)
    ).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "t" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"title": "Fine", "goal_key": "nope"}, "goal_key"),
        ({"title": "Fine", "target_on": "soon"}, "target_on"),
    ],
)
async def test_bad_milestones_write_nothing(
    client: httpx.AsyncClient, db_session: Session, body: dict[str, Any], field: str
) -> None:
    pair = await confirmed_pair(client, db_session)
    answer = await client.post(f"{pair.base}/milestones", headers=pair.mentee_h, json=body)
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert count(db_session, Milestone) == 0


async def test_who_may_touch_milestones(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    other = make_pair(db_session)
    made = await client.post(f"{pair.base}/milestones", headers=pair.mentee_h, json={"title": "Ours"})
    mid = made.json()["id"]
    assert (await client.get(f"{pair.base}/milestones", headers=pair.coord_h)).status_code == 403
    assert (await client.get(f"{pair.base}/milestones", headers=other.mentor_h)).status_code == 404
    foreign = f"{other.base}/milestones/{mid}/reach"
    assert (await client.post(foreign, headers=other.mentor_h, json={})).status_code == 404
    assert (
        await client.put(f"{pair.base}/celebration-sharing", headers=pair.coord_h, json={"share": True})
    ).status_code == 403
    seat = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    assert seat.in_pair


async def test_finishing_a_cycle_is_celebrated_through_the_transition_hook(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    finished = await client.post(f"{pair.base}/finish", headers=pair.coord_h, json={})
    assert finished.status_code == 200, finished.text
    assert codes(db_session, pair) == ["cycle:1"]
    told = db_session.scalars(select(Notification.user_id).where(Notification.kind == "milestone_reached")).all()
    assert sorted(told) == sorted([pair.mentor.user_id, pair.mentee.user_id])
