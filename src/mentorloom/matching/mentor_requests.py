"""Self-service matching: a mentee's ranked shortlist, requests to mentors, and the mentors' answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.errors import Conflict, NotFound, ValidationFailed
from mentorloom.i18n import N_, gettext, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.jobs.service import rowcount
from mentorloom.matching import match_scores
from mentorloom.matching.engine import Scorer, pair_breakdown, top_candidates
from mentorloom.matching.engine.explain import explain_pairs
from mentorloom.matching.inputs import allowed, build_inputs
from mentorloom.matching.mails import queue_request_mail
from mentorloom.matching.models import MentorRequest, Proposal, ProposalStatus, RequestStatus
from mentorloom.matching.pair_scores import explain_pair
from mentorloom.mentorships import placement
from mentorloom.mentorships.models import MentorshipSource
from mentorloom.permissions import Action, require
from mentorloom.programs.models import Membership, Program
from mentorloom.programs.service import program_settings

SHORTLIST_SIZE = 10
_STATUS_LABELS = {
    RequestStatus.PENDING: N_("pending"),
    RequestStatus.ACCEPTED: N_("accepted"),
    RequestStatus.DECLINED: N_("declined"),
    RequestStatus.EXPIRED: N_("expired"),
    RequestStatus.WITHDRAWN: N_("withdrawn"),
}
MAX_MESSAGE = 2000


@dataclass
class Candidate:
    mentor: Membership
    score: float
    criteria: dict[str, float]
    facts: list[dict[str, Any]]


def shortlist(session: Session, program: Program, mentee: Membership, limit: int = SHORTLIST_SIZE) -> list[Candidate]:
    """The mentee's best compatible mentors with a free slot, best first; pairs that already failed left out."""
    return best_mentors(session, program, mentee.id, limit, ruled_out_pairs(session, mentee.id))


def ruled_out_pairs(session: Session, mentee_id: int) -> list[tuple[int, int]]:
    """(mentee, mentor) pairs that already failed: an offer either side declined, or a coordinator's rejection."""
    rows = session.execute(
        select(Proposal.mentee_id, Proposal.mentor_id).where(
            Proposal.mentee_id == mentee_id,
            Proposal.status.in_((ProposalStatus.DECLINED, ProposalStatus.REJECTED)),
        )
    )
    return [(a, b) for a, b in rows if b is not None]


def best_mentors(
    session: Session, program: Program, mentee_id: int, limit: int, excluded: Sequence[tuple[int, int]] = ()
) -> list[Candidate]:
    """The mentee's ``limit`` best compatible mentors with a free slot, best first, with explanations."""
    inputs = build_inputs(session, program, mentee_ids=[mentee_id], extra_excluded=excluded)
    if not inputs.mentee_ids or not inputs.mentor_ids:
        return []
    scorer = Scorer(inputs.mentees, inputs.mentors, inputs.weights, inputs.rules)
    cands = top_candidates(scorer, limit)
    mentors = cands.mentor[cands.indptr[0] : cands.indptr[1]]
    if mentors.size == 0:
        return []
    breakdown = pair_breakdown(
        inputs.mentees, inputs.mentors, np.zeros(mentors.size, np.int64), mentors, inputs.weights, inputs.rules
    )
    explained = explain_pairs(breakdown, inputs.mentees, inputs.mentors, inputs.labels)
    by_id = {
        m.id: m
        for m in session.scalars(
            select(Membership).where(Membership.id.in_([inputs.mentor_ids[j] for j in mentors.tolist()]))
        )
    }
    return [
        Candidate(by_id[inputs.mentor_ids[j]], float(e["score"]), e["criteria"], e["facts"])
        for j, e in zip(mentors.tolist(), explained, strict=True)
    ]


def _pending_requests(session: Session, *where: ColumnElement[bool]) -> list[MentorRequest]:
    """Requests still waiting for an answer (not yet expired), oldest first."""
    pending = (MentorRequest.status == RequestStatus.PENDING, MentorRequest.expires_at > utcnow())
    return list(session.scalars(select(MentorRequest).where(*where, *pending).order_by(MentorRequest.id)))


def open_requests(session: Session, mentee_id: int) -> list[MentorRequest]:
    return _pending_requests(session, MentorRequest.mentee_id == mentee_id)


def requests_of(session: Session, membership_id: int) -> list[MentorRequest]:
    """Every request the participant sent (mentee) or received (mentor), in any status, newest first."""
    mine = (MentorRequest.mentee_id == membership_id) | (MentorRequest.mentor_id == membership_id)
    return list(session.scalars(select(MentorRequest).where(mine).order_by(MentorRequest.id.desc())))


def send_request(session: Session, program: Program, mentee: Membership, mentor_id: int, message: str) -> MentorRequest:
    """Ask a mentor from the shortlist; limited number of open requests per mentee, expiring after N days."""
    settings = program_settings(program)
    require(Action.REQUEST_MENTOR, mentee.role)
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_MESSAGE), field="message"
        )
    pending = open_requests(session, mentee.id)
    if any(r.mentor_id == mentor_id for r in pending):
        raise Conflict(_("You have already asked this mentor."), field="mentor_id")
    if len(pending) >= settings.max_open_requests:
        raise Conflict(
            ngettext(
                "You already have %(num)d open request, the most allowed. Wait for an answer or withdraw it.",
                "You already have %(num)d open requests, the most allowed. Wait for an answer or withdraw one.",
                settings.max_open_requests,
            ),
            field="mentor_id",
        )
    if not _available(session, program, mentee, mentor_id):
        raise ValidationFailed(
            _("This mentor is not available to you (no free slot or not compatible)."), field="mentor_id"
        )
    request = MentorRequest(
        program_id=program.id,
        mentee_id=mentee.id,
        mentor_id=mentor_id,
        message=message.strip(),
        expires_at=utcnow() + timedelta(days=settings.request_expiry_days),
    )
    session.add(request)
    session.flush()
    queue_request_mail(session, request)
    return request


