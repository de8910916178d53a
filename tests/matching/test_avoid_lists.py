"""Avoid-lists through both front doors: the participant keeps their own, the program's coordinators anyone's.

One rule (`permissions.avoid_list_owner`, action keep_avoid_list) serves the API and the pages alike; a
coordinator has no list of their own, so the self-service endpoints and pages refuse them the same way.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching.models import MatchPreference
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program, make_token
from tests.matching.helpers import coordinator_user, headers_for, participant
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _lists(session: Session, owner: Membership) -> set[tuple[int, str]]:
    session.expire_all()
    rows = session.execute(
        select(MatchPreference.target_id, MatchPreference.kind).where(MatchPreference.owner_id == owner.id)
    )
    return {(target, kind.value) for target, kind in rows}


def _people(session: Session) -> tuple[Program, dict[str, Membership]]:
    program = make_program(session)
    return program, {
        "marta": participant(session, program, Role.MENTOR, "Marta Mentor"),
        "boss": participant(session, program, Role.MENTOR, "Bernd Boss"),
        "mia": participant(session, program, Role.MENTEE, "Mia Mentee"),
        "max": participant(session, program, Role.MENTEE, "Max Mentee"),
    }


async def test_api_coordinators_keep_participants_avoid_lists(client: httpx.AsyncClient, db_session: Session) -> None:
    program, people = _people(db_session)
    coordinator = coordinator_user(db_session, program)
    coord_h = make_token(db_session, coordinator)
    base = f"/api/v1/programs/{program.id}/matching"
    mia, boss, marta = people["mia"], people["boss"], people["marta"]
    wished = await client.put(f"{base}/preferences", headers=headers_for(db_session, mia), json={"prefer": [boss.id]})
    assert wished.status_code == 200, wished.text

    url = f"{base}/participants/{mia.id}/avoid"
    saved = await client.put(url, headers=coord_h, json={"avoid": [boss.id]})
    assert saved.status_code == 200, saved.text
    assert _lists(db_session, mia) == {(boss.id, "avoid")}  # a conflict beats a wish
    assert (await client.get(url, headers=coord_h)).json() == {"avoid": [boss.id]}

    own = await client.put(url, headers=headers_for(db_session, mia), json={"avoid": [boss.id, marta.id]})
    assert own.status_code == 200 and _lists(db_session, mia) == {(boss.id, "avoid"), (marta.id, "avoid")}

    others = await client.put(url, headers=headers_for(db_session, people["max"]), json={"avoid": []})
    assert others.status_code == 403
    assert (await client.get(url, headers=headers_for(db_session, marta))).status_code == 403

    coordinators_own = await client.put(f"{base}/preferences", headers=coord_h, json={"avoid": [mia.id]})
    assert coordinators_own.status_code == 403  # coordinators are not matched: no list of their own
    assert (await client.get(f"{base}/preferences", headers=coord_h)).status_code == 403
    membership_id = db_session.scalar(select(Membership.id).where(Membership.user_id == coordinator.id))
    no_list = await client.get(f"{base}/participants/{membership_id}/avoid", headers=coord_h)
    assert no_list.status_code == 404

    stranger = make_program(db_session, name="Elsewhere")
    foreign = participant(db_session, stranger, Role.MENTEE, "Fremd")
    assert (await client.get(f"{base}/participants/{foreign.id}/avoid", headers=coord_h)).status_code == 404


async def test_pages_coordinators_keep_participants_avoid_lists(client: httpx.AsyncClient, db_session: Session) -> None:
    program, people = _people(db_session)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    mia, boss = people["mia"], people["boss"]
    url = f"/programs/{program.id}/matching/participants/{mia.id}/avoid"

    token = await login(client, db_session, coordinator)
    profile = await client.get(f"/programs/{program.id}/participants/{mia.id}")
    assert url in profile.text  # the way in, from the participant's profile
    page = await client.get(url)
    assert page.status_code == 200 and "Bernd Boss" in page.text and "Max Mentee" not in page.text
    saved = await client.post(url, data={"csrf_token": token, "avoid": [str(boss.id)]})
    assert saved.status_code == 303, saved.text
    assert _lists(db_session, mia) == {(boss.id, "avoid")}
    assert f'value="{boss.id}" checked' in (await client.get(url)).text

    bad = await client.post(url, data={"csrf_token": token, "avoid": [str(people["max"].id)]})
    assert bad.status_code == 422 and "Unknown participant" in bad.text
    assert _lists(db_session, mia) == {(boss.id, "avoid")}

    own_page = await client.post(f"/programs/{program.id}/matching/preferences", data={"csrf_token": token})
    assert own_page.status_code == 403  # as in the API: no list of their own

    token = await login(client, db_session, people["max"].user)
    assert url not in (await client.get(f"/programs/{program.id}/participants/{mia.id}")).text
    refused = await client.post(url, data={"csrf_token": token, "avoid": []})
    assert refused.status_code == 403
    assert _lists(db_session, mia) == {(boss.id, "avoid")}
