"""/api/v1/programs/{id}/matching: runs, review, publishing, answers, preferences, self-service requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mentorloom.matching import mentor_requests, preferences, queries, service
from mentorloom.matching.explain_text import explain
from mentorloom.matching.models import PreferenceKind, Proposal, ProposalStatus, RunStatus
from mentorloom.matching.schemas import (
    AnswerIn,
    AvoidListIn,
    CandidateOut,
    PreferencesIn,
    ProposalOut,
    RequestAnswerIn,
    RequestIn,
    RequestOut,
    RunIn,
    RunOut,
    SwapIn,
)
from mentorloom.pagination import Page
from mentorloom.permissions import Action, avoid_list_owner, own_membership, program_for
from mentorloom.programs.models import Role
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/programs/{program_id}/matching", tags=["matching"], responses=PROBLEM_RESPONSES)

LISTED_RUNS = 50


def proposal_out(proposal: Proposal) -> ProposalOut:
    out = ProposalOut.model_validate(proposal)
    out.explanation = explain(proposal.facts)
    return out


@router.post("/runs", response_model=RunOut, status_code=201, responses={202: {"model": RunOut}})
def start_run(program_id: ObjectId, body: RunIn, user: ApiUser, session: DbSession) -> JSONResponse:
    """Start a matching run (coordinators). Large programs answer 202 and compute in the background."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.start_run(session, program, user, body.mode)
    service.queue_or_compute(session, run)
    status = 201 if run.status is RunStatus.READY else 202
    return JSONResponse(RunOut.model_validate(run).model_dump(mode="json"), status_code=status)


