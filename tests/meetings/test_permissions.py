"""Who may read and do what with a pair's meetings: only the two people; a coordinator gets 403, anyone else
404; one person's private note and unshared feedback never reach the partner in any answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.meetings import presenters, service
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingStatus
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import MeetingFormat, Side
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import headers_for, participant
from tests.meetings.helpers import confirmed_pair
from tests.meetings.test_bad_input import SERIES, held_meeting, snapshot
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


async def _pair_with_things(client: httpx.AsyncClient, session: Session) -> tuple[Pair, dict[str, int]]:
    """A pair with a series, an agenda item, an action item and a held meeting: ids of each."""
    pair = await confirmed_pair(client, session, started_days_ago=30)
    planned = await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json=SERIES)
    assert planned.status_code == 201, planned.text
    upcoming = (await client.get(f"{pair.base}/meetings", headers=pair.mentor_h)).json()[0]
    agenda = await client.post(
        f"{pair.base}/meetings/{upcoming['id']}/agenda", headers=pair.mentor_h, json={"text": "Talk"}
    )
    action = await client.post(
        f"{pair.base}/meetings/{upcoming['id']}/action-items",
        headers=pair.mentor_h,
        json={"title": "Read", "owner": "mentee"},
    )
    held = await held_meeting(client, pair)
    return pair, {
        "meeting": upcoming["id"],
        "agenda": agenda.json()["agenda"][0]["id"],
        "action": action.json()["id"],
        "held": held["id"],
    }


def _pair_requests(ids: dict[str, int]) -> list[tuple[str, str, Any]]:
    """Every endpoint of a pair's meetings, as (method, path under the pair, body)."""
    m = f"meetings/{ids['meeting']}"
    return [
        ("GET", "meetings/series", None),
        ("POST", "meetings/series", {**SERIES, "starts_on": "2027-04-01"}),
        ("GET", "meetings/suggestions", None),
        ("GET", "meetings?when=all", None),
        ("POST", "meetings", {"starts_at": "2027-05-04T10:00", "timezone": "Europe/Berlin"}),
        ("GET", m, None),
        ("POST", f"{m}/move", {"starts_at": "2027-03-03T10:00"}),
        ("POST", f"meetings/{ids['held']}/outcome", {"outcome": "held"}),
        ("POST", f"{m}/agenda", {"text": "More"}),
        ("DELETE", f"{m}/agenda/{ids['agenda']}", None),
        ("PUT", f"{m}/notes", {"notes": "x", "notes_version": 0}),
        ("PUT", f"{m}/private-note", {"text": "mine"}),
        ("POST", f"{m}/action-items", {"title": "Do", "owner": "mentor"}),
        ("GET", "action-items", None),
        ("PATCH", f"action-items/{ids['action']}", {"done": True}),
        ("PUT", f"meetings/{ids['held']}/feedback", {"usefulness": 3}),
        ("GET", "meetings-feedback/trend", None),
        ("GET", "meetings-video", None),
        ("PUT", "meetings-video", {"video_link": "https://example.org/room"}),
        ("POST", f"{m}/cancel", None),  # last: a cancelled meeting takes no agenda
    ]


async def _all_answer(
    client: httpx.AsyncClient, session: Session, pair: Pair, ids: dict[str, int], headers: dict[str, str], status: int
) -> None:
    before = snapshot(session)
    wrong = []
    for method, path, body in _pair_requests(ids):
        answer = await client.request(method, f"{pair.base}/{path}", headers=headers, json=body)
        if answer.status_code != status:
            wrong.append((method, path, answer.status_code, answer.text[:200]))
    assert wrong == []
    assert snapshot(session) == before


async def test_the_pair_itself_may_use_every_endpoint(client: httpx.AsyncClient, db_session: Session) -> None:
    """The list of endpoints below is complete and each works for the pair (so a 403 or 404 means something)."""
    pair, ids = await _pair_with_things(client, db_session)
    for method, path, body in _pair_requests(ids):
        answer = await client.request(method, f"{pair.base}/{path}", headers=pair.mentor_h, json=body)
        assert answer.status_code < 300, (method, path, answer.text)


