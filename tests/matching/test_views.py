"""The matching pages: run and review (coordinators), answer offers, requests and preferences (participants)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.matching import service
from mentorloom.matching.models import MatchPreference, MatchRun, MentorRequest, Proposal, ProposalStatus, RunStatus
from mentorloom.mentorships.models import Mentorship, MentorshipSource
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import mailed, mailed_links, make_program, set_password
from tests.matching.helpers import coordinator_user, participant, sample_people

pytestmark = pytest.mark.anyio


# --- helpers ------------------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, session: Session, user: User) -> str:
    """Log `user` in through the login form; returns the CSRF token for later forms."""
    password = set_password(session, user)
    await client.get("/login")
    token = str(client.cookies.get("ml_csrf"))
    response = await client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.text
    return str(client.cookies.get("ml_csrf"))  # a new token, bound to the login session


def _program(session: Session) -> tuple[Program, User, dict[str, Membership]]:
    program = make_program(session)
    people = sample_people(session, program)
    return program, coordinator_user(session, program, "Clara Coordinator"), people


def proposals_of(session: Session, run_id: int) -> dict[int, Proposal]:
    """The run's current proposal per mentee (rejected rows left out)."""
    session.expire_all()
    rows = session.scalars(
        select(Proposal).where(Proposal.run_id == run_id, Proposal.status != ProposalStatus.REJECTED)
    )
    return {p.mentee_id: p for p in rows}


async def start_run(client: httpx.AsyncClient, program: Program, token: str) -> int:
    response = await client.post(f"/programs/{program.id}/matching/runs", data={"mode": "optimal", "csrf_token": token})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/programs/{program.id}/matching/runs/")
    return int(location.rsplit("/", 1)[1])


# --- coordinators -------------------------------------------------------------------------------


