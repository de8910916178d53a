"""Profiles, directory, tags and CSV import/export over /api/v1."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.profiles.import_jobs import BACKGROUND_THRESHOLD_BYTES
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_token, make_user

pytestmark = pytest.mark.anyio

HEADER = "email,name,role,languages,values,expertise,wanted_skills,capacity,timezone\n"


def _program_with_coordinator(session: Session) -> tuple[Program, dict[str, str]]:
    program = make_program(session)
    coordinator = make_user(session)
    add_member(session, program, coordinator, Role.COORDINATOR)
    return program, make_token(session, coordinator)


def _mentor(session: Session, program: Program, name: str = "Jürgen Weiß") -> tuple[Membership, dict[str, str]]:
    user = make_user(session, name=name)
    return add_member(session, program, user, Role.MENTOR), make_token(session, user)


PROFILE = {
    "name": "Jürgen Weiß",
    "bio": "Vertrieb seit 20 Jahren",
    "values": ["autonomy", "family"],
    "languages": ["de", "EN"],
    "timezone": "Europe/Berlin",
    "capacity": 2,
    "availability": [{"day": 0, "start": "09:00", "end": "11:30"}],
    "expertise": [{"skill": "Verhandlungsführung", "level": 5}, {"skill": " verhandlungsführung ", "level": 4}],
    "interests": ["Bergwandern", "bergwandern"],
}


async def test_profile_edit_normalises_and_detects_stale_versions(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    membership, headers = _mentor(db_session, program)
    url = f"/api/v1/programs/{program.id}/participants/{membership.id}/profile"
    current = (await client.get(url, headers=headers)).json()
    saved = await client.put(url, headers=headers, json={**PROFILE, "version": current["version"]})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["languages"] == ["de", "en"]
    assert [s["skill"] for s in body["expertise"]] == ["Verhandlungsführung"]  # one tag, first spelling
    assert body["interests"] == ["Bergwandern"]
    stale = await client.put(url, headers=headers, json={**PROFILE, "version": current["version"]})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"


async def test_profile_validation_names_fields(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    membership, headers = _mentor(db_session, program)
    url = f"/api/v1/programs/{program.id}/participants/{membership.id}/profile"
    bad = {
        **PROFILE,
        "timezone": "Mars/Olympus",
        "values": ["greed"],
        "availability": [{"day": 9, "start": "10:00", "end": "11:00"}, {"day": 1, "start": "10:00", "end": "09:00"}],
    }
    response = await client.put(url, headers=headers, json=bad)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"timezone", "values", "availability.0.day", "availability.1"} <= fields


async def test_others_profiles_are_read_only_and_other_programs_404(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, other_program = make_program(db_session), make_program(db_session)
    _mine, headers = _mentor(db_session, program)
    peer, _peer_headers = _mentor(db_session, program, "Peer")
    stranger, _ = _mentor(db_session, other_program, "Stranger")
    base = f"/api/v1/programs/{program.id}/participants"
    assert (await client.get(f"{base}/{peer.id}/profile", headers=headers)).status_code == 200
    assert (await client.put(f"{base}/{peer.id}/profile", headers=headers, json=PROFILE)).status_code == 403
    # A participant of another program, addressed through my program or through theirs: 404 both ways.
    assert (await client.get(f"{base}/{stranger.id}/profile", headers=headers)).status_code == 404
    other = f"/api/v1/programs/{other_program.id}/participants/{stranger.id}/profile"
    assert (await client.get(other, headers=headers)).status_code == 404


async def test_directory_search_filters_and_paginates(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers = _program_with_coordinator(db_session)
    for i in range(7):
        _mentor(db_session, program, name=f"Mentor {i:02d}")
    page = (
        await client.get(
            f"/api/v1/programs/{program.id}/participants",
            headers=headers,
            params={"role": "mentor", "per_page": 3, "page": 3},
        )
    ).json()
    assert page["total"] == 7 and page["pages"] == 3 and [p["name"] for p in page["items"]] == ["Mentor 06"]
    found = (
        await client.get(f"/api/v1/programs/{program.id}/participants", headers=headers, params={"q": "tor 03"})
    ).json()
    assert [p["name"] for p in found["items"]] == ["Mentor 03"]


async def test_csv_import_is_atomic_and_reports_every_bad_row(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers = _program_with_coordinator(db_session)
    users_before = db_session.scalar(select(func.count()).select_from(User))
    bad = (
        HEADER + "ok@example.org,Ok,mentor,de,autonomy,Python:4,,2,Europe/Berlin\n"
        "broken,Bad,mentor,de,autonomy,Python:9,,2,Europe/Berlin\n"
        "x@example.org,X,mentee,de,unknown-value,,Python:1,,Nowhere/City\n"
    )
    response = await client.post(
        f"/api/v1/programs/{program.id}/participants/import", headers=headers, content=bad.encode()
    )
    assert response.status_code == 422
    errors = {(e["line"], e["column"]) for e in response.json()["errors"]}
    assert {(3, "email"), (3, "expertise"), (4, "values"), (4, "timezone")} <= errors
    assert db_session.scalar(select(func.count()).select_from(User)) == users_before  # nothing written


async def test_csv_import_then_export_round_trips(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers = _program_with_coordinator(db_session)
    good = (
        "\ufeff"
        + HEADER.replace(",", ";")
        + "anna@example.org;Anna Schäfer;mentor;de|en;autonomy|family;Verhandlung:5;;2;Europe/Berlin\n"
        "ben@example.org;Ben;mentee;en;growth;;Verhandlung:1;;Europe/London\n"
    )
    url = f"/api/v1/programs/{program.id}/participants/import"
    first = await client.post(url, headers=headers, content=good.encode())
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    again = await client.post(url, headers=headers, content=good.encode())
    assert again.json()["created"] == 0
    exported = await client.get(f"/api/v1/programs/{program.id}/participants/export", headers=headers)
    assert exported.headers["content-type"].startswith("text/csv")
    assert "anna@example.org" in exported.text and "Anna Schäfer" in exported.text
    reimport = await client.post(url, headers=headers, content=exported.content)
    assert reimport.json()["created"] == 0 and reimport.json()["updated"] == 0


async def test_large_import_runs_as_a_job(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers = _program_with_coordinator(db_session)
    rows = [f"p{i}@example.org,Person {i},mentee,en,growth,,Python:1,,UTC" for i in range(4500)]
    data = (HEADER + "\n".join(rows) + "\n").encode()
    assert len(data) > BACKGROUND_THRESHOLD_BYTES
    response = await client.post(f"/api/v1/programs/{program.id}/participants/import", headers=headers, content=data)
    assert response.status_code == 202, response.text
    job = (await client.get(f"/api/v1/programs/{program.id}/imports/{response.json()['id']}", headers=headers)).json()
    assert job["status"] == "done" and job["summary"]["created"] == 4500  # immediate queue in tests
    count = db_session.scalar(select(func.count()).select_from(Membership).where(Membership.program_id == program.id))
    assert count == 4501


@pytest.mark.parametrize("data", [b"123", b"email,name\nanna@example.org,Anna\n", b"\xff\xfe"])
async def test_a_queued_import_with_a_bad_header_is_refused_at_once(
    data: bytes, client: httpx.AsyncClient, db_session: Session
) -> None:
    """No job for a file that can only fail: the header problems come back as a 422, as for a small file."""
    program, headers = _program_with_coordinator(db_session)
    url = f"/api/v1/programs/{program.id}/participants/import"
    response = await client.post(url, headers=headers, params={"background": "true"}, content=data)
    assert response.status_code == 422, response.text
    assert response.json()["errors"], response.json()
    good = await client.post(url, headers=headers, params={"background": "true"}, content=HEADER.encode())
    assert good.status_code == 202, good.text  # a good header is queued; the rows are checked by the job


async def test_tag_autocomplete(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    membership, headers = _mentor(db_session, program)
    await client.put(
        f"/api/v1/programs/{program.id}/participants/{membership.id}/profile", headers=headers, json=PROFILE
    )
    params = {"program_id": program.id, "kind": "skill", "q": "VERH"}
    tags = (await client.get("/api/v1/tags", headers=headers, params=params)).json()
    assert tags == ["Verhandlungsführung"]


async def test_a_skills_only_save_counts_as_a_change_so_an_older_form_conflicts(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """The version also bumps when only skills, interests or the name change (no profiles column)."""
    program = make_program(db_session)
    membership, headers = _mentor(db_session, program)
    url = f"/api/v1/programs/{program.id}/participants/{membership.id}/profile"
    first = (await client.put(url, headers=headers, json=PROFILE)).json()
    skills_only = {**PROFILE, "expertise": [{"skill": "Python", "level": 3}], "version": first["version"]}
    saved = await client.put(url, headers=headers, json=skills_only)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == first["version"] + 1
    older_form = {**PROFILE, "version": first["version"]}  # opened before the skills-only save
    stale = await client.put(url, headers=headers, json=older_form)
    assert stale.status_code == 409
    current = (await client.get(url, headers=headers)).json()
    assert [s["skill"] for s in current["expertise"]] == ["Python"]  # the newer save was kept


async def test_the_line_manager_is_private_to_the_person_and_the_coordinators(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator_headers = _program_with_coordinator(db_session)
    anna, anna_headers = _mentor(db_session, program, "Anna")
    _ben, ben_headers = _mentor(db_session, program, "Ben")
    url = f"/api/v1/programs/{program.id}/participants/{anna.id}/profile"
    saved = await client.put(url, headers=anna_headers, json={**PROFILE, "line_manager_email": "Chefin@Example.org"})
    assert saved.json()["line_manager_email"] == "chefin@example.org"
    seen = {
        who: (await client.get(url, headers=headers)).json()["line_manager_email"]
        for who, headers in (("anna", anna_headers), ("coordinator", coordinator_headers), ("ben", ben_headers))
    }
    assert seen == {"anna": "chefin@example.org", "coordinator": "chefin@example.org", "ben": ""}


async def test_a_profile_save_embeds_only_that_profile(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    anna, headers = _mentor(db_session, program, "Anna")
    ben, _ben_headers = _mentor(db_session, program, "Ben")  # never embedded: stale, but not part of Anna's save
    url = f"/api/v1/programs/{program.id}/participants/{anna.id}/profile"
    assert (await client.put(url, headers=headers, json=PROFILE)).status_code == 200  # immediate queue in tests
    models = select(Profile.membership_id, Profile.embedding_model).where(Profile.membership_id.in_([anna.id, ben.id]))
    embedded = {membership_id: model for membership_id, model in db_session.execute(models)}
    assert embedded[anna.id] != "" and embedded[ben.id] == ""