async def test_a_coordinator_gets_403_on_every_pair_endpoint(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, ids = await _pair_with_things(client, db_session)
    await _all_answer(client, db_session, pair, ids, pair.coord_h, 403)
    # ... and sees the overdue figures instead
    overdue = await client.get(f"/api/v1/programs/{pair.program.id}/meetings/overdue", headers=pair.coord_h)
    assert overdue.status_code == 200


async def test_a_member_of_another_program_gets_404(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, ids = await _pair_with_things(client, db_session)
    other = make_pair(db_session, program=make_program(db_session, name="Elsewhere"))
    for headers in (other.mentor_h, other.mentee_h, other.coord_h):
        await _all_answer(client, db_session, pair, ids, headers, 404)
    overdue = await client.get(f"/api/v1/programs/{pair.program.id}/meetings/overdue", headers=other.coord_h)
    assert overdue.status_code == 404


async def test_another_mentee_of_the_same_program_gets_404(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, ids = await _pair_with_things(client, db_session)
    stranger = participant(db_session, pair.program, Role.MENTEE, "Mentee Nosy")
    second = make_pair(db_session, program=pair.program, coordinator_headers=pair.coord_h)  # a pair of their own
    for headers in (headers_for(db_session, stranger), second.mentee_h, second.mentor_h):
        await _all_answer(client, db_session, pair, ids, headers, 404)
    overdue = await client.get(f"/api/v1/programs/{pair.program.id}/meetings/overdue", headers=second.mentee_h)
    assert overdue.status_code in (403, 404)


async def test_another_pairs_ids_under_my_pairs_url_are_not_found(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    mine, _my_ids = await _pair_with_things(client, db_session)
    theirs, their_ids = await _pair_with_things(client, db_session)
    # my own pair's URL, their meeting, agenda item and action item
    before = snapshot(db_session)
    wrong = []
    for method, path, body in _pair_requests(their_ids):
        if not any(part.isdigit() for part in path.split("/")):
            continue  # no id of theirs in it
        answer = await client.request(method, f"{mine.base}/{path}", headers=mine.mentor_h, json=body)
        if answer.status_code != 404:
            wrong.append((method, path, answer.status_code))
    assert wrong == []
    assert snapshot(db_session) == before
    # their agenda item under my own meeting
    my_meeting = _my_ids["meeting"]
    gone = await client.delete(f"{mine.base}/meetings/{my_meeting}/agenda/{their_ids['agenda']}", headers=mine.mentor_h)
    assert gone.status_code == 404
    assert theirs.mentorship.id != mine.mentorship.id


SECRETS = ("SECRET-PRIVATE-NOTE", "SECRET-WENT-WELL-PRIVATE", "SECRET-CHANGE-COORD", "SECRET-WENT-WELL-COORD")


async def test_the_partner_never_reads_my_private_note_or_unshared_feedback(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=30)
    first = await held_meeting(client, pair)
    second = await held_meeting(client, pair)
    seen: list[httpx.Response] = []

    async def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> httpx.Response:
        answer = await client.request(method, f"{pair.base}/{path}", headers=headers, json=body)
        assert answer.status_code < 300, answer.text
        if headers is pair.mentee_h:
            seen.append(answer)
        return answer

    await call("PUT", f"meetings/{first['id']}/private-note", pair.mentor_h, {"text": SECRETS[0]})
    await call(
        "PUT",
        f"meetings/{first['id']}/feedback",
        pair.mentor_h,
        {"usefulness": 2, "went_well": SECRETS[1], "visibility": "private"},
    )
    await call(
        "PUT",
        f"meetings/{second['id']}/feedback",
        pair.mentor_h,
        {"usefulness": 5, "went_well": SECRETS[3], "to_change": SECRETS[2], "visibility": "coordinators"},
    )
    # the author reads their own
    mine = (await call("GET", f"meetings/{first['id']}", pair.mentor_h)).json()
    assert mine["private_note"] == SECRETS[0] and mine["my_feedback"]["went_well"] == SECRETS[1]

    # everything the partner can read or is answered, including after writing to the same meetings
    for meeting in (first, second):
        await call("GET", f"meetings/{meeting['id']}", pair.mentee_h)
        await call("PUT", f"meetings/{meeting['id']}/private-note", pair.mentee_h, {"text": "my own"})
        await call("PUT", f"meetings/{meeting['id']}/feedback", pair.mentee_h, {"usefulness": 4})
        await call("PUT", f"meetings/{meeting['id']}/notes", pair.mentee_h, {"notes": "shared", "notes_version": 0})
        await call("POST", f"meetings/{meeting['id']}/agenda", pair.mentee_h, {"text": "next"})
    for path in ("meetings?when=all", "meetings?when=past", "meetings-feedback/trend", "action-items"):
        await call("GET", path, pair.mentee_h)
    notifications = await client.get("/api/v1/notifications", headers=pair.mentee_h)
    seen.append(notifications)
    made = await client.post("/api/v1/account/calendar-feed", headers=pair.mentee_h)
    seen.append(await client.get("/" + made.json()["url"].split("://", 1)[1].split("/", 1)[1]))

    for answer in seen:
        for secret in SECRETS:
            assert secret not in answer.text, (answer.request.url, secret)
    detail = (await call("GET", f"meetings/{first['id']}", pair.mentee_h)).json()
    assert detail["partner_feedback"] is None and detail["private_note"] == "my own"
    trend = (await call("GET", "meetings-feedback/trend", pair.mentee_h)).json()
    assert [(p["mine"], p["partner"]) for p in trend] == [(4, None), (4, None)]
    # shared with the partner: now they read it
    await call("PUT", f"meetings/{first['id']}/feedback", pair.mentor_h, {"usefulness": 3, "visibility": "partner"})
    detail = (await call("GET", f"meetings/{first['id']}", pair.mentee_h)).json()
    assert detail["partner_feedback"]["usefulness"] == 3
    assert detail["partner_feedback"]["went_well"] == ""  # replaced, not merged with the private text
    trend = (await call("GET", "meetings-feedback/trend", pair.mentee_h)).json()
    assert [(p["mine"], p["partner"]) for p in trend] == [(4, 3), (4, None)]


# --- the rule itself, for every combination ----------------------------------------------------------

visibilities = st.sampled_from(list(FeedbackVisibility))
optional_feedback = st.one_of(st.none(), st.tuples(st.integers(1, 5), visibilities))


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mentor=optional_feedback, mentee=optional_feedback, notes=st.tuples(st.booleans(), st.booleans()))
def test_feedback_and_private_notes_are_read_only_as_their_author_chose(
    db_session: Session,
    settings: Settings,
    mentor: tuple[int, FeedbackVisibility] | None,
    mentee: tuple[int, FeedbackVisibility] | None,
    notes: tuple[bool, bool],
) -> None:
    """For each reader of the pair: their own feedback always, the other's only when shared with the partner;
    their own private note, never the other's. The same in the meeting's detail and in the trend."""
    savepoint = db_session.begin_nested()
    try:
        pair = make_pair(db_session, started_days_ago=30)
        start = datetime.now(UTC) - timedelta(days=2)
        meeting = Meeting(
            mentorship_id=pair.mentorship.id,
            program_id=pair.program.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="UTC",
            format=MeetingFormat.VIDEO,
            status=MeetingStatus.HELD,
            uid="held@test",
        )
        db_session.add(meeting)
        db_session.flush()
        given_by = {Side.MENTOR: mentor, Side.MENTEE: mentee}
        people = {Side.MENTOR: pair.mentor.user, Side.MENTEE: pair.mentee.user}
        for side, feedback in given_by.items():
            seat = seat_for(db_session, people[side], pair.program.id, pair.mentorship.id)
            if feedback is not None:
                usefulness, visibility = feedback
                service.give_feedback(
                    db_session,
                    seat,
                    meeting,
                    usefulness=usefulness,
                    went_well=f"well-{side.value}",
                    to_change=f"change-{side.value}",
                    visibility=visibility,
                )
            if notes[side is Side.MENTEE]:
                service.save_private_note(db_session, meeting, f"note-{side.value}", people[side])
        for reader in (Side.MENTOR, Side.MENTEE):
            other = Side.MENTEE if reader is Side.MENTOR else Side.MENTOR
            seat = seat_for(db_session, people[reader], pair.program.id, pair.mentorship.id)
            detail = presenters.detail_out(db_session, settings, seat, meeting)
            text = detail.model_dump_json()
            own, theirs = given_by[reader], given_by[other]
            shared = theirs is not None and theirs[1] is FeedbackVisibility.PARTNER
            assert (detail.my_feedback.usefulness if detail.my_feedback else None) == (own[0] if own else None)
            assert (detail.partner_feedback.usefulness if detail.partner_feedback else None) == (
                theirs[0] if shared and theirs else None
            )
            assert (f"well-{other.value}" in text) == shared
            assert (f"change-{other.value}" in text) == shared
            assert f"note-{other.value}" not in text
            assert detail.private_note == (f"note-{reader.value}" if notes[reader is Side.MENTEE] else "")
            (point,) = service.feedback_trend(db_session, seat)
            assert point.mine == (own[0] if own else None)
            assert point.partner == (theirs[0] if shared and theirs else None)
    finally:
        savepoint.rollback()
        db_session.expunge_all()  # ids are used again by the next example
