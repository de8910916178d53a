"""An event's online link is taken as the resources take links: no user name before the host, no invisible or
bidi characters, no port that is no number. Each is refused naming `online_url` and writes nothing; an
ordinary link still works."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement.models import Event
from tests.engagement.test_events_support import event_body, two_pairs

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "url",
    [
        "https://meet.example.org@evil.example/join",  # reads as meet.example.org, leads to evil.example
        "https://user:secret@meet.example.org/x",
        "https://evil.example/\u202egro.elpmaxe.teem",  # a bidi override turns the shown text around
        "https://meet.example.org/\u200bx",  # zero-width space
        "https://meet.example.org/\x07",  # a control character
        "https://meet.example.org\\@evil.example",
        "https://meet.example.org:port/x",
        "http://[::1",
    ],
)
async def test_deceptive_online_links_are_refused(client: httpx.AsyncClient, db_session: Session, url: str) -> None:
    p = two_pairs(db_session)
    answer = await client.post(p.events, headers=p.coord_h, json=event_body(online_url=url))
    assert answer.status_code == 422, answer.text
    fields = {str(e.get("field", "")).split(".")[-1] for e in answer.json().get("errors") or []}
    assert fields == {"online_url"}, answer.json()
    assert db_session.scalar(select(func.count()).select_from(Event)) == 0


async def test_an_ordinary_online_link_is_taken(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    url = "https://meet.example.org:8443/room?id=42&lang=de#start"
    answer = await client.post(p.events, headers=p.coord_h, json=event_body(online_url=url))
    assert answer.status_code == 201, answer.text
    assert answer.json()["online_url"] == url
