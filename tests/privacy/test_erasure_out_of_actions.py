"""An erased person's memberships stay (program figures), but they take part in nothing new: no matching run,
no shortlist or request, no placement, no participants' directory, and no one else's line-manager field."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.errors import ValidationFailed
from mentorloom.matching import mentor_requests
from mentorloom.matching.inputs import build_inputs
from mentorloom.matching.preferences import choosable
from mentorloom.mentorships import placement
from mentorloom.mentorships.models import MentorshipSource
from mentorloom.privacy.erasure import erase_person, erased_email
from mentorloom.profiles.models import Profile
from mentorloom.profiles.service import directory_page, directory_query
from mentorloom.programs.models import Role
from tests.factories import make_program, make_user
from tests.matching.helpers import coordinator, headers_for, participant
from tests.privacy.test_erasure import every_text

pytestmark = pytest.mark.anyio


def test_an_erased_mentor_or_mentee_is_no_matching_candidate(db_session: Session) -> None:
    program = make_program(db_session)
    kept = participant(db_session, program, Role.MENTOR, "Kept Mentor", capacity=2)
    gone = participant(db_session, program, Role.MENTOR, "Gone Mentor", capacity=2)
    mentee = participant(db_session, program, Role.MENTEE, "Staying Mentee")
    gone_mentee = participant(db_session, program, Role.MENTEE, "Gone Mentee")
    admin = make_user(db_session, is_admin=True)
    before = build_inputs(db_session, program)
    assert set(before.mentor_ids) == {kept.id, gone.id}
    assert set(before.mentee_ids) == {mentee.id, gone_mentee.id}

    erase_person(db_session, gone.user, by=admin)
    erase_person(db_session, gone_mentee.user, by=admin)

    after = build_inputs(db_session, program)
    assert after.mentor_ids == [kept.id]
    assert after.mentee_ids == [mentee.id]
    # the mentee's own views: the shortlist, a request, the prefer/avoid list
    shortlist = mentor_requests.shortlist(db_session, program, mentee)
    assert [c.mentor.id for c in shortlist] == [kept.id]
    with pytest.raises(ValidationFailed) as refused:
        mentor_requests.send_request(db_session, program, mentee, gone.id, "")
    assert refused.value.field == "mentor_id"
    assert [m.id for m, _dept in choosable(db_session, mentee)] == [kept.id]


@pytest.mark.parametrize("erased_side", ["mentee_id", "mentor_id"])
def test_placing_an_erased_person_is_refused_naming_the_field(db_session: Session, erased_side: str) -> None:
    program = make_program(db_session)
    mentor = participant(db_session, program, Role.MENTOR, "Placed Mentor", capacity=1)
    mentee = participant(db_session, program, Role.MENTEE, "Placed Mentee")
    admin = make_user(db_session, is_admin=True)
    erase_person(db_session, (mentee if erased_side == "mentee_id" else mentor).user, by=admin)
    with pytest.raises(ValidationFailed) as refused:
        placement.place(
            db_session,
            program,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            source=MentorshipSource.COORDINATOR,
            by=admin,
        )
    assert refused.value.field == erased_side


async def test_the_directory_leaves_erased_people_out_for_participants(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    viewer = participant(db_session, program, Role.MENTEE, "Viewing Mentee")
    kept = participant(db_session, program, Role.MENTOR, "Kept Mentor")
    gone = participant(db_session, program, Role.MENTOR, "Gone Mentor")
    coord_h = coordinator(db_session, program)
    erase_person(db_session, gone.user, by=make_user(db_session, is_admin=True))

    listed = {s.membership_id for s in directory_page(db_session, directory_query(program.id)).items}
    assert gone.id not in listed and {viewer.id, kept.id} <= listed
    labelled = directory_page(db_session, directory_query(program.id, with_erased=True)).items
    assert gone.user.display_name in [s.name for s in labelled if s.membership_id == gone.id]

    url = f"/api/v1/programs/{program.id}/participants"
    as_participant = await client.get(url, headers=headers_for(db_session, viewer), params={"per_page": 100})
    assert as_participant.status_code == 200, as_participant.text
    assert gone.user.display_name not in as_participant.text
    assert kept.user.display_name in as_participant.text
    as_coordinator = await client.get(url, headers=coord_h, params={"per_page": 100})
    assert as_coordinator.status_code == 200, as_coordinator.text
    assert gone.user.display_name in as_coordinator.text  # the neutral label, "Erased person N"


def test_the_erased_address_leaves_other_peoples_line_manager_field(db_session: Session) -> None:
    program = make_program(db_session)
    other_program = make_program(db_session, name="Other program")
    boss = participant(db_session, program, Role.MENTOR, "Boss Person")
    address = boss.user.email
    report = participant(db_session, program, Role.MENTEE, "Report One", line_manager_email=address)
    elsewhere = participant(db_session, other_program, Role.MENTEE, "Report Two", line_manager_email=address.upper())
    unrelated = participant(
        db_session, program, Role.MENTEE, "Report Three", line_manager_email="someone.else@example.org"
    )
    version = db_session.get_one(Profile, report.id).version
    assert address in every_text(db_session)

    erase_person(db_session, boss.user, by=make_user(db_session, is_admin=True))

    text = every_text(db_session).casefold()
    assert address.casefold() not in text
    assert db_session.get_one(Profile, report.id).line_manager_email == ""
    assert db_session.get_one(Profile, elsewhere.id).line_manager_email == ""
    assert db_session.get_one(Profile, unrelated.id).line_manager_email == "someone.else@example.org"
    assert db_session.get_one(Profile, report.id).version != version  # an open edit form gets a conflict
    assert erased_email(boss.user.id) == boss.user.email
