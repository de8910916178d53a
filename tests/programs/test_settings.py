"""Program settings: a retired key in stored settings still loads, and the form edits the overdue factor."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mentorloom.programs.models import Program, Role
from mentorloom.programs.schemas import ProgramSettings
from mentorloom.programs.service import add_member, program_settings
from tests.factories import make_program, make_user, set_password

RETIRED = {"video_url_template": "https://meet.jit.si/mentorloom-{pair}"}


def test_stored_settings_with_the_retired_video_template_still_load() -> None:
    settings = ProgramSettings.model_validate({**RETIRED, "overdue_factor": 2.0})
    assert settings.overdue_factor == 2.0
    assert "video_url_template" not in settings.model_dump()


def test_other_unknown_settings_are_still_refused() -> None:
    with pytest.raises(ValidationError, match="video_room_template"):
        ProgramSettings.model_validate({"video_room_template": "https://example.org/{pair}"})


@pytest.mark.anyio
async def test_the_settings_form_edits_the_overdue_factor_and_drops_the_retired_key(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session, name="Settings test")
    program.settings = ProgramSettings().model_dump(mode="json") | RETIRED  # as stored before the key retired
    coordinator = make_user(db_session, email="coord@example.org")
    add_member(db_session, program, coordinator, Role.COORDINATOR)
    password = set_password(db_session, coordinator)
    db_session.flush()
    assert program_settings(program).overdue_factor == 1.5

    await client.get("/login")
    login = {"email": "coord@example.org", "password": password, "csrf_token": client.cookies.get("ml_csrf")}
    await client.post("/login", data=login)
    page = await client.get(f"/programs/{program.id}/edit")
    assert page.status_code == 200
    assert 'name="settings.overdue_factor" value="1.5"' in page.text and "video_url_template" not in page.text
    german = await client.get(f"/programs/{program.id}/edit", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Faktor für überfällige Treffen" in german.text

    fields = dict(re.findall(r'name="([\w.]+)" value="([^"]*)"', page.text))
    fields |= {"language": "en", "default_cadence": "monthly", "settings.matching_mode": "optimal"}
    fields |= {"settings.overdue_factor": "2", "csrf_token": client.cookies.get("ml_csrf") or ""}
    saved = await client.post(f"/programs/{program.id}/edit", data=fields)
    assert saved.status_code == 303, saved.text[-2000:]
    db_session.expire_all()
    stored = db_session.get_one(Program, program.id).settings
    assert stored["overdue_factor"] == 2.0 and "video_url_template" not in stored

    fields["settings.overdue_factor"] = "0.5"  # below 1 a pair would be overdue before its next meeting is due
    refused = await client.post(f"/programs/{program.id}/edit", data=fields)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text


async def _coordinator_form(client: httpx.AsyncClient, db_session: Session) -> tuple[Program, dict[str, str]]:
    program = make_program(db_session, name="Health settings")
    coordinator = make_user(db_session, email="health-coord@example.org")
    add_member(db_session, program, coordinator, Role.COORDINATOR)
    password = set_password(db_session, coordinator)
    db_session.flush()
    await client.get("/login")
    login = {"email": "health-coord@example.org", "password": password, "csrf_token": client.cookies.get("ml_csrf")}
    await client.post("/login", data=login)
    page = await client.get(f"/programs/{program.id}/edit")
    assert page.status_code == 200
    fields = dict(re.findall(r'name="([\w.]+)" value="([^"]*)"', page.text))
    fields |= {"language": "en", "default_cadence": "monthly", "settings.matching_mode": "optimal"}
    return program, fields | {"csrf_token": client.cookies.get("ml_csrf") or ""}


@pytest.mark.anyio
async def test_the_settings_form_edits_health_and_an_empty_conclusion_box_means_never(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, fields = await _coordinator_form(client, db_session)
    assert fields["settings.health.auto_conclude_days"] == ""  # off by default, shown as an empty box
    assert fields["settings.health.weights.cadence"] == "35"

    fields |= {"settings.health.auto_conclude_days": "90", "settings.health.pulse_enabled": "on"}
    fields |= {"settings.health.weights.cadence": "40", "settings.health.at_risk_below": "45"}
    assert (await client.post(f"/programs/{program.id}/edit", data=fields)).status_code == 303
    db_session.expire_all()
    health = program_settings(db_session.get_one(Program, program.id)).health
    assert (health.auto_conclude_days, health.pulse_enabled, health.weights.cadence, health.at_risk_below) == (
        90,
        True,
        40,
        45,
    )

    fields |= {"settings.health.auto_conclude_days": ""}
    fields.pop("settings.health.pulse_enabled")  # an unticked box is not posted
    assert (await client.post(f"/programs/{program.id}/edit", data=fields)).status_code == 303
    db_session.expire_all()
    health = program_settings(db_session.get_one(Program, program.id)).health
    assert health.auto_conclude_days is None and health.pulse_enabled is False


@pytest.mark.anyio
async def test_health_bands_out_of_order_are_refused_at_the_field_and_nothing_is_saved(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, fields = await _coordinator_form(client, db_session)
    fields |= {"settings.health.at_risk_below": "80", "settings.health.healthy_from": "70"}
    response = await client.post(f"/programs/{program.id}/edit", data=fields)
    assert response.status_code == 422
    assert "Must be lower than the score where healthy starts." in response.text
    db_session.expire_all()
    assert program_settings(db_session.get_one(Program, program.id)).health.at_risk_below == 50
