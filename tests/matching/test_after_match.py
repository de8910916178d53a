"""After a match: both yes leads to the pair home, "my match" leads there too, and the lists step aside.

Issue 10 item 2, the match side: the second yes redirects to the new pair's home; the first one waits on
"my match" with a clear sentence and later finds the mentorship there; "your mentor" links to the pair; the
prefer/avoid lists are put aside while a mentorship runs (unless a mentor has room for more), and nobody can
prefer or avoid their own mentee or mentor, on the page, the coordinators' avoid-list page and the API alike.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.errors import ValidationFailed
from mentorloom.matching import preferences, service
from mentorloom.matching.models import MatchPreference, Proposal, ProposalStatus
from mentorloom.mentorships import lifecycle, placement
from mentorloom.mentorships.models import Mentorship, MentorshipSource
from mentorloom.programs.models import Membership, Program
from tests.factories import mailed, make_program, make_token
from tests.matching.helpers import coordinator_user, headers_for, sample_people
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _published(session: Session) -> tuple[Program, dict[str, Membership], Proposal]:
    """The sample program with a published run; returns Sophie's offer (Anna is her mentor)."""
    program = make_program(session)
    people = sample_people(session, program)
    run = service.start_run(session, program, coordinator_user(session, program))
    service.compute_run(session, run)
    service.publish(session, run)
    offer = session.scalar(select(Proposal).where(Proposal.run_id == run.id, Proposal.mentee_id == people["sophie"].id))
    assert offer is not None and offer.mentor_id == people["anna"].id and offer.status is ProposalStatus.OFFERED
    return program, people, offer


def _place(session: Session, program: Program, mentor: Membership, mentee: Membership) -> Mentorship:
    return placement.place(
        session, program, mentor_id=mentor.id, mentee_id=mentee.id, source=MentorshipSource.COORDINATOR, by=None
    )


def _saved(session: Session, owner: Membership) -> set[tuple[int, str]]:
    session.expire_all()
    rows = session.execute(
        select(MatchPreference.target_id, MatchPreference.kind).where(MatchPreference.owner_id == owner.id)
    )
    return {(target, kind.value) for target, kind in rows}


async def test_the_second_yes_opens_the_pair_home_and_the_first_finds_the_pair_on_my_match(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program, people, offer = _published(db_session)
    sophie, anna = people["sophie"], people["anna"]
    base = f"/programs/{program.id}/matching"

    token = await login(client, db_session, sophie.user)
    first = await client.post(f"{base}/offers/{offer.id}/accept", data={"csrf_token": token})
    assert first.status_code == 303 and first.headers["location"] == f"{base}/mine#offer-{offer.id}"
    waiting = await client.get(first.headers["location"])
    assert "Now we are waiting for Anna to accept; you get an e-mail as soon as your mentorship starts." in waiting.text
    assert '<a href="/">Meanwhile, see what else is waiting for you on your home page.</a>' in waiting.text

    token = await login(client, db_session, anna.user)
    second = await client.post(f"{base}/offers/{offer.id}/accept", data={"csrf_token": token})
    pair = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == sophie.id))
    assert pair is not None and pair.mentor_id == anna.id
    pair_url = f"/programs/{program.id}/mentorships/{pair.id}"
    assert second.status_code == 303 and second.headers["location"] == pair_url  # post/redirect/get to the pair
    home = await client.get(pair_url)
    assert home.status_code == 200
    assert "You and Sophie are now a mentoring pair. Your first steps are below" in home.text
    assert "Your first steps" in home.text
    started = [body for to, subject, body in mailed(settings.mail_outbox) if subject.endswith("has started")]
    assert len(started) == 2 and all(f"http://testserver{pair_url}\n" in body for body in started)

    await login(client, db_session, sophie.user)
    mine = await client.get(f"{base}/mine")
    assert f'id="pair-{pair.id}"' in mine.text and "Your mentorship with Anna started on" in mine.text
    assert f'<a href="{pair_url}"><strong>Anna</strong></a>' in mine.text  # "your mentor" is the pair, not a profile
    assert f'<a href="{pair_url}" class="button"' in mine.text and "Open your mentorship" in mine.text
    assert f"/participants/{anna.id}" not in mine.text
    assert "A mentor suggested for you" not in mine.text


