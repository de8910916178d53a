"""Profile pages: who sees the line manager, the edit form, tag suggestions."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.profiles.schemas import ProfileIn, SkillLevel
from mentorloom.profiles.service import get_profile, update_profile
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user, set_password

pytestmark = pytest.mark.anyio
BOSS = "chefin@example.org"


async def _log_in(client: httpx.AsyncClient, session: Session, user: User) -> None:
    password = set_password(session, user)
    client.cookies.clear()
    await client.get("/login")
    await client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": client.cookies.get("ml_csrf")}
    )


def _people(session: Session) -> tuple[Program, dict[str, User], int]:
    program = make_program(session)
    people = {name: make_user(session, name=name) for name in ("Anna", "Ben", "Coordinator")}
    anna = add_member(session, program, people["Anna"], Role.MENTOR)
    add_member(session, program, people["Ben"], Role.MENTOR)
    add_member(session, program, people["Coordinator"], Role.COORDINATOR)
    expertise = [SkillLevel(skill="Verhandlungsführung", level=4)]
    update_profile(
        session, get_profile(session, anna), ProfileIn(name="Anna", line_manager_email=BOSS, expertise=expertise)
    )
    return program, people, anna.id


async def test_the_profile_page_shows_the_line_manager_only_to_editors(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, people, anna_id = _people(db_session)
    page = f"/programs/{program.id}/participants/{anna_id}"
    for name, sees_it in (("Anna", True), ("Coordinator", True), ("Ben", False)):
        await _log_in(client, db_session, people[name])
        response = await client.get(page)
        assert response.status_code == 200
        assert (BOSS in response.text) is sees_it, name
        assert (f"{page}/edit" in response.text) is sees_it, name
    await _log_in(client, db_session, people["Coordinator"])
    form = await client.get(f"{page}/edit")
    assert form.status_code == 200 and BOSS in form.text


async def test_tag_suggestions_offer_existing_tags(client: httpx.AsyncClient, db_session: Session) -> None:
    program, people, _anna_id = _people(db_session)
    await _log_in(client, db_session, people["Ben"])
    response = await client.get(f"/programs/{program.id}/tags/suggest", params={"kind": "skill", "q": "verh"})
    assert response.status_code == 200 and "Verhandlungsführung" in response.text


async def test_the_time_zone_picker_offers_todays_zones_by_region_with_the_own_zone_first(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    import re

    program, people, anna_id = _people(db_session)
    profile = get_profile(db_session, db_session.get_one(Membership, anna_id))
    profile.timezone = "US/Pacific"  # a deprecated alias an old import may have stored
    db_session.flush()
    await _log_in(client, db_session, people["Anna"])
    form = (await client.get(f"/programs/{program.id}/participants/{anna_id}/edit")).text
    values = re.findall(r'<option value="([^"]+)"', form[form.index('id="f-timezone"') :].split("</select>")[0])
    assert "Factory" not in values and "localtime" not in values and "Etc/GMT+5" not in values
    assert values[0] == "US/Pacific" and values.count("US/Pacific") == 1  # kept, and first
    assert "Europe/Berlin" in values and 250 < len(values) < 400
    assert re.search(r'<option value="US/Pacific" selected>', form)
    assert "Berlin (Germany) · UTC+" in form
