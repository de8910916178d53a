"""Program pages: CSV import (inline and in the background), inviting imported people, export for Excel."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import mailed_links, make_program, make_user, set_password

pytestmark = pytest.mark.anyio


async def _coordinator_client(client: httpx.AsyncClient, session: Session) -> int:
    program = make_program(session, name="Import test")
    user = make_user(session, email="coord@example.org")
    add_member(session, program, user, Role.COORDINATOR)
    password = set_password(session, user)
    await client.get("/login")
    await client.post(
        "/login", data={"email": "coord@example.org", "password": password, "csrf_token": client.cookies.get("ml_csrf")}
    )
    return program.id


async def test_import_page_reports_errors_and_invites_imported_people(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program_id = await _coordinator_client(client, db_session)
    csrf = {"csrf_token": client.cookies.get("ml_csrf")}
    bad = await client.post(
        f"/programs/{program_id}/import",
        data=csrf,
        files={"file": ("people.csv", b"email,name,role\nnope,X,mentor\n", "text/csv")},
    )
    assert bad.status_code == 422 and "Nothing was imported." in bad.text and "nope" in bad.text
    good = await client.post(
        f"/programs/{program_id}/import",
        data=csrf,
        files={"file": ("people.csv", "email;name;role\nmüller@example.org;Jörg Müller;mentee\n".encode(), "text/csv")},
    )
    assert good.status_code == 200 and "Send 1 invitation" in good.text
    invited = await client.post(f"/programs/{program_id}/invite-pending", data=csrf)
    assert invited.status_code == 303
    assert len(mailed_links(settings.mail_outbox, "/invitation/")) == 1
    export = await client.get(f"/programs/{program_id}/export.csv")
    assert export.content.startswith("\ufeff".encode()) and "Jörg Müller" in export.content.decode("utf-8-sig")


async def test_large_upload_is_imported_in_the_background(client: httpx.AsyncClient, db_session: Session) -> None:
    program_id = await _coordinator_client(client, db_session)
    rows = "".join(f"person{i}@example.org,Person Number {i},mentee,Europe/Berlin,de|en\n" for i in range(6000))
    data = ("email,name,role,timezone,languages\n" + rows).encode()
    response = await client.post(
        f"/programs/{program_id}/import",
        data={"csrf_token": client.cookies.get("ml_csrf")},
        files={"file": ("big.csv", data, "text/csv")},
    )
    assert response.status_code == 303 and "/imports/" in response.headers["location"]
    status = await client.get(response.headers["location"])
    assert "Import finished" in status.text and "6,000" in status.text


async def test_german_import_page_names_german_columns_and_reads_them(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program_id = await _coordinator_client(client, db_session)
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    page = await client.get(f"/programs/{program_id}/import", headers=german)
    assert "Pflichtspalten: E-Mail, Name und Rolle" in page.text
    csrf = {"csrf_token": client.cookies.get("ml_csrf")}
    # A bad header and a bad row: both are listed after one upload.
    bad = await client.post(
        f"/programs/{program_id}/import",
        data=csrf,
        headers=german,
        files={"file": ("leute.csv", b"E-Mail;Name;Rolle;Farbe\nkaputt;X;Mentee;rot\n", "text/csv")},
    )
    assert bad.status_code == 422 and "Farbe" in bad.text and "kaputt" in bad.text
    good = await client.post(
        f"/programs/{program_id}/import",
        data=csrf,
        headers=german,
        files={"file": ("leute.csv", "E-Mail;Name;Rolle\njörg@example.org;Jörg;Mentee\n".encode(), "text/csv")},
    )
    assert good.status_code == 200
