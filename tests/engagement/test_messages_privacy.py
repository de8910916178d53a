"""The pair's messages stay between the two people: their text never appears in the calendar feed, the program's
celebration feed, the pair timeline, the participants export, a coordinator's view of the pair or their to-do
list, nor in anything the coordinator is notified about."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.engagement import messages_mail, tasks
from mentorloom.jobs import JobContext
from mentorloom.notifications.models import Notification
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.matching.helpers import coordinator_user
from tests.mentorships.helpers import make_pair
from tests.mentorships.test_views import browser

pytestmark = pytest.mark.anyio
SECRET = "Zebra-Geheimnis-4711"


async def test_message_text_reaches_no_feed_export_or_coordinator_view(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    sent = await client.post(f"{pair.base}/messages", headers=pair.mentor_h, json={"body": f"{SECRET} https://x.org"})
    assert sent.status_code == 201
    reply = await client.post(f"{pair.base}/messages", headers=pair.mentee_h, json={"body": f"Re: {SECRET}"})
    assert reply.status_code == 201
    # the mail sweep ran: the partner is told, nobody else
    messages_mail.send_mails(db_session, utcnow() + messages_mail.MAIL_DELAY + timedelta(minutes=1))
    told = set(db_session.scalars(select(Notification.user_id).where(Notification.kind == "pair_message")))
    assert told == {pair.mentor.user_id, pair.mentee.user_id}

    answers: list[httpx.Response] = []
    for headers in (pair.mentor_h, pair.mentee_h):
        made = await client.post("/api/v1/account/calendar-feed", headers=headers)
        assert made.status_code == 201
        path = "/" + made.json()["url"].split("://", 1)[1].split("/", 1)[1]
        answers.append(await client.get(path))
        answers.append(await client.get(f"/api/v1/programs/{pair.program.id}/celebrations", headers=headers))
        answers.append(await client.get(f"{pair.base}/timeline", headers=headers))
    for headers in (pair.coord_h,):
        answers.append(await client.get(f"/api/v1/programs/{pair.program.id}/celebrations", headers=headers))
        answers.append(await client.get(f"{pair.base}", headers=headers))
        answers.append(await client.get(f"{pair.base}/timeline", headers=headers))
        answers.append(await client.get("/api/v1/me/todo", headers=headers))
        answers.append(await client.get("/api/v1/notifications", headers=headers))
    assert any(a.status_code == 200 for a in answers)
    for answer in answers:
        assert SECRET not in answer.text, answer.request.url

    coordinator = coordinator_user(db_session, pair.program, "Clara Coordinator")
    async with browser(app, db_session, coordinator) as (c, _token):
        for path in (
            f"/programs/{pair.program.id}/export.csv",
            f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}",
            f"/programs/{pair.program.id}/mentorships",
            f"/programs/{pair.program.id}/celebrations",
            "/",
            "/notifications",
            "/messages",
        ):
            page = await c.get(path)
            assert SECRET not in page.text, path


def test_the_sweep_uses_the_jobs_clock(db_session: Session) -> None:
    """The job takes its time from ctx.clock(): nothing is due at the sweep's own "now" before the delay."""
    ctx = JobContext(Settings(secret_key="x"), SharedConnectionDatabase(db_session), clock=Clock(utcnow()))  # type: ignore[arg-type]
    assert tasks.message_mail(ctx) == 0
