"""Pages and endpoints that list several mentorships or agreement versions read them in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.mentorships import agreements, goals
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import Agreement
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, headers_for
from tests.mentorships.helpers import Pair, make_pair
from tests.mentorships.test_views import browser

pytestmark = pytest.mark.anyio

# Room for the session, permissions and the page itself (14, 10 and 18 now), far below a few queries per item;
# +1 the header's unread notification count (one indexed count on every full page), +1 the last meeting of all
# listed pairs at once (meetings' panel): both once per page, not per pair.
LIST_PAGE_QUERIES = 20
VERSIONS_PAGE_QUERIES = 14
VERSIONS_API_QUERIES = 22


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    """The SQL statements run on the test's connection (the app shares it) while the block runs."""
    statements: list[str] = []
    connection = session.connection()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _with_versions(session: Session, pair: Pair, count: int) -> list[Agreement]:
    """`count` versions of the pair's agreement, each with the same two goals (with skills)."""
    seat = seat_for(session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    for title in ("Negotiate a raise", "Lead a team"):
        goals.add_goal(session, seat, pair.program, {"title": title, "skills": ["Negotiation", "Leadership"]})
    version = agreements.current(session, pair.mentorship)
    assert version is not None
    for n in range(2, count + 1):
        version = agreements.copy_version(session, version, pair.mentor.user, f"Change {n}")
    session.flush()
    session.expire_all()  # as in a new request: nothing loaded yet
    return agreements.versions(session, pair.mentorship)


async def test_the_list_page_needs_the_same_few_queries_for_many_pairs(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session)
    user = coordinator_user(db_session, program)
    for n in range(6):
        pair = make_pair(db_session, program=program, coordinator_headers={})
        if n % 2:
            _with_versions(db_session, pair, 2)
    async with browser(app, db_session, user) as (c, _token):
        await c.get(f"/programs/{program.id}/mentorships")  # warm up: the session, templates
        db_session.expire_all()
        with counted(db_session) as statements:
            page = await c.get(f"/programs/{program.id}/mentorships")
    assert page.status_code == 200 and page.text.count("Version 2") == 3
    assert len(statements) <= LIST_PAGE_QUERIES, "\n".join(statements)


async def test_the_versions_page_and_endpoint_do_not_query_per_version(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    assert len(_with_versions(db_session, pair, 4)) == 4
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        url = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/agreement/versions"
        await c.get(url)
        db_session.expire_all()
        with counted(db_session) as page_statements:
            page = await c.get(url)
    assert page.status_code == 200 and "Compare with version 3" in page.text
    assert len(page_statements) <= VERSIONS_PAGE_QUERIES, "\n".join(page_statements)

    headers = headers_for(db_session, pair.mentor)
    await client.get(f"{pair.base}/agreement/versions", headers=headers)
    db_session.expire_all()
    with counted(db_session) as api_statements:
        listed = await client.get(f"{pair.base}/agreement/versions", headers=headers)
    body = listed.json()
    assert [v["version"] for v in body] == [1, 2, 3, 4]
    assert all(sorted(g["skills"]) == ["Leadership", "Negotiation"] for v in body for g in v["goals"])
    assert len(api_statements) <= VERSIONS_API_QUERIES, "\n".join(api_statements)
