"""The personal to-do list: each kind of item for the right person only, and the same list on page, badge and API."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from markupsafe import escape
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.home.service import pairs_for, todo_for
from mentorloom.matching.models import MatchRun, MentorRequest, Proposal, ProposalStatus, Response, RunStatus
from mentorloom.mentorships.models import MentorshipStatus, ReviewSubmission, Side
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program, make_token
from tests.matching.helpers import coordinator_user, participant
from tests.matching.test_views import login
from tests.mentorships.helpers import make_pair


def kinds(session: Session, user: User) -> list[str]:
    return [item.kind for item in todo_for(session, user)]


def _offer(session: Session, program: Program, mentee: Membership, mentor: Membership) -> Proposal:
    run = MatchRun(program_id=program.id, mode="batch", status=RunStatus.PUBLISHED, created_by_id=None)
    run.published_at = utcnow() - timedelta(days=3)
    session.add(run)
    session.flush()
    offer = Proposal(
        run_id=run.id, program_id=program.id, mentee_id=mentee.id, mentor_id=mentor.id, status=ProposalStatus.OFFERED
    )
    session.add(offer)
    session.flush()
    return offer


def test_an_offer_waits_for_each_side_until_it_answers(db_session: Session) -> None:
    program, other = make_program(db_session), make_program(db_session, name="Other")
    mentor = participant(db_session, program, Role.MENTOR, "Olga Offer")
    mentee = participant(db_session, program, Role.MENTEE, "Otto Offer")
    bystander = participant(db_session, program, Role.MENTEE, "Bea Bystander")
    coord, other_coord = coordinator_user(db_session, program), coordinator_user(db_session, other, "Other Coord")
    offer = _offer(db_session, program, mentee, mentor)

    assert kinds(db_session, mentee.user) == ["offer"]
    assert kinds(db_session, mentor.user) == ["offer"]
    assert kinds(db_session, bystander.user) == []
    assert [(i.kind, i.count) for i in todo_for(db_session, coord)] == [("open_offers", 1)]
    assert kinds(db_session, other_coord) == []

    offer.mentee_response = Response.ACCEPTED
    db_session.flush()
    assert kinds(db_session, mentee.user) == []  # now the mentor is the one to answer
    assert kinds(db_session, mentor.user) == ["offer"]
    assert todo_for(db_session, mentor.user)[0].url == f"/programs/{program.id}/matching/mine#offer-{offer.id}"


def test_a_request_waits_for_the_requested_mentor_only(db_session: Session) -> None:
    program = make_program(db_session)
    mentor = participant(db_session, program, Role.MENTOR, "Rita Request")
    other_mentor = participant(db_session, program, Role.MENTOR, "Rolf Request")
    mentee = participant(db_session, program, Role.MENTEE, "Rudi Request")
    coord = coordinator_user(db_session, program)
    db_session.add(
        MentorRequest(
            program_id=program.id, mentee_id=mentee.id, mentor_id=mentor.id, expires_at=utcnow() + timedelta(days=7)
        )
    )
    db_session.flush()

    (item,) = todo_for(db_session, mentor.user)
    assert item.kind == "request" and "Rudi Request" in item.title and item.due is not None
    assert kinds(db_session, other_mentor.user) == []
    assert kinds(db_session, mentee.user) == []
    assert kinds(db_session, coord) == []


def test_a_new_pair_writes_its_agreement_and_accepts_a_proposed_mentorship(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=1)
    assert kinds(db_session, pair.mentor.user) == ["agreement"]
    assert kinds(db_session, pair.mentee.user) == ["agreement"]
    coord = coordinator_user(db_session, pair.program, "Second Coord")
    assert kinds(db_session, coord) == []  # two weeks have not passed yet

    proposed = make_pair(db_session, status=MentorshipStatus.PROPOSED)
    assert kinds(db_session, proposed.mentee.user) == ["accept"]
    proposed.mentorship.mentee_accepted_at = utcnow()
    db_session.flush()
    assert kinds(db_session, proposed.mentee.user) == []
    (step,) = pairs_for(db_session, proposed.mentee.user)
    assert step.partner_name == proposed.mentor.user.display_name
    assert step.url == f"/programs/{proposed.program.id}/mentorships/{proposed.mentorship.id}"


def test_after_two_weeks_the_fit_check_is_due_and_the_coordinator_sees_no_agreement(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=20)
    elsewhere = make_pair(db_session, started_days_ago=1)
    assert kinds(db_session, pair.mentor.user) == ["agreement", "fit_check"]
    assert sorted(kinds(db_session, pair.mentee.user)) == ["agreement", "fit_check"]
    coord = coordinator_user(db_session, pair.program, "Second Coord")
    assert [(i.kind, i.count) for i in todo_for(db_session, coord)] == [("no_agreement", 1)]
    assert kinds(db_session, coordinator_user(db_session, elsewhere.program, "Far Coord")) == []
    # the pair's own items never reach another pair or their coordinator
    assert kinds(db_session, elsewhere.mentor.user) == ["agreement"]


def test_a_review_is_due_for_each_side_until_it_answers_and_overdue_for_the_coordinator(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=50, settings={"review_interval_weeks": 4})
    assert "review" in kinds(db_session, pair.mentor.user)
    assert "review" in kinds(db_session, pair.mentee.user)
    coord = coordinator_user(db_session, pair.program, "Second Coord")
    assert "overdue_reviews" in kinds(db_session, coord)

    db_session.add(
        ReviewSubmission(mentorship_id=pair.mentorship.id, program_id=pair.program.id, period=1, side=Side.MENTOR)
    )
    db_session.flush()
    assert "review" not in kinds(db_session, pair.mentor.user)
    assert "review" in kinds(db_session, pair.mentee.user)
    assert "overdue_reviews" in kinds(db_session, coord)  # the mentee has still not answered

    db_session.add(
        ReviewSubmission(mentorship_id=pair.mentorship.id, program_id=pair.program.id, period=1, side=Side.MENTEE)
    )
    db_session.flush()
    assert "review" not in kinds(db_session, pair.mentee.user)
    assert "overdue_reviews" not in kinds(db_session, coord)


@pytest.mark.anyio
async def test_page_badge_and_api_list_the_same_items(db_session: Session, client: httpx.AsyncClient) -> None:
    pair = make_pair(db_session, started_days_ago=20)
    user = pair.mentor.user
    expected = todo_for(db_session, user)
    assert len(expected) == 2

    api = await client.get("/api/v1/me/todo", headers=make_token(db_session, user))
    assert api.status_code == 200
    assert [(i["kind"], i["title"], i["url"]) for i in api.json()] == [(i.kind, i.title, i.url) for i in expected]
    assert api.json()[0]["program_id"] == pair.program.id

    await login(client, db_session, user)
    page = await client.get("/")
    assert page.status_code == 200
    for item in expected:
        assert f'href="{item.url}">{escape(item.title)}</a>' in page.text
    assert '<span id="todo-badge" class="todo-count">' in page.text
    assert '<span aria-hidden="true">2</span>' in page.text
    assert "My programs" in page.text

    badge = await client.get("/me/todo/badge")
    assert badge.status_code == 200 and '<span aria-hidden="true">2</span>' in badge.text
    other = await client.get(f"/programs/{pair.program.id}")
    assert 'hx-get="/me/todo/badge"' in other.text


@pytest.mark.anyio
async def test_the_empty_home_explains_what_comes_there(db_session: Session, client: httpx.AsyncClient) -> None:
    program = make_program(db_session)
    person = participant(db_session, program, Role.MENTEE, "Emma Empty")
    await login(client, db_session, person.user)
    page = await client.get("/")
    assert "Nothing is waiting for you right now." in page.text
    assert "No mentorship yet." in page.text
    assert '<span id="todo-badge" class="todo-count" hidden>' in page.text
    api = await client.get("/api/v1/me/todo", headers=make_token(db_session, person.user))
    assert api.json() == []
