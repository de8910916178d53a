"""The conversation pages: sending and reading between two logged-in people, unread counts on the pair home,
in the header badge and on the home to-do list going up and down, the poll fragment with only newer messages,
a <script> rendered inert and `javascript:` links left unlinked, the edit window, coordinators 403, outsiders 404."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement import messages
from mentorloom.engagement.models import Message
from mentorloom.mentorships.models import MentorshipStatus, Side
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, participant
from tests.meetings.page_helpers import service_pair
from tests.mentorships.helpers import Pair, make_pair
from tests.mentorships.test_views import browser

pytestmark = pytest.mark.anyio


def conversation(pair: Pair) -> str:
    return f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/messages"


def home(pair: Pair) -> str:
    return f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"


async def post(c: httpx.AsyncClient, token: str, url: str, htmx: bool = False, **data: str) -> httpx.Response:
    headers = {"HX-Request": "true"} if htmx else {}
    return await c.post(url, data={"csrf_token": token, **data}, headers=headers)


def badge_count(html: str) -> int:
    found = re.search(r'data-unread-messages><span aria-hidden="true">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


async def test_two_people_write_and_counts_go_up_and_down(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        empty = await mentor.get(url)
        assert empty.status_code == 200 and "No messages yet" in empty.text
        assert 'hx-trigger="every 4s"' in empty.text and 'id="message-form"' in empty.text
        sent = await post(mentor, m_token, url, body="Hello Moritz")
        assert sent.status_code == 303 and sent.headers["location"].startswith(f"{url}#message-")
        await post(mentor, m_token, url, body="Ready for Tuesday?")
        page = await mentor.get(url)
        assert "Hello Moritz" in page.text and page.text.index("Hello Moritz") < page.text.index("Ready for Tuesday?")

    async with browser(app, db_session, pair.mentee.user) as (mentee, e_token):
        assert badge_count((await mentee.get("/messages/badge")).text) == 2
        assert 'hx-get="/messages/badge"' in (await mentee.get("/")).text  # every page's header asks for it
        pair_home = await mentee.get(home(pair))
        assert pair_home.status_code == 200
        assert "2 unread messages from Mentor Marta" in pair_home.text  # the panel
        todo = await mentee.get("/")
        assert "2 unread messages from Mentor Marta" in todo.text and f'href="{url}"' in todo.text  # home to-do
        overview = await mentee.get("/messages")
        assert 'data-unread="2"' in overview.text
        opened = await mentee.get(url)
        assert "Hello Moritz" in opened.text
        assert badge_count((await mentee.get("/messages/badge")).text) == 0
        assert "unread message" not in (await mentee.get(home(pair))).text
        assert "unread message" not in (await mentee.get("/")).text
        await post(mentee, e_token, url, body="Yes, see you!")

    async with browser(app, db_session, pair.mentor.user) as (mentor, _token):
        assert badge_count((await mentor.get("/messages/badge")).text) == 1
        assert "1 unread message from Mentee Moritz" in (await mentor.get(home(pair))).text


async def test_poll_returns_only_newer_messages_and_send_answers_the_fragment(
    app: FastAPI, db_session: Session
) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        await post(mentor, m_token, url, body="first")
        first = db_session.scalar(select(func.max(Message.id)))
        await post(mentor, m_token, url, body="second")
    async with browser(app, db_session, pair.mentee.user) as (mentee, e_token):
        poll = await mentee.get(f"{url}/poll?after_id={first}", headers={"HX-Request": "true"})
        assert poll.status_code == 200 and "<html" not in poll.text
        assert "second" in poll.text and ">first<" not in poll.text
        assert 'hx-swap-oob="true"' in poll.text and f"after_id={first + 1}" in poll.text  # type: ignore[operator]
        assert badge_count((await mentee.get("/messages/badge")).text) == 0  # the open page read them
        quiet = await mentee.get(f"{url}/poll?after_id={first + 1}")  # type: ignore[operator]
        assert "data-message-id" not in quiet.text

        answer = await post(mentee, e_token, url, htmx=True, body="third", after_id=str(first + 1))  # type: ignore[operator]
        assert answer.status_code == 200 and answer.headers.get("HX-Trigger") == "messageSent"
        assert "third" in answer.text and "second" not in answer.text
        refused = await post(mentee, e_token, url, htmx=True, body="   ", after_id="0")
        assert refused.status_code == 200 and "HX-Trigger" not in refused.headers
        assert "Write a message first" in refused.text
        assert db_session.scalar(select(func.count(Message.id))) == 3


async def test_a_script_renders_inert_and_only_http_links_are_linked(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    text = (
        '<script>alert("x")</script> <img src=x onerror=alert(1)> '
        "javascript:alert(document.cookie) see https://example.org/a?b=1&c=2 and http://example.com."
    )
    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        await post(mentor, token, url, body=text)
    async with browser(app, db_session, pair.mentee.user) as (mentee, _token):
        page = (await mentee.get(url)).text
        assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        assert 'href="javascript:' not in page and "javascript:alert(document.cookie)" in page
        assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">' in page
        assert '<a href="http://example.com" rel="noopener noreferrer nofollow"' in page  # without the full stop
        panel = (await mentee.get(home(pair))).text
        assert "<script>alert" not in panel


async def test_edit_and_delete_on_the_page(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        await post(mentor, token, url, body="Tpyo")
        message_id = db_session.scalar(select(func.max(Message.id)))
        page = await mentor.get(url)
        assert f'href="{url}/{message_id}/edit"' in page.text
        form = await mentor.get(f"{url}/{message_id}/edit")
        assert form.status_code == 200 and "Tpyo" in form.text
        saved = await post(mentor, token, f"{url}/{message_id}/edit", body="Typo fixed")
        assert saved.status_code == 303
        assert "Typo fixed" in (await mentor.get(url)).text and "edited" in (await mentor.get(url)).text
        too_long = await post(mentor, token, f"{url}/{message_id}/edit", body="x" * 4001)
        assert too_long.status_code == 422 and "at most 4000 characters" in too_long.text

        db_session.execute(
            update(Message).where(Message.id == message_id).values(created_at=utcnow() - timedelta(minutes=20))
        )
        db_session.expire_all()
        assert f'href="{url}/{message_id}/edit"' not in (await mentor.get(url)).text
        late = await post(mentor, token, f"{url}/{message_id}/edit", body="Later change")
        assert late.status_code == 409 and "15 minutes" in late.text
        assert "15 minutes" in (await mentor.get(f"{url}/{message_id}/edit")).text

    async with browser(app, db_session, pair.mentee.user) as (mentee, e_token):
        page = (await mentee.get(url)).text
        assert f"{url}/{message_id}/delete" not in page and f"{url}/{message_id}/edit" not in page
        refused = await post(mentee, e_token, f"{url}/{message_id}/delete")
        assert refused.status_code == 403
        assert (await post(mentee, e_token, f"{url}/{message_id}/edit", body="Mine now")).status_code == 403
    db_session.expire_all()
    assert db_session.get(Message, message_id).deleted_at is None  # type: ignore[union-attr]

    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        gone = await post(mentor, token, f"{url}/{message_id}/delete")
        assert gone.status_code == 303
        page = (await mentor.get(url)).text
        assert "Message deleted" in page and "Typo fixed" not in page


async def test_an_ended_mentorship_explains_why_it_is_read_only(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        await post(mentor, token, url, body="Good luck!")
        pair.mentorship.status = MentorshipStatus.COMPLETED
        db_session.flush()
        page = await mentor.get(url)
        assert "This mentorship has ended" in page.text and 'id="message-form"' not in page.text
        assert "Good luck!" in page.text and "hx-trigger" not in page.text.split('id="message-list"')[1]
        refused = await post(mentor, token, url, body="One more")
        assert refused.status_code == 409


async def test_older_messages_page_back(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    db_session.add_all(
        Message(
            mentorship_id=pair.mentorship.id,
            program_id=pair.program.id,
            author_id=pair.mentor.user_id,
            author_side="mentor",
            body=f"note {n:02d}",
        )
        for n in range(35)
    )
    db_session.flush()
    ids = list(db_session.scalars(select(Message.id).order_by(Message.id)))
    async with browser(app, db_session, pair.mentee.user) as (mentee, _token):
        page = (await mentee.get(url)).text
        assert "note 34" in page and "note 05" in page and "note 04" not in page
        assert f'hx-get="{url}/older?before_id={ids[5]}"' in page and f'href="{url}?before={ids[5]}"' in page
        older = (await mentee.get(f"{url}/older?before_id={ids[5]}")).text
        assert "note 04" in older and "note 00" in older and "note 05" not in older and "older?before_id" not in older
        plain = (await mentee.get(f"{url}?before={ids[5]}")).text  # without JavaScript
        assert "note 04" in plain and "Show newer messages" in plain


async def test_coordinators_get_403_and_outsiders_404_on_every_page(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        await post(mentor, token, url, body="Just between us")
    message_id = db_session.scalar(select(func.max(Message.id)))
    gets = [url, f"{url}/poll?after_id=0", f"{url}/older?before_id=99", f"{url}/{message_id}/edit"]
    posts = [url, f"{url}/{message_id}/edit", f"{url}/{message_id}/delete"]
    coordinator = coordinator_user(db_session, pair.program, "Clara Coordinator")
    stranger = participant(db_session, pair.program, Role.MENTEE, "Mentee Nosy").user
    elsewhere = make_pair(db_session, program=make_program(db_session, name="Elsewhere")).mentor.user
    for user, code in ((coordinator, 403), (stranger, 404), (elsewhere, 404)):
        async with browser(app, db_session, user) as (c, token):
            for path in gets:
                answer = await c.get(path)
                assert answer.status_code == code, (path, answer.status_code)
                assert "Just between us" not in answer.text
            for path in posts:
                answer = await post(c, token, path, body="intrusion")
                assert answer.status_code == code, (path, answer.status_code)
            pair_home = await c.get(home(pair))
            assert "Just between us" not in pair_home.text
            assert badge_count((await c.get("/messages/badge")).text) == 0
    assert db_session.scalar(select(func.count(Message.id))) == 1
    db_session.expire_all()
    assert db_session.get(Message, message_id).body == "Just between us"  # type: ignore[union-attr]


async def test_the_overview_without_pairs_says_what_to_do(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    async with browser(app, db_session, coordinator) as (c, _token):
        page = await c.get("/messages")
        assert page.status_code == 200 and "No conversations yet" in page.text and 'href="/"' in page.text


async def test_the_conversation_in_german(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = conversation(pair)
    async with browser(app, db_session, pair.mentor.user) as (mentor, token):
        mentor.cookies.set("ml_lang", "de")
        empty = (await mentor.get(url)).text
        assert "Noch keine Nachrichten." in empty and "Nachricht senden" in empty
        assert "die Programmkoordination nicht" in empty and "Bis zu 4000 Zeichen" in empty
        await post(mentor, token, url, body="Hallo!")
        refused = await post(mentor, token, url, body=" ")
        assert "Schreiben Sie zuerst eine Nachricht." in refused.text
    async with browser(app, db_session, pair.mentee.user) as (mentee, _token):
        mentee.cookies.set("ml_lang", "de")
        assert "1 ungelesene Nachricht von Mentor Marta" in (await mentee.get(home(pair))).text
        badge = (await mentee.get("/messages/badge")).text
        assert "Nachrichten" in badge and "1 ungelesen" in badge


async def test_writing_to_each_other_ticks_the_first_step(app: FastAPI, db_session: Session) -> None:
    """'Introduce yourselves' is ticked on the pair home once both have written in their conversation."""
    pair = service_pair(db_session)
    step = re.compile(r'<li data-step="introduce"[^>]*>')
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        first = step.search((await c.get(pair.home)).text)
        assert first and "data-done" not in first.group(0)
        messages.send(db_session, pair.seat(Side.MENTEE), "Hello, I am Ben")
        one_side = step.search((await c.get(pair.home)).text)
        assert one_side and "data-done" not in one_side.group(0)
        messages.send(db_session, pair.seat(Side.MENTOR), "Welcome, Ben!")
        both = step.search((await c.get(pair.home)).text)
        assert both and "data-done" in both.group(0)
