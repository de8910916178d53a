"""Bad input on the dashboard: NUL bytes and huge numbers get a clear answer and write nothing."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.health import service
from mentorloom.health.models import CoordinatorNote
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


async def test_nul_bytes_and_huge_numbers_are_refused_cleanly(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, started_days_ago=70)
    service.recompute_program(db_session, pair.program)
    base = f"/api/v1/programs/{pair.program.id}/health"
    assert (await client.get(f"{base}/pairs", headers=pair.coord_h, params={"page": str(2**31)})).status_code in (
        200,
        422,
    )
    assert (await client.get(f"{base}/pairs/{2**31}", headers=pair.coord_h)).status_code in (404, 422)
    nul = await client.post(f"{base}/pairs/{pair.mentorship.id}/notes", headers=pair.coord_h, json={"text": "a\x00b"})
    assert nul.status_code == 422
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, token):
        page = await c.get(f"/programs/{pair.program.id}/health", params={"page": str(2**31), "band": "x\x00"})
        assert page.status_code in (200, 422)
        url = f"/programs/{pair.program.id}/health/pairs/{pair.mentorship.id}/notes"
        refused = await c.post(url, data={"csrf_token": token, "text": "a\x00b"})
        assert refused.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(CoordinatorNote)) == 0
