"""Issue 8.4: a new password revokes the person's API tokens as well as their login sessions.

Before, a reset ended the sessions but every API token made with the old (perhaps stolen) password
kept working.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts import service
from mentorloom.accounts.models import ApiToken, UserSession
from mentorloom.config import Settings
from tests.accounts.test_views import csrf, login
from tests.factories import mailed_links, make_token, make_user, set_password


@pytest.mark.anyio
async def test_password_reset_revokes_api_tokens(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    user = make_user(db_session, email="di@example.org")
    set_password(db_session, user, "old password 123")
    stolen = make_token(db_session, user)
    other = make_token(db_session, make_user(db_session))
    assert (await client.get("/api/v1/me", headers=stolen)).status_code == 200

    token = await csrf(client)
    await client.post("/forgot", data={"email": "di@example.org", "csrf_token": token})
    (path,) = mailed_links(settings.mail_outbox, "/reset/")
    new = "new password 456"
    done = await client.post(path, data={"password": new, "password2": new, "csrf_token": token}, follow_redirects=True)
    assert (await client.get("/api/v1/me", headers=stolen)).status_code == 401
    assert done.status_code == 200 and "your API tokens are revoked" in done.text
    assert (await client.get("/api/v1/me", headers=other)).status_code == 200  # only the person's own tokens
    assert (await login(client, "di@example.org", new)).status_code == 303
    listing = await client.get("/account")
    assert listing.status_code == 200


def test_a_new_password_ends_sessions_and_tokens_of_that_person_only(db_session: Session) -> None:
    user, bystander = make_user(db_session), make_user(db_session)
    for person in (user, bystander):
        service.start_session(db_session, person, days=1)
        make_token(db_session, person)

    service.set_password(db_session, user, "a brand new password")

    def live(model: type[ApiToken] | type[UserSession], person_id: int) -> int:
        query = select(model).where(model.user_id == person_id)
        if model is ApiToken:
            query = query.where(ApiToken.revoked_at.is_(None))
        return len(db_session.scalars(query).all())

    assert (live(ApiToken, user.id), live(UserSession, user.id)) == (0, 0)
    assert (live(ApiToken, bystander.id), live(UserSession, bystander.id)) == (1, 1)


def test_create_admin_revokes_tokens_only_when_the_password_changes(db_session: Session) -> None:
    user = make_user(db_session, email="root@example.org")
    service.create_admin(db_session, email="root@example.org", display_name="Root", password="first password 1")
    make_token(db_session, user)

    service.create_admin(db_session, email="root@example.org", display_name="Root", password="first password 1")
    tokens = db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert [t.revoked_at for t in tokens] == [None]  # the demo loader re-runs this with the same password

    service.create_admin(db_session, email="root@example.org", display_name="Root", password="second password 2")
    db_session.refresh(tokens[0])
    assert tokens[0].revoked_at is not None
