"""The pair's messages through the API: sending and reading between mentor and mentee, unread counts up and
down, the 15-minute edit window, nobody edits or deletes the other's message, coordinators 403 on every
endpoint, outsiders 404, bad input writes nothing, an ended mentorship is read-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.models import Message
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import headers_for, participant
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


async def send(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], body: str) -> dict[str, Any]:
    answer = await client.post(f"{pair.base}/messages", headers=headers, json={"body": body})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def unread(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str]) -> int:
    answer = await client.get(f"{pair.base}/messages/unread", headers=headers)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["unread"])


async def total(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    answer = await client.get("/api/v1/me/messages/unread", headers=headers)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["unread"])


async def test_mentor_and_mentee_write_and_read_with_unread_counts(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    first = await send(client, pair, pair.mentor_h, "  Hello Moritz!  ")
    assert first["body"] == "Hello Moritz!" and first["mine"] and first["author_side"] == "mentor"
    await send(client, pair, pair.mentor_h, "How was the talk?")
    assert await unread(client, pair, pair.mentee_h) == 2
    assert await unread(client, pair, pair.mentor_h) == 0  # one's own messages never count
    assert await total(client, pair.mentee_h) == 2

    listed = (await client.get(f"{pair.base}/messages", headers=pair.mentee_h)).json()
    assert [m["body"] for m in listed["messages"]] == ["Hello Moritz!", "How was the talk?"]  # newest last
    assert not listed["messages"][0]["mine"] and listed["messages"][0]["editable_until"] is None
    assert listed["unread"] == 2  # listing does not mark read

    read = await client.post(f"{pair.base}/messages/read", headers=pair.mentee_h, json={"up_to_id": first["id"]})
    assert read.json() == {"unread": 1, "last_read_id": first["id"]}
    await client.post(f"{pair.base}/messages/read", headers=pair.mentee_h)
    assert await unread(client, pair, pair.mentee_h) == 0 and await total(client, pair.mentee_h) == 0
    back = await client.post(f"{pair.base}/messages/read", headers=pair.mentee_h, json={"up_to_id": 0})
    assert back.json()["unread"] == 0  # the cursor never moves back

    answer = await send(client, pair, pair.mentee_h, "Great, thanks!")
    assert answer["author_side"] == "mentee"
    assert await unread(client, pair, pair.mentor_h) == 1 and await unread(client, pair, pair.mentee_h) == 0


async def test_header_total_sums_over_all_pairs(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    program = make_program(db_session, name="Second program")
    second = make_pair(db_session, program=program)
    # the same mentor in a second pair: give the second pair's mentor membership to the first mentor's user
    second.mentor.user_id = pair.mentor.user_id
    db_session.flush()
    await send(client, pair, pair.mentee_h, "one")
    await send(client, second, second.mentee_h, "two")
    await send(client, second, second.mentee_h, "three")
    answer = (await client.get("/api/v1/me/messages/unread", headers=pair.mentor_h)).json()
    assert answer["unread"] == 3
    assert answer["by_mentorship"] == {str(pair.mentorship.id): 1, str(second.mentorship.id): 2}


async def test_paging_back_and_polling_after(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    ids = [(await send(client, pair, pair.mentor_h, f"m{n}"))["id"] for n in range(7)]
    latest = (await client.get(f"{pair.base}/messages?limit=3", headers=pair.mentee_h)).json()
    assert [m["id"] for m in latest["messages"]] == ids[-3:] and latest["has_older"]
    older = (await client.get(f"{pair.base}/messages?limit=3&before_id={ids[-3]}", headers=pair.mentee_h)).json()
    assert [m["id"] for m in older["messages"]] == ids[1:4] and older["has_older"]
    oldest = (await client.get(f"{pair.base}/messages?limit=3&before_id={ids[1]}", headers=pair.mentee_h)).json()
    assert [m["id"] for m in oldest["messages"]] == ids[:1] and not oldest["has_older"]
    newer = (await client.get(f"{pair.base}/messages?after_id={ids[4]}", headers=pair.mentee_h)).json()
    assert [m["id"] for m in newer["messages"]] == ids[5:]
    nothing = (await client.get(f"{pair.base}/messages?after_id={ids[-1]}", headers=pair.mentee_h)).json()
    assert nothing["messages"] == []
    both = await client.get(f"{pair.base}/messages?after_id=1&before_id=5", headers=pair.mentee_h)
    assert both.status_code == 422


async def test_edit_within_fifteen_minutes_only(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "Se you Tuesday")
    url = f"{pair.base}/messages/{sent['id']}"
    edited = await client.patch(url, headers=pair.mentor_h, json={"body": "See you Tuesday"})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    assert edited.json()["body"] == "See you Tuesday"

    db_session.execute(
        update(Message).where(Message.id == sent["id"]).values(created_at=utcnow() - timedelta(minutes=16))
    )
    db_session.expire_all()
    late = await client.patch(url, headers=pair.mentor_h, json={"body": "See you Wednesday"})
    assert late.status_code == 409
    assert "15 minutes" in late.json()["detail"]
    assert db_session.scalar(select(Message.body).where(Message.id == sent["id"])) == "See you Tuesday"
    # deleting stays possible after the window
    gone = await client.delete(url, headers=pair.mentor_h)
    assert gone.status_code == 200 and gone.json()["deleted"] and gone.json()["body"] is None


async def test_nobody_edits_or_deletes_the_partners_message(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "Mine")
    url = f"{pair.base}/messages/{sent['id']}"
    assert (await client.patch(url, headers=pair.mentee_h, json={"body": "Yours now"})).status_code == 403
    assert (await client.delete(url, headers=pair.mentee_h)).status_code == 403
    kept = db_session.scalar(select(Message).where(Message.id == sent["id"]))
    assert kept is not None and kept.body == "Mine" and kept.deleted_at is None and kept.edited_at is None
    deleted = await client.delete(url, headers=pair.mentor_h)
    assert deleted.status_code == 200
    db_session.expire_all()
    assert db_session.get(Message, sent["id"]).body == ""  # type: ignore[union-attr]
    listed = (await client.get(f"{pair.base}/messages", headers=pair.mentee_h)).json()["messages"]
    assert listed[0]["deleted"] and listed[0]["body"] is None
    again = await client.patch(url, headers=pair.mentor_h, json={"body": "Back"})
    assert again.status_code == 409
    assert await unread(client, pair, pair.mentee_h) == 0  # a deleted message is not waiting to be read


@pytest.mark.parametrize(
    ("body", "needle"),
    [("", "Write a message first"), ("   \n ", "Write a message first"), ("x" * 4001, "at most 4000 characters")],
)
async def test_bad_text_writes_nothing(client: httpx.AsyncClient, db_session: Session, body: str, needle: str) -> None:
    pair = make_pair(db_session)
    answer = await client.post(f"{pair.base}/messages", headers=pair.mentor_h, json={"body": body})
    assert answer.status_code == 422, answer.text
    assert needle in answer.text and answer.json()["errors"][0]["field"] == "body"
    assert db_session.scalar(select(func.count(Message.id))) == 0


async def test_exactly_4000_characters_after_trimming_are_fine(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "  " + "x" * 4000 + "\n")
    assert len(sent["body"]) == 4000


def _requests(message_id: int) -> list[tuple[str, str, Any]]:
    """Every message endpoint under the pair, as (method, path, body)."""
    return [
        ("GET", "messages", None),
        ("GET", "messages?after_id=0", None),
        ("POST", "messages", {"body": "Hi"}),
        ("PATCH", f"messages/{message_id}", {"body": "Changed"}),
        ("DELETE", f"messages/{message_id}", None),
        ("POST", "messages/read", {}),
        ("GET", "messages/unread", None),
    ]


async def _answers(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], message_id: int) -> list[int]:
    codes = []
    for method, path, body in _requests(message_id):
        answer = await client.request(method, f"{pair.base}/{path}", headers=headers, json=body)
        codes.append(answer.status_code)
        assert "Only mine" not in answer.text
    return codes


async def test_the_pair_may_use_every_endpoint(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "Only mine")
    for method, path, body in _requests(sent["id"]):
        answer = await client.request(method, f"{pair.base}/{path}", headers=pair.mentor_h, json=body)
        assert answer.status_code < 300, (method, path, answer.text)


async def test_coordinators_get_403_and_outsiders_404(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "Only mine")
    assert await _answers(client, pair, pair.coord_h, sent["id"]) == [403] * 7
    stranger = participant(db_session, pair.program, Role.MENTEE, "Mentee Nosy")
    other = make_pair(db_session, program=make_program(db_session, name="Elsewhere"))
    same_program = make_pair(db_session, program=pair.program, coordinator_headers=pair.coord_h)
    for headers in (headers_for(db_session, stranger), other.mentor_h, other.coord_h, same_program.mentee_h):
        assert await _answers(client, pair, headers, sent["id"]) == [404] * 7
    # the coordinator's own total counts nothing of the pair's messages
    assert (await client.get("/api/v1/me/messages/unread", headers=pair.coord_h)).json()["unread"] == 0
    # another pair's message id under my pair's address is not found
    theirs = await send(client, same_program, same_program.mentor_h, "Elsewhere")
    mine = await client.patch(f"{pair.base}/messages/{theirs['id']}", headers=pair.mentor_h, json={"body": "x"})
    assert mine.status_code == 404
    assert db_session.scalar(select(func.count(Message.id))) == 2


async def test_an_ended_mentorship_is_read_only(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    sent = await send(client, pair, pair.mentor_h, "Thanks for everything")
    pair.mentorship.status = MentorshipStatus.COMPLETED
    db_session.flush()
    listed = await client.get(f"{pair.base}/messages", headers=pair.mentee_h)
    assert listed.status_code == 200 and not listed.json()["writable"]
    refused = await client.post(f"{pair.base}/messages", headers=pair.mentee_h, json={"body": "Thank you!"})
    assert refused.status_code == 409 and "ended" in refused.json()["detail"]
    edit = await client.patch(f"{pair.base}/messages/{sent['id']}", headers=pair.mentor_h, json={"body": "x"})
    assert edit.status_code == 409
    assert (await client.post(f"{pair.base}/messages/read", headers=pair.mentee_h)).status_code == 200


@pytest.mark.parametrize("status", [MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING])
async def test_paused_and_completing_pairs_still_write(
    client: httpx.AsyncClient, db_session: Session, status: MentorshipStatus
) -> None:
    pair = make_pair(db_session)
    pair.mentorship.status = status
    db_session.flush()
    await send(client, pair, pair.mentee_h, "Still here")


async def test_the_api_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    paths = schema["paths"]
    base = "/api/v1/programs/{program_id}/mentorships/{mentorship_id}/messages"
    assert {"get", "post"} <= set(paths[base])
    assert {"patch", "delete"} <= set(paths[base + "/{message_id}"])
    assert "post" in paths[base + "/read"] and "get" in paths[base + "/unread"]
    assert "get" in paths["/api/v1/me/messages/unread"]
    params = {p["name"] for p in paths[base]["get"]["parameters"]}
    assert {"after_id", "before_id", "limit"} <= params