def _available(session: Session, program: Program, mentee: Membership, mentor_id: int) -> bool:
    """The hard rules and a free slot for this one pair; no need to score every mentor as the shortlist does."""
    inputs = build_inputs(session, program, mentee_ids=[mentee.id])
    j = inputs.mentor_index().get(mentor_id)
    return bool(inputs.mentee_ids) and j is not None and inputs.mentors.capacity[j] > 0 and allowed(inputs, 0, j)


def request_for(session: Session, program_id: int, request_id: int) -> MentorRequest:
    request = session.get(MentorRequest, request_id)
    if request is None or request.program_id != program_id:
        raise NotFound(_("Request not found."))
    return request


def answer_request(
    session: Session, request: MentorRequest, mentor: Membership, accept: bool, note: str = ""
) -> MentorRequest:
    """The mentor accepts (taking a slot, if one is still free) or declines a request."""
    require(Action.ANSWER_REQUEST, mentor.role, own=request.mentor_id == mentor.id)
    if len(note) > 1000:
        raise ValidationFailed(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", 1000), field="note"
        )
    # Placement's locks before this request's row is written: three mentors answering one mentee queue up
    # on the mentee instead of deadlocking over each other's requests.
    placement.lock_pair(session, request.mentee_id, mentor.id)
    session.refresh(request)
    _require_pending(request)
    request.responded_at, request.response_note = utcnow(), note.strip()
    if not accept:
        request.status = RequestStatus.DECLINED
    else:
        _take_slot(session, request)
    queue_request_mail(session, request)
    return request


def _require_pending(request: MentorRequest) -> None:
    if request.status is RequestStatus.PENDING and as_utc(request.expires_at) <= utcnow():
        request.status = RequestStatus.EXPIRED
    if request.status is not RequestStatus.PENDING:
        raise Conflict(
            _(
                "This request can no longer be answered (status: %(status)s).",
                status=gettext(_STATUS_LABELS[request.status]),
            )
        )


def _take_slot(session: Session, request: MentorRequest) -> None:
    """Place the requested pair and keep its criterion scores (match_scores) for the evidence page."""
    program = session.get_one(Program, request.program_id)
    # Scored before placing: a placed mentee is no longer open to matching, so the engine would leave them out.
    fit = explain_pair(session, program, request.mentee_id, request.mentor_id)
    mentorship = placement.place(
        session,
        program,
        mentor_id=request.mentor_id,
        mentee_id=request.mentee_id,
        source=MentorshipSource.REQUEST,
        by=session.get_one(Membership, request.mentor_id).user,
    )
    if fit is not None:
        match_scores.record(session, mentorship, fit.score, fit.criteria, match_scores.current_weights(program))
    request.status = RequestStatus.ACCEPTED
    # The mentee's other open requests are no longer needed.
    session.execute(
        update(MentorRequest)
        .where(
            MentorRequest.mentee_id == request.mentee_id,
            MentorRequest.status == RequestStatus.PENDING,
            MentorRequest.id != request.id,
        )
        .values(status=RequestStatus.WITHDRAWN, responded_at=utcnow())
    )
    session.flush()


def withdraw(session: Session, request: MentorRequest, mentee: Membership) -> MentorRequest:
    require(Action.WITHDRAW_REQUEST, mentee.role, own=request.mentee_id == mentee.id)
    _require_pending(request)
    request.status, request.responded_at = RequestStatus.WITHDRAWN, utcnow()
    session.flush()
    return request


def expire_requests(session: Session) -> int:
    """Mark requests past their expiry date; returns how many (run periodically by the worker)."""
    result = session.execute(
        update(MentorRequest)
        .where(MentorRequest.status == RequestStatus.PENDING, MentorRequest.expires_at <= utcnow())
        .values(status=RequestStatus.EXPIRED)
    )
    return rowcount(result)


def close_requests_of_erased(session: Session, sides: Select[Any], now: datetime) -> int:
    """Pending requests of an erased person's memberships (`sides`) end: those they sent count as withdrawn, those
    they received as expired (the mentee may ask someone else at once; nobody declined them)."""
    closed = 0
    pending = MentorRequest.status == RequestStatus.PENDING
    for column, status in (
        (MentorRequest.mentee_id, RequestStatus.WITHDRAWN),
        (MentorRequest.mentor_id, RequestStatus.EXPIRED),
    ):
        result = session.execute(
            update(MentorRequest).where(pending, column.in_(sides)).values(status=status, responded_at=now)
        )
        closed += rowcount(result)
    return closed


def incoming_requests(session: Session, mentor_id: int) -> list[MentorRequest]:
    return _pending_requests(session, MentorRequest.mentor_id == mentor_id)