async def test_coordinator_starts_a_run_and_sees_explained_proposals(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, _people = _program(db_session)
    token = await login(client, db_session, coordinator)
    overview = await client.get(f"/programs/{program.id}")
    assert f'href="/programs/{program.id}/matching"' in overview.text
    home = await client.get(f"/programs/{program.id}/matching")
    assert home.status_code == 200 and "Start matching" in home.text and "No runs yet" in home.text

    run_id = await start_run(client, program, token)
    page = await client.get(f"/programs/{program.id}/matching/runs/{run_id}")
    assert page.status_code == 200
    assert "Matching is done: 3 pairs are proposed." in page.text  # the flash of the redirect
    assert "Shared values: Autonomy and Family" in page.text
    assert "Expertise in Negotiation (level 5 of 5) – top learning wish" in page.text
    assert "1 mentee without a mentor" in page.text and "No compatible mentor" in page.text
    assert page.text.count('<tr id="p-') == 3 and "Publish…" in page.text

    search = await client.get(
        f"/programs/{program.id}/matching/runs/{run_id}?q=soph",
        headers={"HX-Request": "true", "HX-Target": "proposals"},
    )
    assert "<html" not in search.text and search.text.count('<tr id="p-') == 1 and "Sophie" in search.text
    home = await client.get(f"/programs/{program.id}/matching")
    assert "Under review" in home.text and f"/matching/runs/{run_id}" in home.text


async def test_lock_survives_a_rerun_and_a_rejected_pair_is_not_proposed_again(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, people = _program(db_session)
    token = await login(client, db_session, coordinator)
    run_id = await start_run(client, program, token)
    first = proposals_of(db_session, run_id)
    sophie, tom = first[people["sophie"].id], first[people["tom"].id]
    base = f"/programs/{program.id}/matching"

    locked = await client.post(f"{base}/proposals/{sophie.id}/lock", data={"csrf_token": token, "q": "", "page": "1"})
    assert locked.status_code == 303 and locked.headers["location"].endswith(f"/runs/{run_id}#p-{sophie.id}")
    rejected = await client.post(f"{base}/proposals/{tom.id}/reject", data={"csrf_token": token})
    assert rejected.status_code == 303
    page = await client.get(f"{base}/runs/{run_id}")
    assert "Tom and Bernd are ruled out: a re-run will not propose them again." in page.text
    assert "Locked" in page.text and "You ruled this pair out." in page.text

    rerun = await client.post(f"{base}/runs/{run_id}/rerun", data={"csrf_token": token})
    assert rerun.status_code == 303
    new_id = int(rerun.headers["location"].rsplit("/", 1)[1])
    assert new_id != run_id
    current = proposals_of(db_session, new_id)
    assert current[people["sophie"].id].status is ProposalStatus.LOCKED
    assert current[people["sophie"].id].mentor_id == people["anna"].id
    assert current[people["tom"].id].mentor_id != people["bernd"].id

    stale = await client.post(f"{base}/proposals/{sophie.id}/unlock", data={"csrf_token": token})
    assert stale.status_code == 409 and "This run is no longer under review." in stale.text
    old = await client.get(f"{base}/runs/{run_id}")
    assert "replaced by a newer one" in old.text and "Publish…" not in old.text


async def test_swap_exchanges_mentors_and_refuses_a_forbidden_pair(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, people = _program(db_session)
    token = await login(client, db_session, coordinator)
    run_id = await start_run(client, program, token)
    before = proposals_of(db_session, run_id)
    sophie, tom, zoe = (before[people[n].id] for n in ("sophie", "tom", "zoe"))
    base = f"/programs/{program.id}/matching/proposals/{sophie.id}/swap"

    form = await client.get(base)
    assert form.status_code == 200 and f'<option value="{tom.id}">' in form.text
    forbidden = await client.post(base, data={"csrf_token": token, "other_id": str(zoe.id)})
    assert forbidden.status_code == 409 and "The rules exclude this pair" in forbidden.text
    assert proposals_of(db_session, run_id)[people["sophie"].id].mentor_id == people["anna"].id  # nothing half-done

    swapped = await client.post(base, data={"csrf_token": token, "other_id": str(tom.id)})
    assert swapped.status_code == 303
    after = proposals_of(db_session, run_id)
    assert after[people["sophie"].id].mentor_id == people["bernd"].id
    assert after[people["tom"].id].mentor_id == people["anna"].id


async def test_publish_asks_both_people_and_they_answer_on_their_page(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program, coordinator, people = _program(db_session)
    token = await login(client, db_session, coordinator)
    run_id = await start_run(client, program, token)
    base = f"/programs/{program.id}/matching"
    confirm = await client.get(f"{base}/runs/{run_id}/publish")
    assert "Offer 3 pairs?" in confirm.text and "Both people are asked" in confirm.text
    published = await client.post(f"{base}/runs/{run_id}/publish", data={"csrf_token": token})
    assert published.status_code == 303
    assert "Published: 3 pairs are asked" in (await client.get(published.headers["location"])).text
    assert len(mailed_links(settings.mail_outbox, "/matching/mine")) == 6  # both people of each pair
    offer = proposals_of(db_session, run_id)[people["sophie"].id]
    assert offer.status is ProposalStatus.OFFERED

    token = await login(client, db_session, people["sophie"].user)
    mine = await client.get(f"{base}/mine")
    assert "A mentor suggested for you" in mine.text and "Anna" in mine.text and "Shared values: Autonomy" in mine.text
    accepted = await client.post(f"{base}/offers/{offer.id}/accept", data={"csrf_token": token})
    assert "starts as soon as Anna accepts too" in (await client.get(accepted.headers["location"])).text
    to, subject, body = mailed(settings.mail_outbox)[-1]
    assert to == people["anna"].user.email and subject == "Sophie said yes to your mentoring match"
    assert "Only your answer is missing" in body

    token = await login(client, db_session, people["anna"].user)
    assert "A mentee suggested for you" in (await client.get(f"{base}/mine")).text
    accepted = await client.post(f"{base}/offers/{offer.id}/accept", data={"csrf_token": token})
    assert "You and Sophie are now a mentoring pair." in (await client.get(accepted.headers["location"])).text
    started = {to: subject for to, subject, _ in mailed(settings.mail_outbox)[-2:]}
    assert started == {
        people["anna"].user.email: "Your mentoring pair with Sophie has started",
        people["sophie"].user.email: "Your mentoring pair with Anna has started",
    }
    pair = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == people["sophie"].id))
    assert pair is not None and pair.mentor_id == people["anna"].id
    assert "Your mentee</h2>" in (await client.get(f"{base}/mine")).text  # one mentee: the singular


async def test_a_decline_needs_a_reason_and_brings_the_next_offer(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program, coordinator, people = _program(db_session)
    run = service.start_run(db_session, program, coordinator)
    service.compute_run(db_session, run)
    service.publish(db_session, run)
    participant(db_session, program, Role.MENTOR, "Carla", capacity=1)
    offer = proposals_of(db_session, run.id)[people["sophie"].id]
    base = f"/programs/{program.id}/matching"

    token = await login(client, db_session, people["sophie"].user)
    empty = await client.post(f"{base}/offers/{offer.id}/decline", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422 and "Please tell us briefly why" in empty.text
    assert 'aria-invalid="true"' in empty.text and '<details class="decline-box" open>' in empty.text
    declined = await client.post(
        f"{base}/offers/{offer.id}/decline", data={"csrf_token": token, "reason": "We already work together"}
    )
    assert declined.status_code == 303
    page = await client.get(declined.headers["location"])
    assert "We suggest Carla instead." in page.text and "A mentor suggested for you" in page.text
    db_session.expire_all()
    assert db_session.get(Proposal, offer.id).decline_reason == "We already work together"  # type: ignore[union-attr]
    told = {to: (subject, body) for to, subject, body in mailed(settings.mail_outbox)}
    subject, body = told[people["anna"].user.email]
    assert subject == "Your mentoring match with Sophie will not go ahead"
    assert "We already work together" not in body  # the reason is for the coordinator only
    assert "A mentoring match for you" in told[people["sophie"].user.email][0]  # the next offer (Carla)


async def test_mentee_requests_a_mentor_from_the_shortlist_and_the_mentor_accepts(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program = make_program(db_session)
    anna = participant(db_session, program, Role.MENTOR, "Anna", expertise=[{"skill": "Negotiation", "level": 5}])
    mia = participant(db_session, program, Role.MENTEE, "Mia", wanted_skills=[{"skill": "Negotiation", "priority": 1}])
    ben = participant(db_session, program, Role.MENTOR, "Ben")
    base = f"/programs/{program.id}/matching"

    token = await login(client, db_session, mia.user)
    mine = await client.get(f"{base}/mine")
    assert "Your coordinator has not published matches yet." in mine.text
    assert "Mentors you can ask" in mine.text and "Ask Anna…" in mine.text
    sent = await client.post(
        f"{base}/requests", data={"csrf_token": token, "mentor_id": str(anna.id), "message": "Could you help me?"}
    )
    assert sent.status_code == 303
    page = await client.get(sent.headers["location"])
    assert "Your request is on its way to Anna." in page.text and "Requested — waiting for an answer" in page.text
    again = await client.post(f"{base}/requests", data={"csrf_token": token, "mentor_id": str(anna.id)})
    assert again.status_code == 409 and "You have already asked this mentor." in again.text
    await client.post(f"{base}/requests", data={"csrf_token": token, "mentor_id": str(ben.id)})
    to_ben = db_session.scalar(select(MentorRequest).where(MentorRequest.mentor_id == ben.id))
    assert to_ben is not None
    withdrawn = await client.post(f"{base}/requests/{to_ben.id}/withdraw", data={"csrf_token": token})
    assert "Your request to Ben is withdrawn." in (await client.get(withdrawn.headers["location"])).text
    db_session.refresh(to_ben)
    assert to_ben.status.value == "withdrawn"
    assert mailed_links(settings.mail_outbox, "/matching/mine")

    token = await login(client, db_session, anna.user)
    incoming = await client.get(f"{base}/mine")
    assert "Requests for you" in incoming.text and "Could you help me?" in incoming.text
    request_id = db_session.scalar(select(MentorRequest.id).where(MentorRequest.mentor_id == anna.id))
    accepted = await client.post(f"{base}/requests/{request_id}/accept", data={"csrf_token": token, "note": "Welcome!"})
    assert accepted.status_code == 303
    assert "You are now Mia&#39;s mentor." in (await client.get(accepted.headers["location"])).text
    pair = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == mia.id))
    assert pair is not None and pair.source is MentorshipSource.REQUEST
    to, subject, body = mailed(settings.mail_outbox)[-1]
    assert (to, subject) == (mia.user.email, "Anna is now your mentor") and "Welcome!" in body

    await login(client, db_session, mia.user)
    page = await client.get(f"{base}/mine")
    assert "Your mentor" in page.text and "Mentors you can ask" not in page.text


async def test_preferences_are_saved_and_only_mentees_may_prefer(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, _coordinator, people = _program(db_session)
    base = f"/programs/{program.id}/matching"
    token = await login(client, db_session, people["sophie"].user)
    anna, bernd = people["anna"].id, people["bernd"].id
    saved = await client.post(
        f"{base}/preferences", data={"csrf_token": token, f"pref-{anna}": "prefer", f"pref-{bernd}": "avoid"}
    )
    assert saved.status_code == 303
    rows = db_session.execute(select(MatchPreference.target_id, MatchPreference.kind)).all()
    assert {(t, k.value) for t, k in rows} == {(anna, "prefer"), (bernd, "avoid")}
    page = await client.get(f"{base}/mine")
    assert f'name="pref-{anna}" value="prefer" checked' in page.text

    token = await login(client, db_session, people["anna"].user)
    forged = await client.post(f"{base}/preferences", data={"csrf_token": token, f"pref-{people['tom'].id}": "prefer"})
    assert forged.status_code == 422 and "Only mentees can name preferred mentors." in forged.text


async def test_progress_fragment_polls_until_the_run_is_done(client: httpx.AsyncClient, db_session: Session) -> None:
    program, coordinator, _people = _program(db_session)
    run = service.start_run(db_session, program, coordinator)  # queued, as when the worker computes it
    await login(client, db_session, coordinator)
    url = f"/programs/{program.id}/matching/runs/{run.id}/progress"
    home = await client.get(f"/programs/{program.id}/matching")
    assert 'hx-trigger="every 2s"' in home.text and "Matching is running" in home.text
    polling = await client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.text and "HX-Refresh" not in polling.headers

    service.compute_run(db_session, run)
    done = await client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.text and "Review the proposals" in done.text
    assert done.headers["HX-Refresh"] == "true"

    broken = service.start_run(db_session, program, coordinator)
    broken.status, broken.error = RunStatus.FAILED, "ValueError: no mentors"
    db_session.flush()
    page = await client.get(f"/programs/{program.id}/matching/runs/{broken.id}")
    assert "Matching failed" in page.text and "ValueError: no mentors" in page.text and "every 2s" not in page.text


# --- who may see what ---------------------------------------------------------------------------


async def test_participants_cannot_open_coordinator_pages_and_other_programs_are_hidden(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, people = _program(db_session)
    other, other_coordinator, _ = _program(db_session)
    other_run = service.start_run(db_session, other, other_coordinator)
    service.compute_run(db_session, other_run)
    own_run = service.start_run(db_session, program, coordinator)
    service.compute_run(db_session, own_run)

    token = await login(client, db_session, people["sophie"].user)
    base = f"/programs/{program.id}/matching"
    assert (await client.get(base)).status_code == 403
    assert (await client.get(f"{base}/runs/{own_run.id}")).status_code == 403
    proposal = next(iter(proposals_of(db_session, own_run.id).values()))
    assert (await client.post(f"{base}/proposals/{proposal.id}/lock", data={"csrf_token": token})).status_code == 403
    assert (await client.post(f"{base}/runs/{own_run.id}/publish", data={"csrf_token": token})).status_code == 403

    await login(client, db_session, coordinator)
    assert (await client.get(f"{base}/runs/{other_run.id}")).status_code == 404
    assert (await client.get(f"/programs/{other.id}/matching")).status_code == 404
    assert (await client.get(f"{base}/mine")).headers["location"] == base  # coordinators go to their page
    no_token = await client.post(f"{base}/runs", data={"mode": "optimal"})
    assert no_token.status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(MatchRun.status).where(MatchRun.id == own_run.id)) is RunStatus.READY
