"""The coordinators' review results page (issue 10 item 6): released figures only, who answered, never a pair's score.

Below a batch of answers the page says nothing is released yet and what to do; the answer that completes the
batch releases the figures; later answers wait for the next batch and the release gap. Participants are refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom import dates
from mentorloom.db import utcnow
from mentorloom.mentorships import review_rounds, reviews
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.models import Side
from mentorloom.mentorships.reviews import RELEASE_BATCH, STATEMENTS
from mentorloom.profiles.service import person_timezone
from tests.matching.helpers import coordinator_user
from tests.matching.test_views import login
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

DUE_DAYS = 12 * 7 + 1  # the first review round (every 12 weeks by default) opened yesterday


def _pairs(session: Session, n: int) -> list[Pair]:
    first = make_pair(session, started_days_ago=DUE_DAYS)
    more = [
        make_pair(session, started_days_ago=DUE_DAYS, program=first.program, coordinator_headers=first.coord_h)
        for _ in range(n - 1)
    ]
    return [first, *more]


def _seat(session: Session, pair: Pair, side: Side) -> Seat:
    member = pair.mentor if side is Side.MENTOR else pair.mentee
    return seat_for(session, member.user, pair.program.id, pair.mentorship.id)


def _answer(session: Session, pair: Pair, side: Side, heard: int) -> None:
    scores = {**dict.fromkeys(STATEMENTS, 4), "feel_heard": heard}
    reviews.submit(session, _seat(session, pair, side), pair.program, scores, "", False)


def _pair_line(page: str, pair: Pair) -> str:
    found = re.search(rf'<li data-pair="{pair.mentorship.id}">(.*?)</li>', page, re.S)
    assert found is not None
    return found.group(1)


async def test_the_page_shows_released_figures_only_and_who_answered(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pairs = _pairs(db_session, 3)
    program = pairs[0].program
    clara = coordinator_user(db_session, program, "Clara Coordinator")
    await login(client, db_session, clara)
    url = f"/programs/{program.id}/reviews"
    answers = [
        (pairs[0], Side.MENTOR, 1),
        (pairs[0], Side.MENTEE, 5),
        (pairs[1], Side.MENTOR, 2),
        (pairs[1], Side.MENTEE, 3),
    ]
    assert len(answers) == RELEASE_BATCH - 1
    for pair, side, heard in answers:
        _answer(db_session, pair, side, heard)

    below = await client.get(url)
    assert below.status_code == 200
    assert "No figures released yet" in below.text and "data-statement" not in below.text
    assert "Figures appear here once at least 5 answers are in." in below.text
    assert "4 answers are in so far." in below.text
    assert "Both answered" in _pair_line(below.text, pairs[0])
    assert "No answer yet" in _pair_line(below.text, pairs[2])

    _answer(db_session, pairs[2], Side.MENTOR, 4)  # the fifth answer completes the batch
    released = await client.get(url)
    assert "No figures released yet" not in released.text and "Released on" in released.text
    assert released.text.count("data-statement=") == len(STATEMENTS)
    heard = re.search(r'data-statement="feel_heard">.*?</tr>', released.text, re.S)
    assert heard is not None and ">5<" in heard.group(0) and "<strong>3.0</strong>" in heard.group(0)  # (1+5+2+3+4)/5
    assert "Mentee has not answered" in _pair_line(released.text, pairs[2])
    assert "Why the figures change in batches" in released.text and "at most every 4 weeks" in released.text

    _answer(db_session, pairs[2], Side.MENTEE, 1)  # within the gap: the figures stay as released
    later = await client.get(url)
    heard = re.search(r'data-statement="feel_heard">.*?</tr>', later.text, re.S)
    assert heard is not None and ">5<" in heard.group(0) and "<strong>3.0</strong>" in heard.group(0)
    # The page writes the day in the reader's zone: late in the UTC evening it is already tomorrow in Berlin.
    with dates.use_timezone(person_timezone(db_session, clara.id)):
        day = dates.local(utcnow() + reviews.RELEASE_GAP).day
    assert re.search(rf"The next release comes once 4 more new answers are in, on \w+ {day}, \d{{4}} at", later.text)
    assert "Both answered" in _pair_line(later.text, pairs[2])


async def test_participants_are_refused_and_coordinators_find_the_page(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=DUE_DAYS)
    program = pair.program
    url = f"/programs/{program.id}/reviews"
    for member in (pair.mentor, pair.mentee):
        await login(client, db_session, member.user)
        assert (await client.get(url)).status_code == 403
        assert url not in (await client.get(f"/programs/{program.id}/mentorships")).text
        assert url not in (await client.get(f"/programs/{program.id}")).text
    other = make_pair(db_session)
    await login(client, db_session, other.mentor.user)  # in another program only
    assert (await client.get(url)).status_code == 404

    await login(client, db_session, coordinator_user(db_session, program))
    assert f'href="{url}"' in (await client.get(f"/programs/{program.id}")).text
    assert f'href="{url}"' in (await client.get(f"/programs/{program.id}/mentorships")).text
    page = await client.get(url)
    assert page.status_code == 200 and "No answer yet" in page.text


def test_rounds_count_a_round_opened_early_and_list_unanswered_first(db_session: Session) -> None:
    pairs = _pairs(db_session, 2)
    early = make_pair(db_session, started_days_ago=20, program=pairs[0].program, coordinator_headers=pairs[0].coord_h)
    new = make_pair(db_session, started_days_ago=3, program=pairs[0].program, coordinator_headers=pairs[0].coord_h)
    _answer(db_session, pairs[0], Side.MENTOR, 4)
    _answer(db_session, pairs[0], Side.MENTEE, 4)
    seat = _seat(db_session, early, Side.MENTEE)
    reviews.submit(db_session, seat, early.program, dict.fromkeys(STATEMENTS, 3), "", False, early=True)

    found = review_rounds.rounds(db_session, pairs[0].program)
    order = [r.mentorship.id for r in found]
    by_id = {r.mentorship.id: r for r in found}
    assert by_id[early.mentorship.id].period == 1 and by_id[early.mentorship.id].answered == {Side.MENTEE}
    assert by_id[pairs[0].mentorship.id].complete and not by_id[pairs[1].mentorship.id].answered
    assert not by_id[new.mentorship.id].is_open
    assert by_id[new.mentorship.id].next_opens_at.date() == (utcnow() + timedelta(weeks=12, days=-3)).date()
    unanswered = (order.index(pairs[1].mentorship.id), order.index(early.mentorship.id))
    assert order.index(pairs[0].mentorship.id) > max(unanswered)  # answered by both: after those to follow up
    assert order[-1] == new.mentorship.id
