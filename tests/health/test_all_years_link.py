"""The empty analytics and retention pages offer "Show all years": that link opens the figures, never a refusal.

It pointed at from=2000-01-01, which exceeds the 20-year limit of a range since 2020 and answered 422.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.health.ranges import MAX_YEARS, parse_range, widest_start
from tests.factories import make_program
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("today", [date(2001, 3, 1), date(2019, 12, 31), date(2026, 12, 7), date(2048, 2, 29)])
def test_the_widest_start_is_a_range_parse_range_takes(today: date) -> None:
    period = parse_range(widest_start(today).isoformat(), None, today)
    assert period.start == widest_start(today) and period.end == today
    assert period.start.year >= 2000 and today.year - period.start.year < MAX_YEARS


async def test_show_all_years_opens_the_figures(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session)
    coordinator = coordinator_user(db_session, program)
    async with browser(app, db_session, coordinator) as (client, _token):
        for page in ("analytics", "retention"):
            empty = await client.get(f"/programs/{program.id}/health/{page}")
            assert empty.status_code == 200 and "data-empty" in empty.text, page
            found = re.search(r'<a href="([^"]*)"[^>]*>Show all years</a>', empty.text)
            assert found, page
            shown = await client.get(html.unescape(found.group(1)))
            assert shown.status_code == 200, (page, found.group(1))
