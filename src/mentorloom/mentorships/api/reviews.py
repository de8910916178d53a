"""Reviews: the program-wide summary for coordinators; the pair's due round, answers, comparison and suggestions."""

from __future__ import annotations

from fastapi import APIRouter, Query

from mentorloom.mentorships import presenters as out
from mentorloom.mentorships import reviews
from mentorloom.mentorships.access import pair_seat
from mentorloom.mentorships.api.common import seat_of
from mentorloom.mentorships.models import Side
from mentorloom.mentorships.schemas import (
    AgreementOut,
    ComparisonOut,
    ReviewDueOut,
    ReviewIn,
    ReviewOut,
    ReviewSummaryOut,
    SuggestionIn,
)
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession
from mentorloom.web.inputs import MAX_INT

router = APIRouter()


@router.get("/reviews/summary", response_model=ReviewSummaryOut)
def review_summary(program_id: ObjectId, user: ApiUser, session: DbSession) -> ReviewSummaryOut:
    """Program-wide review results per statement as last released: count and mean only (coordinators)."""
    program_for(session, user, program_id, Action.VIEW_REVIEW_FIGURES)
    return out.review_summary_out(program_id, reviews.program_summary(session, program_id))


@router.get("/{mentorship_id}/reviews/due", response_model=ReviewDueOut)
def review_due(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> ReviewDueOut:
    """Whether a review is waiting for you, with the statements to answer."""
    seat = seat_of(program_id, mentorship_id, user, session)
    return out.review_due_out(reviews.due(session, seat, seat.program), seat.program)


@router.post("/{mentorship_id}/reviews", response_model=ReviewOut)
def submit_review(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReviewIn, user: ApiUser, session: DbSession
) -> ReviewOut:
    """Answer the open review round (again, to change it); private unless `shared_with_partner`."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    submission = reviews.submit(
        session, seat, seat.program, body.scores, body.change_suggestion, body.shared_with_partner
    )
    return out.review_out(submission)


@router.get("/{mentorship_id}/reviews/mine", response_model=list[ReviewOut])
def my_reviews(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> list[ReviewOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    side = seat.require_pair()
    return [out.review_out(s) for s in reviews.submissions(session, seat.mentorship, side, shared_only=False)]


@router.get("/{mentorship_id}/reviews/partner", response_model=list[ReviewOut])
def partner_reviews(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[ReviewOut]:
    """The answers your partner chose to share with you."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    partner = seat.partner_side
    assert partner is not None
    return [out.review_out(s) for s in reviews.submissions(session, seat.mentorship, partner, shared_only=True)]


@router.get("/{mentorship_id}/reviews/comparison", response_model=ComparisonOut)
def compare_reviews(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    period: int | None = Query(default=None, ge=1, le=MAX_INT, description="Default: the newest round both shared"),
) -> ComparisonOut:
    """Where your shared views differ (two or more points apart), with both suggestions."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.comparison_out(reviews.comparison(session, seat, period))


@router.post("/{mentorship_id}/reviews/suggestion-to-agreement", response_model=AgreementOut)
def suggestion_to_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: SuggestionIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Turn a review suggestion into an agreement change: a draft version carrying it as its note."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = reviews.suggestion_to_agreement(session, seat, seat.program, body.period, Side(body.side))
    return out.agreement_out(session, agreement, seat.mentorship)