async def test_a_running_mentorship_puts_the_lists_aside_unless_a_mentor_has_room(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)  # Anna takes one mentee, Bernd two
    _place(db_session, program, people["anna"], people["sophie"])
    _place(db_session, program, people["bernd"], people["tom"])
    base = f"/programs/{program.id}/matching"

    for name in ("sophie", "anna"):  # a mentee with a mentor; a mentor with no free place
        await login(client, db_session, people[name].user)
        page = await client.get(f"{base}/mine")
        assert page.status_code == 200
        assert "Preferences for the next matching round" in page.text and 'name="pref-' not in page.text
        assert "count again in the next matching round" in page.text

    token = await login(client, db_session, people["bernd"].user)
    page = await client.get(f"{base}/mine")
    assert f'name="pref-{people["uli"].id}"' in page.text  # room for one more: Bernd still keeps his lists
    assert f'name="pref-{people["tom"].id}"' not in page.text  # ... but never offers his own mentee
    assert f'<a href="/programs/{program.id}/mentorships/' in page.text and "Your mentee" in page.text

    refused = await client.post(f"{base}/preferences", data={"csrf_token": token, f"pref-{people['tom'].id}": "avoid"})
    assert refused.status_code == 422
    assert "Avoid: People in a mentorship with this participant cannot be preferred or avoided: Tom." in refused.text
    assert _saved(db_session, people["bernd"]) == set()


async def test_own_mentees_and_mentors_are_refused_through_the_api_and_the_avoid_page(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    bernd, tom, uli = people["bernd"], people["tom"], people["uli"]
    _place(db_session, program, bernd, tom)
    api = f"/api/v1/programs/{program.id}/matching"

    own = await client.put(f"{api}/preferences", headers=headers_for(db_session, bernd), json={"avoid": [tom.id]})
    assert own.status_code == 422 and own.json()["errors"][0]["field"] == "avoid"
    mentee = await client.put(f"{api}/preferences", headers=headers_for(db_session, tom), json={"prefer": [bernd.id]})
    assert mentee.status_code == 422 and mentee.json()["errors"][0]["field"] == "prefer"
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    by_coordinator = await client.put(
        f"{api}/participants/{bernd.id}/avoid", headers=make_token(db_session, coordinator), json={"avoid": [tom.id]}
    )
    assert by_coordinator.status_code == 422 and "Tom" in by_coordinator.json()["detail"]
    fine = await client.put(f"{api}/preferences", headers=headers_for(db_session, bernd), json={"avoid": [uli.id]})
    assert fine.status_code == 200 and _saved(db_session, bernd) == {(uli.id, "avoid")}

    token = await login(client, db_session, coordinator)
    url = f"/programs/{program.id}/matching/participants/{bernd.id}/avoid"
    page = await client.get(url)
    assert page.status_code == 200 and "Uli" in page.text and f'value="{tom.id}"' not in page.text
    posted = await client.post(url, data={"csrf_token": token, "avoid": [str(tom.id)]})
    assert posted.status_code == 422 and "cannot be preferred or avoided: Tom." in posted.text
    assert _saved(db_session, bernd) == {(uli.id, "avoid")}


def test_a_proposed_mentorship_counts_and_an_old_preference_for_the_partner_is_dropped(db_session: Session) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    sophie, anna, bernd = people["sophie"], people["anna"], people["bernd"]
    preferences.set_preferences(db_session, sophie, [anna.id], [])
    coordinator = coordinator_user(db_session, program)
    lifecycle.create_direct(db_session, program, coordinator, anna.id, sophie.id)  # proposed: both still to accept

    assert anna.id not in {person.id for person, _department in preferences.choosable(db_session, sophie)}
    assert sophie.id not in {person.id for person, _department in preferences.choosable(db_session, anna)}
    with pytest.raises(ValidationFailed) as refused:
        preferences.set_preferences(db_session, anna, [], [sophie.id])
    assert refused.value.field == "avoid" and "Sophie" in refused.value.detail

    preferences.set_avoid_list(db_session, sophie, [bernd.id])  # the old wish for Anna is not kept, not refused
    assert _saved(db_session, sophie) == {(bernd.id, "avoid")}
