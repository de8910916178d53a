"""Analytics and retention pages, their CSV and JSON exports and the API: coordinators only, charts without
scripts, data tables beside them, range errors at the field, empty states, German."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.mentorships.models import ClosureReason, MentorshipStatus
from mentorloom.programs.models import Program
from tests.factories import make_program
from tests.health.analytics_builders import held, pair
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio
S = MentorshipStatus


def history(session: Session, program: Program) -> None:
    """12 pairs over the last year: 6 under way, 3 completed, 3 ended early; monthly meetings with feedback."""
    now = utcnow()
    for i in range(12):
        start = now - timedelta(days=330 - 20 * i)
        status = S.ACTIVE if i % 2 else (S.COMPLETED if i % 4 == 0 else S.ENDED_EARLY)
        ended = None if status is S.ACTIVE else start + timedelta(days=90)
        ms = pair(session, program, start, status=status, ended=ended, reason=ClosureReason.LACK_OF_TIME)
        for k in range(1, 4):
            if start + timedelta(days=30 * k) < (ended or now):
                held(session, ms, start + timedelta(days=30 * k), (4, False), (5, False))


async def test_pages_render_with_charts_tables_and_no_script(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session, name="Sommer 2025")
    history(db_session, program)
    coord = coordinator_user(db_session, program)
    async with browser(app, db_session, coord) as (c, _token):
        page = await c.get(f"/programs/{program.id}/health/analytics")
        assert page.status_code == 200, page.text
        html = page.text
        assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
        # one or two pairs start each month: the meetings chart shows, the cohort chart would give small groups away
        assert html.count('class="chart-image"') == 1 and html.count("<caption>") >= 3
        assert "Too few pairs start each month" in html
        assert 'data-figure="pairs_under_way">12<' in html
        for link in ("/health/report", "/health/retention", f'/programs/{program.id}/health"'):
            assert link in html
        retention = await c.get(f"/programs/{program.id}/health/retention")
        assert retention.status_code == 200 and 'data-group="all"' in retention.text
        body = retention.text.split("<main", 1)[-1]
        assert "<script" not in body.split("</main>", 1)[0] and 'class="chart-image"' in body
        c.cookies.set("ml_lang", "de")
        german = await c.get(f"/programs/{program.id}/health/analytics")
        assert german.status_code == 200 and "Kennzahlen" in german.text and "Key figures" not in german.text
        german = await c.get(f"/programs/{program.id}/health/retention")
        assert german.status_code == 200 and "Alle Paare" in german.text


async def test_range_errors_name_the_field_and_empty_states_explain(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session)
    coord = coordinator_user(db_session, program)
    url = f"/programs/{program.id}/health/analytics"
    async with browser(app, db_session, coord) as (c, _token):
        wrong = await c.get(url, params={"from": "2025-05-01", "to": "2025-03-01"})
        assert wrong.status_code == 422
        assert re.search(r'id="f-from-error"[^>]*>[^<]*“From” must be on or before “to”', wrong.text)
        bad = await c.get(url, params={"to": "soon"})
        assert bad.status_code == 422 and 'id="f-to-error"' in bad.text
        empty = await c.get(url)
        assert empty.status_code == 200 and "data-empty" in empty.text and "matched and start" in empty.text
        empty = await c.get(f"/programs/{program.id}/health/retention")
        assert empty.status_code == 200 and "data-empty" in empty.text
        assert (await c.get(f"{url}.csv", params={"table": "nope"})).status_code == 422


async def test_exports_hide_small_counts(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session, name="=cmd|' /C calc'!A0")
    history(db_session, program)
    coord = coordinator_user(db_session, program)
    base = f"/programs/{program.id}/health"
    async with browser(app, db_session, coord) as (c, _token):
        exported = await c.get(f"{base}/analytics.csv", params={"table": "cohorts"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0] == ["Start month", "Started", "Under way", "Completed", "Ended early"]
        cells = [cell for row in rows[1:] for cell in row[1:]]
        assert "hidden" in cells and not {"1", "2", "3", "4"} & set(cells)
        summary = (await c.get(f"{base}/analytics.json")).json()
        assert summary["summary"]["pairs_under_way"] == {"value": 12, "suppressed": False}
        assert summary["summary"]["ended_early"] == {"value": None, "suppressed": True}
        endings = (await c.get(f"{base}/analytics.json", params={"table": "endings"})).json()
        assert endings["columns"] == ["reason_label", "pairs"] and endings["rows"][-1]["reason"] == "total"
        curves = await c.get(f"{base}/retention.csv", params={"table": "curves"})
        assert curves.status_code == 200 and curves.content.decode("utf-8-sig").startswith("Group,")
        everything = (await c.get(f"{base}/retention.json")).json()
        assert everything["overall"]["pairs"]["value"] == 12 and len(everything["overall"]["retention_at"]) == 3
        assert "attachment" in curves.headers["content-disposition"]
        json.dumps(everything)


async def test_permissions_and_api(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    p = make_pair(db_session, started_days_ago=40)
    history(db_session, p.program)
    for what in ("analytics", "retention"):
        api = f"/api/v1/programs/{p.program.id}/health/{what}"
        answer = await client.get(api, headers=p.coord_h)
        assert answer.status_code == 200, answer.text
        assert answer.json()["range"]["from"]
        bad = await client.get(api, headers=p.coord_h, params={"from": "2025-05-01", "to": "2025-01-01"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
        for headers in (p.mentor_h, p.mentee_h):
            assert (await client.get(api, headers=headers)).status_code == 403
        other = make_pair(db_session)
        assert (await client.get(api, headers=other.coord_h)).status_code == 404
        page = f"/programs/{p.program.id}/health/{what}"
        async with browser(app, db_session, p.mentor.user) as (c, _token):
            assert (await c.get(page)).status_code == 403
            assert (await c.get(f"{page}.csv")).status_code == 403
        async with browser(app, db_session, other.mentee.user) as (c, _token):
            assert (await c.get(page)).status_code == 404
            assert (await c.get(f"{page}.json")).status_code == 404
    data = (await client.get(f"/api/v1/programs/{p.program.id}/health/analytics", headers=p.coord_h)).json()
    assert data["summary"]["pairs_under_way"]["value"] == 13 and data["min_cell"] == 5
