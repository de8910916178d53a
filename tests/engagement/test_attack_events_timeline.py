"""Attack on the pair timeline: a mentor's event for one mentee must not show on the timeline of the mentor's
other mentee, who may not see the event at all (its page answers 404)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs.models import Role
from tests.engagement.test_events_support import event_body
from tests.matching.helpers import headers_for, participant
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


def _second_mentee(session: Session, pair: Pair) -> tuple[Mentorship, dict[str, str]]:
    """Another active pair of the same mentor in the same program."""
    mentee = participant(session, pair.program, Role.MENTEE, "Olivia Othermentee")
    mentorship = Mentorship(
        program_id=pair.program.id,
        mentor_id=pair.mentor.id,
        mentee_id=mentee.id,
        source=MentorshipSource.MATCHING,
        status=MentorshipStatus.ACTIVE,
    )
    session.add(mentorship)
    session.flush()
    return mentorship, headers_for(session, mentee)


async def test_mentor_event_for_one_mentee_stays_off_the_other_mentees_timeline(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    other, other_h = _second_mentee(db_session, pair)
    events_url = f"/api/v1/programs/{pair.program.id}/events"
    created = await client.post(
        events_url, headers=pair.mentor_h, json=event_body(title="Layoff talk with Olivia", location="Room 7")
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    invited = await client.post(
        f"{events_url}/{event_id}/invitations", headers=pair.mentor_h, json={"mentorship_ids": [other.id]}
    )
    assert invited.status_code == 200, invited.text
    # the first mentee is not invited: the event is not theirs to see ...
    assert (await client.get(f"{events_url}/{event_id}", headers=pair.mentee_h)).status_code == 404
    # ... and neither is it on their pair's timeline
    mine = await client.get(f"{pair.base}/timeline", headers=pair.mentee_h)
    assert mine.status_code == 200
    assert "Layoff talk with Olivia" not in mine.text and "Room 7" not in mine.text
    # the invited mentee and the mentor who made it still see it on their timeline
    theirs = f"/api/v1/programs/{pair.program.id}/mentorships/{other.id}/timeline"
    assert "Layoff talk with Olivia" in (await client.get(theirs, headers=other_h)).text
    assert "Layoff talk with Olivia" in (await client.get(theirs, headers=pair.mentor_h)).text
    assert "Layoff talk with Olivia" in (await client.get(f"{pair.base}/timeline", headers=pair.mentor_h)).text
