"""Each kind of event is recorded through the real page or API path: who, what, target, program, from where."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.accounts import service as accounts
from mentorloom.accounts.security import LinkSigner
from mentorloom.audit.models import AuditAction
from mentorloom.config import Settings
from mentorloom.matching import service as matching
from mentorloom.programs.models import Role
from tests.audit.helpers import as_text, events, one
from tests.factories import make_program, make_token, make_user, set_password
from tests.matching.helpers import coordinator_user, sample_people
from tests.matching.test_views import login
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio
CLIENT = "127.0.0.1"  # httpx's ASGI transport sends requests from here


async def test_sign_in_and_sign_out_are_recorded_with_the_address(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    user = make_user(db_session, name="Ines Login")
    csrf = await login(client, db_session, user)
    signed_in = one(db_session, AuditAction.SIGN_IN, target_id=user.id)
    assert (signed_in.actor_user_id, signed_in.target_type, signed_in.origin) == (user.id, "user", CLIENT)
    assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303
    signed_out = one(db_session, AuditAction.SIGN_OUT, target_id=user.id)
    assert signed_out.actor_user_id == user.id and signed_out.origin == CLIENT


async def test_a_failed_sign_in_is_recorded_without_the_password(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    user = make_user(db_session, email="frida.failed@example.org")
    set_password(db_session, user)
    await client.get("/login")
    csrf = str(client.cookies.get("ml_csrf"))
    wrong = "Tr0ub4dor&3-not-it"
    answer = await client.post("/login", data={"email": user.email, "password": wrong, "csrf_token": csrf})
    assert answer.status_code == 401
    # someone types the password into the address field: it must not land in the log either
    typed = "my-secret-passphrase-typed-early"
    await client.post("/login", data={"email": typed, "password": wrong, "csrf_token": csrf})
    failed = events(db_session, AuditAction.SIGN_IN_FAILED)[-2:]
    assert [(e.actor_user_id, e.target_id, e.detail["reason"]) for e in failed] == [
        (None, user.id, "wrong_password"),
        (None, None, "unknown_account"),
    ]
    for event in failed:
        assert event.origin == CLIENT
        for secret in (wrong, typed, user.email):
            assert secret not in as_text(event)


async def test_token_creation_and_revocation(client: httpx.AsyncClient, db_session: Session) -> None:
    user = make_user(db_session)
    headers = make_token(db_session, user)
    created = await client.post("/api/v1/me/tokens", headers=headers, json={"name": "laptop"})
    assert created.status_code == 201, created.text
    token_id = created.json()["id"]
    event = one(db_session, AuditAction.TOKEN_CREATED, target_id=token_id)
    assert (event.actor_user_id, event.target_type, event.origin) == (user.id, "api_token", CLIENT)
    assert created.json()["token"] not in as_text(event)
    revoked = await client.delete(f"/api/v1/me/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert one(db_session, AuditAction.TOKEN_REVOKED, target_id=token_id).actor_user_id == user.id


async def test_program_creation_settings_invitations_and_roles(client: httpx.AsyncClient, db_session: Session) -> None:
    admin = make_user(db_session, is_admin=True)
    headers = make_token(db_session, admin)
    created = await client.post("/api/v1/programs", headers=headers, json={"name": "Audit program"})
    assert created.status_code == 201, created.text
    program = created.json()
    made = one(db_session, AuditAction.PROGRAM_CREATED, target_id=program["id"])
    assert (made.actor_user_id, made.program_id, made.origin) == (admin.id, program["id"], CLIENT)
    one(db_session, AuditAction.ROLE_CHANGED, program_id=program["id"])  # the creator became coordinator

    body = {**{k: program[k] for k in ("name", "description", "language")}, "duration_months": 9}
    body["settings"] = {**program["settings"], "min_proposal_score": 55}
    changed = await client.put(f"/api/v1/programs/{program['id']}", headers=headers, json=body)
    assert changed.status_code == 200, changed.text
    settings_event = one(db_session, AuditAction.PROGRAM_SETTINGS_CHANGED, target_id=program["id"])
    assert settings_event.actor_user_id == admin.id
    assert {"duration_months", "settings.min_proposal_score"} <= set(settings_event.detail["changed"])

    invited = await client.post(
        f"/api/v1/programs/{program['id']}/invitations",
        headers=headers,
        json={"email": "nina.new@example.org", "name": "Nina New", "role": "mentor"},
    )
    assert invited.status_code == 201, invited.text
    invitation = one(db_session, AuditAction.INVITATION_SENT, target_id=invited.json()["id"])
    assert (invitation.actor_user_id, invitation.program_id) == (admin.id, program["id"])
    assert invitation.detail["role"] == "mentor" and "nina.new@example.org" not in as_text(invitation)
    role = one(db_session, AuditAction.ROLE_CHANGED, target_id=invited.json()["id"])
    assert role.detail == {"user_id": invitation.detail["user_id"], "from": None, "to": "mentor"}


def test_invitation_accepted_and_password_reset(db_session: Session, settings: Settings) -> None:
    program = make_program(db_session)
    user = make_user(db_session)
    signer = LinkSigner(settings.signing_key)
    from mentorloom.programs.service import add_member

    add_member(db_session, program, user, Role.MENTEE)
    invitation = accounts.make_link_token(signer, accounts.INVITATION, user)
    accounts.accept_invitation(db_session, signer, invitation, "a fresh long passphrase 7", 3600)
    assert one(db_session, AuditAction.INVITATION_ACCEPTED, target_id=user.id).actor_user_id == user.id
    reset = accounts.make_link_token(signer, accounts.PASSWORD_RESET, user)
    accounts.reset_password(db_session, signer, reset, "another long passphrase 8", 3600)
    event = one(db_session, AuditAction.PASSWORD_RESET, target_id=user.id)
    assert "passphrase" not in as_text(event)


async def test_matching_publish_over_the_api(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program)
    run = matching.start_run(db_session, program, coordinator)
    matching.compute_run(db_session, run)
    base = f"/api/v1/programs/{program.id}/matching/runs/{run.id}"
    published = await client.post(f"{base}/publish", headers=make_token(db_session, coordinator))
    assert published.status_code == 200, published.text
    event = one(db_session, AuditAction.MATCHING_PUBLISHED, target_id=run.id)
    assert (event.actor_user_id, event.program_id, event.target_type) == (coordinator.id, program.id, "match_run")
    assert event.detail["offers"] >= 1


async def test_every_mentorship_state_change(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    paused = await client.post(f"{pair.base}/pause", headers=pair.mentee_h, json={"reason": "Exams, private"})
    assert paused.status_code == 200, paused.text
    resumed = await client.post(f"{pair.base}/resume", headers=pair.mentor_h, json={})
    assert resumed.status_code == 200, resumed.text
    changes = events(db_session, AuditAction.MENTORSHIP_STATE_CHANGED, target_id=pair.mentorship.id)
    assert [(e.detail["from"], e.detail["to"]) for e in changes] == [("active", "paused"), ("paused", "active")]
    assert [e.actor_user_id for e in changes] == [pair.mentee.user_id, pair.mentor.user_id]
    assert all(e.program_id == pair.program.id and e.origin == CLIENT for e in changes)
    assert "Exams" not in as_text(changes[0])  # the reason is the pair's own words


async def test_participants_export_and_import(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program)
    headers = make_token(db_session, coordinator)
    exported = await client.get(f"/api/v1/programs/{program.id}/participants/export", headers=headers)
    assert exported.status_code == 200
    out = one(db_session, AuditAction.PARTICIPANTS_EXPORTED, program_id=program.id)
    assert (out.actor_user_id, out.origin) == (coordinator.id, CLIENT)
    imported = await client.post(
        f"/api/v1/programs/{program.id}/participants/import",
        headers={**headers, "Content-Type": "text/csv"},
        content=exported.content,
    )
    assert imported.status_code == 200, imported.text
    into = one(db_session, AuditAction.PARTICIPANTS_IMPORTED, program_id=program.id)
    assert into.actor_user_id == coordinator.id and into.detail["unchanged"] == imported.json()["unchanged"]
