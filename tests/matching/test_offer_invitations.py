"""Offers to people without an account carry the invitation; "Invited" only once such a mail went out."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.programs.mails import queue_invitations
from tests.factories import mailed, make_program, set_password
from tests.matching.helpers import coordinator_user, sample_people
from tests.matching.test_views import login, start_run

pytestmark = pytest.mark.anyio


def _badge(page: str, name: str) -> str:
    """The account badge in the participant row of `name` ("" when there is none)."""
    row = page.split(f"<strong>{name}</strong>", 1)[1].split("</a>", 1)[0]
    found = re.search(r'<span class="badge badge-muted"[^>]*>([^<]+)</span>', row)
    return found.group(1) if found else ""


async def test_offers_invite_people_without_an_account(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    set_password(db_session, people["anna"].user)  # Anna has an account; the others were just imported
    token = await login(client, db_session, coordinator_user(db_session, program, "Clara Coordinator"))
    participants = f"/programs/{program.id}/participants"
    before = (await client.get(participants)).text
    assert _badge(before, "Sophie") == "Not invited yet" and _badge(before, "Anna") == ""

    run_id = await start_run(client, program, token)
    publish = f"/programs/{program.id}/matching/runs/{run_id}/publish"
    form = await client.get(publish)
    assert "4 people in these pairs have no account yet. Their offer e-mails also invite them" in form.text
    published = await client.post(publish, data={"csrf_token": token, "confirm_weak": "yes"})
    assert published.status_code == 303

    bodies = {to: body for to, subject, body in mailed(settings.mail_outbox) if subject.startswith("A mentoring match")}
    sophie_mail, anna_mail = bodies[people["sophie"].user.email], bodies[people["anna"].user.email]
    assert "You do not have an account on Mentorloom yet" in sophie_mail
    (link,) = [line.strip() for line in sophie_mail.splitlines() if "/invitation/" in line]
    assert f"/programs/{program.id}/matching/mine" in sophie_mail
    assert "/invitation/" not in anna_mail and f"/programs/{program.id}/matching/mine" in anna_mail
    client.cookies.clear()
    assert (await client.get(link.removeprefix("http://testserver"))).status_code == 200

    await login(client, db_session, coordinator_user(db_session, program, "Carl Coordinator"))
    after = (await client.get(participants)).text
    assert _badge(after, "Sophie") == "Invited"
    assert _badge(after, "Zoe") == "Not invited yet"  # no mentor, so no offer and no invitation yet


async def test_only_a_sent_invitation_marks_the_person_invited(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    await login(client, db_session, coordinator_user(db_session, program, "Clara Coordinator"))
    assert queue_invitations(db_session, [people["zoe"]]) == 1
    participants = f"/programs/{program.id}/participants"
    assert _badge((await client.get(participants)).text, "Zoe") == "Not invited yet"  # queued, not sent yet
    mail = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "invitation")).one()
    mail.state = MailState.SENT  # as the worker records it
    db_session.flush()
    page = (await client.get(participants)).text
    assert _badge(page, "Zoe") == "Invited" and _badge(page, "Tom") == "Not invited yet"
