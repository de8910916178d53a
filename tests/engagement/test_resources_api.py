"""Shared resources through the API: a pair's links (share, edit, delete, the partner is told), the program library
(coordinators curate, everyone reads), validation that names the field and writes nothing, and who gets what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement.models import Resource, ResourceTag
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import headers_for, participant
from tests.meetings.helpers import confirmed_pair
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

LINK = {"url": "https://example.org/salary", "title": "Salary talks", "why": "Read before June", "tags": ["Career"]}


def library_url(pair: Pair) -> str:
    return f"/api/v1/programs/{pair.program.id}/library"


def snapshot(session: Session) -> tuple[int, int, int, int]:
    """What a refused request must not have changed: resources, tags, notifications, mails."""
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Resource, ResourceTag, Notification, OutboxMail)
    )


async def share(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    answer = await client.post(f"{pair.base}/resources", headers=headers or pair.mentor_h, json={**LINK, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def goal_key(client: httpx.AsyncClient, pair: Pair) -> str:
    agreement = (await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)).json()
    return str(agreement["goals"][0]["key"])


async def test_a_shared_link_reaches_the_partner_who_is_told(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    key = await goal_key(client, pair)
    made = await share(client, pair, goal_key=key, tags=[" Karriere ", "karriere", "GEHALT", "  "])
    assert made["tags"] == ["gehalt", "karriere"]
    assert made["goal_title"] == "Give a talk" and made["mine"] and not made["library"]
    assert made["shared_by"] == pair.mentor.user.display_name
    seen = (await client.get(f"{pair.base}/resources", headers=pair.mentee_h)).json()
    assert [r["id"] for r in seen["items"]] == [made["id"]] and not seen["items"][0]["mine"]
    assert seen["tags"] == [{"tag": "gehalt", "count": 1}, {"tag": "karriere", "count": 1}]
    told = db_session.scalars(select(Notification).where(Notification.kind == "resource_shared")).all()
    assert [n.user_id for n in told] == [pair.mentee.user_id]
    assert told[0].link.endswith(f"/resources#resource-{made['id']}")
    one = await client.get(f"{pair.base}/resources/{made['id']}", headers=pair.mentee_h)
    assert one.status_code == 200 and one.json()["url"] == LINK["url"]


async def test_only_the_sharer_edits_and_deletes(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    made = await share(client, pair)
    path = f"{pair.base}/resources/{made['id']}"
    before = snapshot(db_session)
    assert (await client.patch(path, headers=pair.mentee_h, json={"title": "Mine now"})).status_code == 403
    assert (await client.delete(path, headers=pair.mentee_h)).status_code == 403
    assert snapshot(db_session) == before
    edited = await client.patch(path, headers=pair.mentor_h, json={"title": "Salary talks, part 2", "tags": []})
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Salary talks, part 2" and edited.json()["tags"] == []
    assert edited.json()["why"] == LINK["why"]  # untouched
    assert (await client.delete(path, headers=pair.mentor_h)).status_code == 204
    assert (await client.get(path, headers=pair.mentor_h)).status_code == 404


BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://example.org/file",
    "//evil.example",
    " http://x.example",
    "http://x.example ",
    "http://x.example/\x00",
    "https://" + "a" * 1993,  # 2001 characters
    "https://user:secret@example.org/",
    "http:/example.org",
    "http:///example.org",
    "https:\\\\evil.example",
    "https://exa\u200bmple.org",
    "/relative/path",
    "example.org",
    "https://example.org:99999/",
    "",
]


@pytest.mark.parametrize("url", BAD_URLS)
async def test_only_http_urls_are_stored(client: httpx.AsyncClient, db_session: Session, url: str) -> None:
    pair = make_pair(db_session)
    before = snapshot(db_session)
    for path, headers in ((f"{pair.base}/resources", pair.mentor_h), (library_url(pair), pair.coord_h)):
        answer = await client.post(path, headers=headers, json={**LINK, "url": url})
        assert answer.status_code == 422, (url, answer.text)
        assert "url" in {e["field"] for e in answer.json()["errors"]}, answer.text
    assert snapshot(db_session) == before


@pytest.mark.parametrize(
    "url", ["http://example.org", "HTTPS://Example.org/a?b=c#d", "https://bücher.example/straße", "http://[::1]:8080/"]
)
async def test_good_urls_are_kept(client: httpx.AsyncClient, db_session: Session, url: str) -> None:
    pair = make_pair(db_session)
    made = await share(client, pair, url=url)
    assert made["url"].lower() == url.lower() and made["url"].startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"why": "w" * 2001}, "why"),
        ({"tags": [f"tag{i}" for i in range(11)]}, "tags"),
        ({"tags": ["t" * 51]}, "tags"),
        ({"tags": ["bell\x07"]}, "tags"),
        ({"goal_key": "nonexistent"}, "goal_key"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_fields_are_named_and_nothing_is_written(
    client: httpx.AsyncClient, db_session: Session, fields: dict[str, Any], field: str
) -> None:
    pair = make_pair(db_session)
    before = snapshot(db_session)
    answer = await client.post(f"{pair.base}/resources", headers=pair.mentor_h, json={**LINK, **fields})
    assert answer.status_code == 422, answer.text
    assert any(field in str(e["field"]) for e in answer.json()["errors"]), answer.text
    assert snapshot(db_session) == before


async def test_ten_tags_with_duplicates_are_fine(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    made = await share(client, pair, tags=[f"Tag{i % 10}" for i in range(20)])
    assert len(made["tags"]) == 10


async def test_a_library_link_names_no_goal(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    key = await goal_key(client, pair)
    answer = await client.post(library_url(pair), headers=pair.coord_h, json={**LINK, "goal_key": key})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "goal_key"


async def test_coordinators_curate_the_library_and_everyone_reads_it(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    made = await client.post(library_url(pair), headers=pair.coord_h, json=LINK)
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["library"] and item["mentorship_id"] is None
    for headers in (pair.mentor_h, pair.mentee_h, pair.coord_h):
        page = (await client.get(library_url(pair), headers=headers)).json()
        assert [r["id"] for r in page["items"]] == [item["id"]]
    path = f"{library_url(pair)}/{item['id']}"
    before = snapshot(db_session)
    for headers in (pair.mentor_h, pair.mentee_h):
        assert (await client.post(library_url(pair), headers=headers, json=LINK)).status_code == 403
        assert (await client.patch(path, headers=headers, json={"title": "x"})).status_code == 403
        assert (await client.delete(path, headers=headers)).status_code == 403
    assert snapshot(db_session) == before
    edited = await client.patch(path, headers=pair.coord_h, json={"why": "Für alle", "tags": ["Gehalt"]})
    assert edited.status_code == 200 and edited.json()["tags"] == ["gehalt"]
    assert (await client.delete(path, headers=pair.coord_h)).status_code == 204
    assert (await client.get(library_url(pair), headers=pair.mentee_h)).json()["total"] == 0


async def test_share_from_the_library_copies_it_for_the_pair(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    item = (await client.post(library_url(pair), headers=pair.coord_h, json=LINK)).json()
    copy = await client.post(f"{pair.base}/resources/from-library/{item['id']}", headers=pair.mentee_h)
    assert copy.status_code == 201, copy.text
    assert copy.json()["url"] == LINK["url"] and copy.json()["tags"] == ["career"] and not copy.json()["library"]
    partner = (await client.get(f"{pair.base}/resources", headers=pair.mentor_h)).json()
    assert [r["id"] for r in partner["items"]] == [copy.json()["id"]]


async def test_pair_links_are_the_pairs_own(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    made = await share(client, pair)
    other_program = make_pair(db_session, program=make_program(db_session, name="Elsewhere"))
    second = make_pair(db_session, program=pair.program, coordinator_headers=pair.coord_h)
    stranger = headers_for(db_session, participant(db_session, pair.program, Role.MENTEE, "Mentee Nosy"))
    requests: list[tuple[str, str, Any]] = [
        ("GET", "resources", None),
        ("POST", "resources", LINK),
        ("GET", f"resources/{made['id']}", None),
        ("PATCH", f"resources/{made['id']}", {"title": "x"}),
        ("DELETE", f"resources/{made['id']}", None),
    ]
    before = snapshot(db_session)
    for headers, status in (
        (pair.coord_h, 403),
        (other_program.mentor_h, 404),
        (other_program.coord_h, 404),
        (second.mentor_h, 404),
        (stranger, 404),
    ):
        for method, path, body in requests:
            answer = await client.request(method, f"{pair.base}/{path}", headers=headers, json=body)
            assert answer.status_code == status, (method, path, answer.text)
    # another pair's link under my own pair's URL
    answer = await client.get(f"{second.base}/resources/{made['id']}", headers=second.mentor_h)
    assert answer.status_code == 404
    # the library of another program
    assert (await client.get(library_url(pair), headers=other_program.mentee_h)).status_code == 404
    assert (await client.post(library_url(pair), headers=other_program.coord_h, json=LINK)).status_code == 404
    assert snapshot(db_session) == before


async def test_pages_of_the_library(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    for i in range(5):
        tags = ["even"] if i % 2 == 0 else ["odd"]
        made = await client.post(library_url(pair), headers=pair.coord_h, json={**LINK, "title": f"L{i}", "tags": tags})
        assert made.status_code == 201
    first = (await client.get(library_url(pair), headers=pair.mentee_h, params={"per_page": 2})).json()
    assert first["total"] == 5 and first["pages"] == 3 and [r["title"] for r in first["items"]] == ["L4", "L3"]
    last = (await client.get(library_url(pair), headers=pair.mentee_h, params={"per_page": 2, "page": 3})).json()
    assert [r["title"] for r in last["items"]] == ["L0"]
    assert first["tags"] == [{"tag": "even", "count": 3}, {"tag": "odd", "count": 2}]
    odd = (await client.get(library_url(pair), headers=pair.mentee_h, params={"tag": "ODD"})).json()
    assert [r["title"] for r in odd["items"]] == ["L3", "L1"]
    assert odd["tags"] == first["tags"]  # the facets do not shrink to the chosen tag


async def test_a_link_shared_after_a_deleted_one_is_told_too(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    first = await share(client, pair)
    assert (await client.delete(f"{pair.base}/resources/{first['id']}", headers=pair.mentor_h)).status_code == 204
    await share(client, pair, title="Second")
    told = db_session.scalars(select(Notification).where(Notification.kind == "resource_shared")).all()
    assert len(told) == 2 and {n.context["title"] for n in told} == {"Salary talks", "Second"}
