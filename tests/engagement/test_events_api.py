"""Events through the API on both databases: creating with validation that names the field and writes nothing,
who may create, invite and see what, the invitation mails with their calendar (icalendar and vobject), edits and
cancellations, and events in the personal calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest
import vobject
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.engagement import events_calendar
from mentorloom.engagement.models import Event, EventInvitation
from mentorloom.notifications.models import OutboxMail
from mentorloom.notifications.service import compose
from tests.engagement.test_events_support import Program2, event_body, mail_ics, notices, two_pairs
from tests.factories import make_program
from tests.matching.helpers import coordinator

pytestmark = pytest.mark.anyio


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Event)) or 0


async def _create(client: httpx.AsyncClient, p: Program2, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    answer = await client.post(p.events, headers=headers, json=event_body(**changes))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2031-05-01T17:00", "starts_at": "2031-05-01T18:00"}, "ends_at"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"online_url": "ftp://example.org/x"}, "online_url"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"starts_at": "1899-05-01T18:00", "ends_at": "1899-05-01T19:00"}, "starts_at"),
        ({"starts_at": "3000-05-01T18:00", "ends_at": "3000-05-01T19:00"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, db_session: Session, changes: dict[str, Any], field: str
) -> None:
    p = two_pairs(db_session)
    answer = await client.post(p.events, headers=p.coord_h, json=event_body(**changes))
    assert answer.status_code in (400, 422), answer.text
    fields = {str(e.get("field", "")).split(".")[-1] for e in answer.json().get("errors") or []}
    assert field in fields, answer.json()
    assert _events(db_session) == 0
    assert notices(db_session, "event_invitation") == []


async def test_who_may_create_what(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    # a mentee creates no events; a mentor no program-wide ones
    assert (await client.post(p.events, headers=p.first.mentee_h, json=event_body())).status_code == 403
    refused = await client.post(p.events, headers=p.first.mentor_h, json=event_body(audience="program"))
    assert refused.status_code == 403
    assert {e["field"] for e in refused.json()["errors"]} == {"audience"}
    assert _events(db_session) == 0
    mine = await _create(client, p, p.first.mentor_h)
    assert mine["audience"] == "invited" and mine["may_edit"] is True and mine["people"] == []
    # someone of another program: 404 for the program and the event
    other = make_program(db_session)
    stranger = coordinator(db_session, other)
    assert (await client.post(p.events, headers=stranger, json=event_body())).status_code == 404
    assert (await client.get(f"{p.events}/{mine['id']}", headers=stranger)).status_code == 404
    other_events = f"/api/v1/programs/{other.id}/events/{mine['id']}"
    assert (await client.get(other_events, headers=stranger)).status_code == 404


async def test_a_mentor_invites_only_their_own_mentees(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    event = await _create(client, p, p.first.mentor_h, capacity=5)
    url = f"{p.events}/{event['id']}"
    # the invited-only event is invisible to those not invited
    assert (await client.get(url, headers=p.first.mentee_h)).status_code == 404
    assert (await client.put(f"{url}/rsvp", headers=p.first.mentee_h, json={"answer": "yes"})).status_code == 404
    for body in (
        {"membership_ids": [p.second.mentee.id]},
        {"mentorship_ids": [p.second.mentorship.id]},
        {"whole_program": True},
    ):
        refused = await client.post(f"{url}/invitations", headers=p.first.mentor_h, json=body)
        assert refused.status_code in (403, 404), (body, refused.text)
    assert db_session.scalar(select(func.count()).select_from(EventInvitation)) == 0
    assert notices(db_session, "event_invitation") == []
    # a mentee may not invite at all, and does not even see the event
    refused = await client.post(f"{url}/invitations", headers=p.second.mentee_h, json={"membership_ids": []})
    assert refused.status_code == 404
    ok = await client.post(f"{url}/invitations", headers=p.first.mentor_h, json={"membership_ids": [p.first.mentee.id]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["invited"] == 1
    seen = await client.get(url, headers=p.first.mentee_h)
    assert seen.status_code == 200
    assert seen.json()["may_answer"] is True and seen.json()["people"] is None  # no names for guests
    assert (await client.get(url, headers=p.second.mentee_h)).status_code == 404
    # inviting again mails nobody twice
    again = await client.post(
        f"{url}/invitations", headers=p.first.mentor_h, json={"mentorship_ids": [p.first.mentorship.id]}
    )
    assert again.json()["invited"] == 0
    assert len(notices(db_session, "event_invitation", p.first.mentee.user_id)) == 1


async def test_invitation_mail_carries_a_request_calendar(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    event = await _create(client, p, p.coord_h, capacity=10)
    url = f"{p.events}/{event['id']}"
    answer = await client.post(
        f"{url}/invitations", headers=p.coord_h, json={"mentorship_ids": [p.second.mentorship.id]}
    )
    assert answer.json()["invited"] == 2
    [notice] = notices(db_session, "event_invitation", p.second.mentee.user_id)
    assert notice.link == f"/programs/{p.program.id}/events/{event['id']}"
    cal = mail_ics(db_session, notice)
    assert str(cal["method"]) == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == event["uid"] and int(vevent["sequence"]) == 0
    assert vevent.decoded("dtstart").tzinfo is not None and str(vevent["dtstart"].params["TZID"]) == "Europe/Berlin"
    assert cal.walk("VTIMEZONE") and str(cal.walk("VTIMEZONE")[0]["tzid"]) == "Europe/Berlin"
    assert vevent.decoded("dtstart").astimezone(UTC) == datetime.fromisoformat(event["starts_at"]).astimezone(UTC)
    assert "mailto:" in str(vevent["organizer"]) and "moritz" in str(vevent["attendee"]).lower()
    parsed = vobject.readOne(cal.to_ical().decode())
    assert parsed.vevent.dtstart.value.astimezone(UTC) == datetime.fromisoformat(event["starts_at"]).astimezone(UTC)
    assert parsed.vevent.summary.value == "Summer meetup"


async def test_edit_bumps_the_sequence_and_cancel_sends_cancel(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    event = await _create(client, p, p.coord_h)
    url = f"{p.events}/{event['id']}"
    await client.post(
        f"{url}/invitations", headers=p.coord_h, json={"membership_ids": [p.first.mentee.id, p.second.mentee.id]}
    )
    assert (await client.put(f"{url}/rsvp", headers=p.second.mentee_h, json={"answer": "no"})).status_code == 200
    changed = await client.put(url, headers=p.coord_h, json=event_body(title="Summer meetup (moved)", days=8))
    assert changed.status_code == 200, changed.text
    assert changed.json()["sequence"] == 1
    [update] = notices(db_session, "event_updated", p.first.mentee.user_id)
    vevent = mail_ics(db_session, update).walk("VEVENT")[0]
    assert int(vevent["sequence"]) == 1 and str(vevent["summary"]) == "Summer meetup (moved)"
    assert notices(db_session, "event_updated", p.second.mentee.user_id) == []  # said no: not bothered
    # a participant may not edit or cancel
    assert (await client.put(url, headers=p.first.mentee_h, json=event_body())).status_code == 403
    assert (await client.post(f"{url}/cancel", headers=p.first.mentee_h)).status_code == 403
    cancelled = await client.post(f"{url}/cancel", headers=p.coord_h)
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"] is True
    for membership in (p.first.mentee, p.second.mentee):
        [notice] = notices(db_session, "event_cancelled", membership.user_id)
        cal = mail_ics(db_session, notice)
        assert str(cal["method"]) == "CANCEL"
        assert str(cal.walk("VEVENT")[0]["status"]) == "CANCELLED" and int(cal.walk("VEVENT")[0]["sequence"]) == 2
    assert (await client.put(f"{url}/rsvp", headers=p.first.mentee_h, json={"answer": "yes"})).status_code == 409
    assert (await client.post(f"{url}/cancel", headers=p.coord_h)).status_code == 409


async def test_program_wide_events_reach_everyone_and_the_feed(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    event = await _create(client, p, p.coord_h, audience="program", capacity=50)
    for membership in (p.first.mentor, p.first.mentee, p.second.mentor, p.second.mentee):
        assert len(notices(db_session, "event_invitation", membership.user_id)) == 1
    listed = await client.get(p.events, headers=p.second.mentee_h)
    assert [e["id"] for e in listed.json()["items"]] == [event["id"]]
    made = await client.post("/api/v1/account/calendar-feed", headers=p.first.mentee_h)
    path = "/" + made.json()["url"].split("://", 1)[1].split("/", 1)[1]
    feed = await client.get(path)
    assert feed.status_code == 200
    uids = [str(v["uid"]) for v in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]
    assert event["uid"] in uids
    parsed = vobject.readOne(feed.content.decode())
    assert any(v.uid.value == event["uid"] for v in parsed.vevent_list)
    # saying no removes it from the feed; cancelling shows it cancelled
    await client.put(f"{p.events}/{event['id']}/rsvp", headers=p.first.mentee_h, json={"answer": "no"})
    feed = await client.get(path)
    assert event["uid"] not in [str(v["uid"]) for v in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]
    await client.put(f"{p.events}/{event['id']}/rsvp", headers=p.first.mentee_h, json={"answer": "maybe"})
    await client.post(f"{p.events}/{event['id']}/cancel", headers=p.coord_h)
    feed = await client.get(path)
    [vevent] = [v for v in icalendar.Calendar.from_ical(feed.content).walk("VEVENT") if str(v["uid"]) == event["uid"]]
    assert str(vevent["status"]) == "CANCELLED"


async def test_script_in_title_stays_text_in_the_api_and_the_calendar(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    p = two_pairs(db_session)
    evil = "<script>alert(1)</script>"
    event = await _create(client, p, p.coord_h, title=evil, description=evil)
    assert event["title"] == evil  # JSON carries the text as typed; pages escape it (see the page tests)
    ics = await client.get(f"{p.events}/{event['id']}/ics", headers=p.coord_h)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert str(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]["summary"]) == evil


async def test_openapi_documents_the_event_endpoints(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    paths = schema["paths"]
    base = "/api/v1/programs/{program_id}/events"
    assert {"get", "post"} <= set(paths[base])
    assert {"get", "put"} <= set(paths[base + "/{event_id}"])
    assert "put" in paths[base + "/{event_id}/rsvp"]
    assert "post" in paths[base + "/{event_id}/invitations"]
    assert "post" in paths[base + "/{event_id}/cancel"]


async def test_upcoming_and_past_are_paged(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    made = [await _create(client, p, p.coord_h, audience="program", title=f"Talk {n}", days=n + 1) for n in range(23)]
    ended = db_session.get_one(Event, made[0]["id"])
    ended.starts_at -= timedelta(days=30)
    ended.ends_at -= timedelta(days=30)
    db_session.flush()
    first = (await client.get(p.events, headers=p.first.mentee_h)).json()
    assert first["total"] == 22 and first["pages"] == 2
    assert [e["title"] for e in first["items"][:2]] == ["Talk 1", "Talk 2"]  # soonest first
    second = (await client.get(f"{p.events}?page=2", headers=p.first.mentee_h)).json()
    assert [e["title"] for e in second["items"]] == ["Talk 21", "Talk 22"]
    past = (await client.get(f"{p.events}?when=past", headers=p.first.mentee_h)).json()
    assert [e["title"] for e in past["items"]] == ["Talk 0"]
    over = await client.put(f"{p.events}/{made[0]['id']}/rsvp", headers=p.first.mentee_h, json={"answer": "yes"})
    assert over.status_code == 409  # nobody answers an event that is over


async def test_each_guest_is_written_to_in_their_language(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    p.first.mentee.user.locale = "de"
    p.first.mentor.user.locale = "en"
    db_session.flush()
    await _create(client, p, p.coord_h, audience="program")
    [german] = notices(db_session, "event_invitation", p.first.mentee.user_id)
    [english] = notices(db_session, "event_invitation", p.first.mentor.user_id)
    assert "Details und Ihre Antwort" in str(mail_ics(db_session, german).walk("VEVENT")[0]["description"])
    assert "Details and your answer" in str(mail_ics(db_session, english).walk("VEVENT")[0]["description"])
    mails = {m.key: m for m in db_session.scalars(select(OutboxMail))}
    assert mails[german.key].locale == "de" and mails[english.key].locale == "en"
    # the rendered mail: subject in German, the calendar attached
    message = compose(db_session, Settings(base_url="http://testserver"), mails[german.key])
    assert str(message["Subject"]).startswith("Einladung: Summer meetup")
    assert any(part.get_content_type() == "text/calendar" for part in message.walk())


async def test_the_feed_asks_for_events_in_one_query(client: httpx.AsyncClient, db_session: Session) -> None:
    p = two_pairs(db_session)
    for n in range(5):
        await _create(client, p, p.coord_h, audience="program", title=f"Talk {n}", days=n + 1)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    connection = db_session.connection()
    sa_event.listen(connection, "before_cursor_execute", count)
    try:
        part = events_calendar.feed_part(db_session, Settings(base_url="http://testserver"), p.first.mentee.user)
    finally:
        sa_event.remove(connection, "before_cursor_execute", count)
    assert len(part.events) == 5
    assert len(statements) == 1, statements
