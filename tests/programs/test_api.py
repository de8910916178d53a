"""Programs over /api/v1: visibility, 404 for other programs, admin-only creation, validation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.programs.models import Role
from tests.factories import mailed_links, make_membership, make_program, make_token, make_user

pytestmark = pytest.mark.anyio


async def test_member_sees_only_own_programs(client: httpx.AsyncClient, db_session: Session) -> None:
    mine, other = make_program(db_session, name="Mine"), make_program(db_session, name="Other")
    user = make_user(db_session)
    make_membership(db_session, program=mine, user=user, role=Role.MENTOR)
    headers = make_token(db_session, user)

    listing = (await client.get("/api/v1/programs", headers=headers)).json()
    assert [p["name"] for p in listing["items"]] == ["Mine"]
    assert listing["items"][0]["my_role"] == "mentor"
    response = await client.get(f"/api/v1/programs/{other.id}", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    missing = await client.get("/api/v1/programs/999999", headers=headers)
    assert missing.json()["detail"] == response.json()["detail"]  # no existence leak


async def test_requires_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/programs")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = await client.get("/api/v1/programs", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


async def test_admin_creates_and_coordinator_updates(client: httpx.AsyncClient, db_session: Session) -> None:
    admin = make_user(db_session, is_admin=True)
    created = await client.post(
        "/api/v1/programs",
        headers=make_token(db_session, admin),
        json={"name": "Women in Tech", "language": "de", "default_cadence": "biweekly"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["duration_months"] == 12 and body["settings"]["matching_weights"]["values"] == 0.30
    assert body["my_role"] == "coordinator"

    mentee = make_user(db_session)
    from mentorloom.programs.models import Program

    make_membership(db_session, program=db_session.get(Program, body["id"]), user=mentee, role=Role.MENTEE)
    forbidden = await client.put(
        f"/api/v1/programs/{body['id']}", headers=make_token(db_session, mentee), json={"name": "Hijacked"}
    )
    assert forbidden.status_code == 403
    cannot_create = await client.post("/api/v1/programs", headers=make_token(db_session, mentee), json={"name": "x"})
    assert cannot_create.status_code == 403


async def test_validation_names_the_field(client: httpx.AsyncClient, db_session: Session) -> None:
    admin = make_user(db_session, is_admin=True)
    response = await client.post(
        "/api/v1/programs",
        headers=make_token(db_session, admin),
        json={"name": "X", "settings": {"matching_weights": {"values": 99}}},
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["settings.matching_weights.values"]


async def test_invitation_mails_a_working_link(client: httpx.AsyncClient, db_session: Session, settings) -> None:
    program = make_program(db_session)
    coordinator = make_user(db_session)
    make_membership(db_session, program=program, user=coordinator, role=Role.COORDINATOR)
    response = await client.post(
        f"/api/v1/programs/{program.id}/invitations",
        headers=make_token(db_session, coordinator),
        json={"email": "Neu.Mentee@Example.org", "name": "Neue Mentee", "role": "mentee"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "neu.mentee@example.org"
    (path,) = mailed_links(settings.mail_outbox, "/invitation/")

    page = await client.get(path)
    assert page.status_code == 200
    csrf = client.cookies.get("ml_csrf")
    done = await client.post(
        path, data={"password": "a long password!", "password2": "a long password!", "csrf_token": csrf}
    )
    assert done.status_code == 303
    again = await client.get(path)
    assert again.status_code == 404  # the link works once
    login = await client.post(
        "/login", data={"email": "neu.mentee@example.org", "password": "a long password!", "csrf_token": csrf}
    )
    assert login.status_code == 303 and "ml_session" in login.cookies
