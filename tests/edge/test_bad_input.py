"""Bad input answers a clear 422 naming the field, never a 500: NUL characters and integers beyond 32 bits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.errors import ValidationFailed
from mentorloom.profiles.csv_format import parse_participants
from tests.matching.helpers import coordinator_user
from tests.matching.test_views import login
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

NUL = "\x00"
HUGE = 2**31  # one past PostgreSQL's integer
HUGER = 2**63  # past SQLite's
CSV_WITH_NUL = f"email,name,role\nanna@example.org,An{NUL}na,mentor\n".encode()


@dataclass
class World:
    client: httpx.AsyncClient
    session: Session
    pair: Pair

    async def as_coordinator(self) -> str:
        return await login(self.client, self.session, coordinator_user(self.session, self.pair.program, "Cora"))

    async def as_mentor(self) -> str:
        return await login(self.client, self.session, self.pair.mentor.user)


Case = Callable[[World], Awaitable[httpx.Response]]


async def _api_search(w: World) -> httpx.Response:
    return await w.client.get(f"/api/v1/programs/{w.pair.program.id}/participants?q=a%00b", headers=w.pair.coord_h)


async def _api_tags(w: World) -> httpx.Response:
    return await w.client.get("/api/v1/tags", params={"q": f"Py{NUL}"}, headers=w.pair.coord_h)


async def _api_token_name(w: World) -> httpx.Response:
    return await w.client.post("/api/v1/me/tokens", json={"name": f"laptop{NUL}"}, headers=w.pair.mentor_h)


async def _api_goal_title(w: World) -> httpx.Response:
    return await w.client.post(f"{w.pair.base}/goals", json={"title": f"Lead{NUL}"}, headers=w.pair.mentor_h)


async def _api_goal_key(w: World) -> httpx.Response:
    return await w.client.get(f"{w.pair.base}/goals/k%00ey/progress", headers=w.pair.mentor_h)


async def _api_csv_import(w: World) -> httpx.Response:
    url = f"/api/v1/programs/{w.pair.program.id}/participants/import"
    return await w.client.post(url, content=CSV_WITH_NUL, headers={**w.pair.coord_h, "content-type": "text/csv"})


async def _api_new_mentorship(w: World) -> httpx.Response:
    body = {"mentor_id": HUGE, "mentee_id": w.pair.mentee.id}
    return await w.client.post(w.pair.program_base, json=body, headers=w.pair.coord_h)


async def _api_suggestion(w: World) -> httpx.Response:
    body = {"period": HUGE, "side": "mentor"}
    return await w.client.post(f"{w.pair.base}/reviews/suggestion-to-agreement", json=body, headers=w.pair.mentor_h)


async def _api_new_version(w: World) -> httpx.Response:
    body = {"lock_version": HUGE}
    return await w.client.post(f"{w.pair.base}/agreement/versions", json=body, headers=w.pair.mentor_h)


async def _api_version(w: World) -> httpx.Response:
    return await w.client.get(f"{w.pair.base}/agreement/versions/{HUGER}", headers=w.pair.mentor_h)


async def _api_diff(w: World) -> httpx.Response:
    return await w.client.get(f"{w.pair.base}/agreement/diff?from=1&to={HUGER}", headers=w.pair.mentor_h)


async def _page_search(w: World) -> httpx.Response:
    await w.as_coordinator()
    return await w.client.get(f"/programs/{w.pair.program.id}/participants", params={"q": f"a{NUL}"})


async def _page_tags(w: World) -> httpx.Response:
    await w.as_coordinator()
    return await w.client.get(f"/programs/{w.pair.program.id}/tags/suggest", params={"q": f"Py{NUL}"})


async def _page_token_name(w: World) -> httpx.Response:
    token = await w.as_mentor()
    return await w.client.post("/account/tokens", data={"csrf_token": token, "name": f"laptop{NUL}"})


async def _page_goal_title(w: World) -> httpx.Response:
    token = await w.as_mentor()
    url = f"/programs/{w.pair.program.id}/mentorships/{w.pair.mentorship.id}/goals"
    return await w.client.post(url, data={"csrf_token": token, "goal.title": f"Lead{NUL}"})


async def _page_csv_import(w: World) -> httpx.Response:
    token = await w.as_coordinator()
    files = {"file": ("people.csv", CSV_WITH_NUL, "text/csv")}
    return await w.client.post(f"/programs/{w.pair.program.id}/import", data={"csrf_token": token}, files=files)


async def _page_diff(w: World) -> httpx.Response:
    await w.as_mentor()
    url = f"/programs/{w.pair.program.id}/mentorships/{w.pair.mentorship.id}/agreement/diff?from=1&to={HUGER}"
    return await w.client.get(url)


async def _login(w: World) -> httpx.Response:
    await w.client.get("/login")
    token = w.client.cookies.get("ml_csrf")
    return await w.client.post("/login", data={"csrf_token": token, "email": f"a{NUL}@example.org", "password": "x"})


async def _forgot(w: World) -> httpx.Response:
    await w.client.get("/forgot")
    token = w.client.cookies.get("ml_csrf")
    return await w.client.post("/forgot", data={"csrf_token": token, "email": f"a{NUL}@example.org"})


# case → the field the answer must name (pages: a text the answer must show)
API_CASES: dict[str, tuple[Case, str]] = {
    "api-search": (_api_search, "q"),
    "api-tags": (_api_tags, "q"),
    "api-token-name": (_api_token_name, "name"),
    "api-goal-title": (_api_goal_title, "title"),
    "api-goal-key": (_api_goal_key, "key"),
    "api-csv-import": (_api_csv_import, "name"),
    "api-new-mentorship": (_api_new_mentorship, "mentor_id"),
    "api-suggestion": (_api_suggestion, "period"),
    "api-new-version": (_api_new_version, "lock_version"),
    "api-version": (_api_version, "version"),
    "api-diff": (_api_diff, "to"),
}
PAGE_CASES: dict[str, tuple[Case, str]] = {
    "page-search": (_page_search, "q"),
    "page-tags": (_page_tags, "q"),
    "page-token-name": (_page_token_name, "name"),
    "page-goal-title": (_page_goal_title, "Remove the NUL character"),
    "page-csv-import": (_page_csv_import, "name"),
    "login": (_login, "email"),
    "forgot": (_forgot, "email"),
}


@pytest.mark.parametrize("name", list(API_CASES))
async def test_the_api_names_the_bad_field(name: str, client: httpx.AsyncClient, db_session: Session) -> None:
    case, field = API_CASES[name]
    response = await case(World(client, db_session, make_pair(db_session)))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e.get("field") or e.get("column") for e in response.json()["errors"]], response.json()


@pytest.mark.parametrize("name", list(PAGE_CASES))
async def test_pages_name_the_bad_field(name: str, client: httpx.AsyncClient, db_session: Session) -> None:
    case, shown = PAGE_CASES[name]
    response = await case(World(client, db_session, make_pair(db_session)))
    assert response.status_code in (400, 422), response.text[:2000]
    assert "text/html" in response.headers["content-type"]
    assert shown in response.text


async def test_a_huge_version_on_the_diff_page_falls_back_like_any_bad_number(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    response = await _page_diff(World(client, db_session, make_pair(db_session)))
    assert response.status_code < 500


def test_the_csv_parser_names_line_and_column_of_a_nul() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_participants(CSV_WITH_NUL)
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(2, "name")]
    assert "NUL" in str(caught.value.errors[0]["message"])
