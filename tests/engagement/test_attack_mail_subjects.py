"""A carriage return typed into a title (an event's, a shared link's, a milestone's) used to reach the mail's
Subject header, which refuses it: the invitation, the "link shared" and the milestone mails could not be composed
(a 500 where jobs run at once, mails that never go out where they run later)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.notifications.models import OutboxMail
from mentorloom.notifications.service import compose
from tests.engagement.test_events_support import event_body, two_pairs

pytestmark = pytest.mark.anyio


def _subjects(session: Session, settings: Settings, template: str) -> list[str]:
    mails = session.scalars(select(OutboxMail).where(OutboxMail.template == template)).all()
    assert mails, template
    return [str(compose(session, settings, mail)["Subject"]) for mail in mails]


async def test_line_breaks_in_titles_do_not_break_the_mails(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    p = two_pairs(db_session)
    title = "Summer\rmeetup\x0bBcc: evil@example.org"
    created = await client.post(p.events, headers=p.coord_h, json=event_body(title=title, audience="program"))
    assert created.status_code == 201, created.text
    for subject in _subjects(db_session, settings, "event_invitation"):
        assert "Summer meetup Bcc: evil@example.org" in subject
        assert "\r" not in subject and "\n" not in subject
    shared = await client.post(
        f"{p.first.base}/resources",
        headers=p.first.mentor_h,
        json={"url": "https://example.org/x", "title": "A\rguide"},
    )
    assert shared.status_code == 201, shared.text
    assert all("A guide" in s for s in _subjects(db_session, settings, "resource_shared"))
    planned = await client.post(f"{p.first.base}/milestones", headers=p.first.mentee_h, json={"title": "First\rtalk"})
    assert planned.status_code == 201, planned.text
    reached = await client.post(
        f"{p.first.base}/milestones/{planned.json()['id']}/reach", headers=p.first.mentee_h, json={"note": "Done"}
    )
    assert reached.status_code == 200, reached.text
    assert all("First talk" in s for s in _subjects(db_session, settings, "milestone_reached"))