@router.get("/runs", response_model=list[RunOut])
def list_runs(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[RunOut]:
    """The program's latest runs, newest first."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return [RunOut.model_validate(r) for r in queries.recent_runs(session, program_id, LISTED_RUNS)]


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(program_id: ObjectId, run_id: ObjectId, user: ApiUser, session: DbSession) -> RunOut:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return RunOut.model_validate(service.run_for(session, program_id, run_id))


@router.get("/runs/{run_id}/proposals", response_model=Page[ProposalOut])
def list_proposals(
    program_id: ObjectId,
    run_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    q: Annotated[str, Query(max_length=100, description="Part of the mentee's or the mentor's name")] = "",
    status: Annotated[ProposalStatus | None, Query(description="Only proposals in this status")] = None,
) -> Page[ProposalOut]:
    """A run's proposals by mentee name, as the review page lists them."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    service.run_for(session, program_id, run_id)
    wanted = queries.ProposalFilter(q.strip(), (status,) if status else ())
    return queries.proposal_page(session, run_id, wanted, page, per_page).as_page(proposal_out)


@router.post("/runs/{run_id}/rerun", response_model=RunOut, status_code=201, responses={202: {"model": RunOut}})
def rerun(program_id: ObjectId, run_id: ObjectId, user: ApiUser, session: DbSession) -> JSONResponse:
    """Run again, keeping locked pairs and never proposing rejected ones."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    previous = service.run_for(session, program_id, run_id)
    run = service.start_run(session, program, user, previous=previous)
    service.queue_or_compute(session, run)
    status = 201 if run.status is RunStatus.READY else 202
    return JSONResponse(RunOut.model_validate(run).model_dump(mode="json"), status_code=status)


@router.post("/runs/{run_id}/publish", response_model=RunOut)
def publish(program_id: ObjectId, run_id: ObjectId, user: ApiUser, session: DbSession) -> RunOut:
    """Offer the kept pairs to both people, who then accept or decline."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    service.publish(session, run, by=user)
    return RunOut.model_validate(run)


def _reviewed(program_id: ObjectId, proposal_id: ObjectId, user: ApiUser, session: DbSession) -> Proposal:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return service.proposal_for(session, program_id, proposal_id)


@router.post("/proposals/{proposal_id}/lock", response_model=ProposalOut)
def lock(program_id: ObjectId, proposal_id: ObjectId, user: ApiUser, session: DbSession) -> ProposalOut:
    return proposal_out(service.set_locked(session, _reviewed(program_id, proposal_id, user, session), True))


@router.post("/proposals/{proposal_id}/unlock", response_model=ProposalOut)
def unlock(program_id: ObjectId, proposal_id: ObjectId, user: ApiUser, session: DbSession) -> ProposalOut:
    return proposal_out(service.set_locked(session, _reviewed(program_id, proposal_id, user, session), False))


@router.post("/proposals/{proposal_id}/reject", response_model=ProposalOut)
def reject(program_id: ObjectId, proposal_id: ObjectId, user: ApiUser, session: DbSession) -> ProposalOut:
    return proposal_out(service.reject(session, _reviewed(program_id, proposal_id, user, session)))


@router.post("/proposals/{proposal_id}/swap", response_model=list[ProposalOut])
def swap(
    program_id: ObjectId, proposal_id: ObjectId, body: SwapIn, user: ApiUser, session: DbSession
) -> list[ProposalOut]:
    """Exchange the mentors of two proposals (both re-scored; refused when a rule forbids a pair)."""
    first = _reviewed(program_id, proposal_id, user, session)
    second = service.proposal_for(session, program_id, body.other_id)
    return [proposal_out(p) for p in service.swap(session, first, second)]


@router.get("/offers", response_model=list[ProposalOut])
def my_offers(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[ProposalOut]:
    """Published proposals waiting for my answer (as mentee or mentor)."""
    program_for(session, user, program_id)
    return [proposal_out(p) for p in service.offers_for(session, user, program_id)]


@router.post("/proposals/{proposal_id}/answer", response_model=ProposalOut)
def answer(
    program_id: ObjectId, proposal_id: ObjectId, body: AnswerIn, user: ApiUser, session: DbSession
) -> ProposalOut:
    """Accept or decline a proposal (decline needs a reason); a decline offers the mentee the next best mentor."""
    program_for(session, user, program_id)
    proposal = service.proposal_for(session, program_id, proposal_id)
    service.answer_offer(session, proposal, user, body.answer, body.reason)
    return proposal_out(proposal)


@router.get("/preferences", response_model=PreferencesIn)
def get_preferences(program_id: ObjectId, user: ApiUser, session: DbSession) -> PreferencesIn:
    prefs = preferences.preferences_of(session, own_membership(session, user, program_id))
    return PreferencesIn(prefer=prefs[PreferenceKind.PREFER], avoid=prefs[PreferenceKind.AVOID])


@router.put("/preferences", response_model=PreferencesIn)
def put_preferences(program_id: ObjectId, body: PreferencesIn, user: ApiUser, session: DbSession) -> PreferencesIn:
    """Name mentors you would prefer (mentees) and people you want to avoid (either side) before matching."""
    preferences.set_preferences(session, own_membership(session, user, program_id), body.prefer, body.avoid)
    return body


@router.get("/participants/{membership_id}/avoid", response_model=AvoidListIn)
def get_avoid_list(program_id: ObjectId, membership_id: ObjectId, user: ApiUser, session: DbSession) -> AvoidListIn:
    """Whom a mentor or mentee must not be matched with (their own list, or anyone's for coordinators)."""
    owner = avoid_list_owner(session, user, program_id, membership_id)
    return AvoidListIn(avoid=preferences.preferences_of(session, owner)[PreferenceKind.AVOID])


@router.put("/participants/{membership_id}/avoid", response_model=AvoidListIn)
def put_avoid_list(
    program_id: ObjectId, membership_id: ObjectId, body: AvoidListIn, user: ApiUser, session: DbSession
) -> AvoidListIn:
    """Replace a participant's avoid-list (e.g. a conflict a coordinator was told of); a preference for them ends."""
    preferences.set_avoid_list(session, avoid_list_owner(session, user, program_id, membership_id), body.avoid)
    return body


@router.get("/shortlist", response_model=list[CandidateOut])
def shortlist(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[CandidateOut]:
    """Compatible mentors with a free slot, best first, explained (mentees)."""
    program = program_for(session, user, program_id)
    mentee = own_membership(session, user, program_id, Role.MENTEE)
    return [
        CandidateOut(
            mentor_id=c.mentor.id,
            name=c.mentor.user.display_name,
            score=round(c.score, 2),
            criteria=c.criteria,
            facts=c.facts,
            explanation=explain(c.facts),
        )
        for c in mentor_requests.shortlist(session, program, mentee)
    ]


@router.post("/requests", response_model=RequestOut, status_code=201)
def send_request(program_id: ObjectId, body: RequestIn, user: ApiUser, session: DbSession) -> RequestOut:
    program = program_for(session, user, program_id)
    mentee = own_membership(session, user, program_id, Role.MENTEE)
    request = mentor_requests.send_request(session, program, mentee, body.mentor_id, body.message)
    return RequestOut.model_validate(request)


@router.get("/requests", response_model=list[RequestOut])
def my_requests(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[RequestOut]:
    """Requests I sent (mentee) or received (mentor), newest first."""
    me = own_membership(session, user, program_id)
    return [RequestOut.model_validate(r) for r in mentor_requests.requests_of(session, me.id)]


def _answer_request(
    program_id: ObjectId,
    request_id: ObjectId,
    accept: bool,
    body: RequestAnswerIn,
    user: ApiUser,
    session: DbSession,
) -> RequestOut:
    mentor = own_membership(session, user, program_id, Role.MENTOR)
    request = mentor_requests.request_for(session, program_id, request_id)
    mentor_requests.answer_request(session, request, mentor, accept, body.note)
    return RequestOut.model_validate(request)


@router.post("/requests/{request_id}/accept", response_model=RequestOut)
def accept_request(
    program_id: ObjectId, request_id: ObjectId, body: RequestAnswerIn, user: ApiUser, session: DbSession
) -> RequestOut:
    """Accept a request if a slot is free (exactly one of two racing acceptances for the last slot wins)."""
    return _answer_request(program_id, request_id, True, body, user, session)


@router.post("/requests/{request_id}/decline", response_model=RequestOut)
def decline_request(
    program_id: ObjectId, request_id: ObjectId, body: RequestAnswerIn, user: ApiUser, session: DbSession
) -> RequestOut:
    return _answer_request(program_id, request_id, False, body, user, session)


@router.post("/requests/{request_id}/withdraw", response_model=RequestOut)
def withdraw_request(program_id: ObjectId, request_id: ObjectId, user: ApiUser, session: DbSession) -> RequestOut:
    mentee = own_membership(session, user, program_id, Role.MENTEE)
    return RequestOut.model_validate(
        mentor_requests.withdraw(session, mentor_requests.request_for(session, program_id, request_id), mentee)
    )
