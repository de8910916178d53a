"""Review pages: the review form, the comparison of both shared views, a suggestion turned into a draft, and the
program's released review figures for its coordinators."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import get_locale
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships import review_rounds, reviews
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.models import Side
from mentorloom.mentorships.schemas import ReviewIn
from mentorloom.mentorships.views.common import act, base_url
from mentorloom.numbers import is_digits
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect, render

router = APIRouter()
SCORES = frozenset({"1", "2", "3", "4", "5"})


def _review_page(
    request: Request,
    seat: Seat,
    state: reviews.ReviewDue,
    *,
    early: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "program": seat.program,
        "seat": seat,
        "state": state,
        "early": early and state.can_open_early,
        "statements": [(k, reviews.statement_text(k)) for k in reviews.STATEMENTS],
        "values": values or {},
        "errors": errors or {},
        "base": base_url(seat.program.id, seat.mentorship.id),
    }
    return render(request, "mentorships/review.html", ctx, status_code=status_code)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/reviews/new", response_class=HTMLResponse)
def review_form(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    early = request.query_params.get("early") == "1"
    return _review_page(request, seat, reviews.due(session, seat, seat.program), early=early)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/reviews/new", response_class=HTMLResponse)
def submit_review(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values: dict[str, Any] = {k: form_text(form, f"score.{k}") for k in reviews.STATEMENTS}
    values["change_suggestion"] = form_text(form, "change_suggestion")
    values["shared"] = bool(form.get("shared_with_partner"))
    early = form_text(form, "early") == "1"
    missing = {f"score.{k}": _("Choose a value from 1 to 5.") for k in reviews.STATEMENTS if values[k] not in SCORES}
    state = reviews.due(session, seat, seat.program)
    if missing:
        return _review_page(request, seat, state, early=early, values=values, errors=missing, status_code=422)
    with form_attempt(session, summary=True) as attempt:
        body = ReviewIn(
            scores={k: int(values[k]) for k in reviews.STATEMENTS},
            change_suggestion=values["change_suggestion"],
            shared_with_partner=values["shared"],
        )
        reviews.submit(
            session, seat, seat.program, body.scores, body.change_suggestion, body.shared_with_partner, early=early
        )
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)  # the refused review was undone
        state = reviews.due(session, seat, seat.program)
        errors, status_code = attempt.errors, attempt.status_code
        return _review_page(request, seat, state, early=early, values=values, errors=errors, status_code=status_code)
    url = base_url(program_id, mentorship_id) + "/reviews/comparison"
    return redirect(url, flash=_("Thank you, your review was saved."), request=request)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/reviews/comparison", response_class=HTMLResponse)
def review_comparison(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    side = seat.require_pair()
    mine = reviews.submissions(session, seat.mentorship, side, shared_only=False)
    ctx = {
        "program": seat.program,
        "seat": seat,
        "comparison": out.comparison_out(reviews.comparison(session, seat)),
        "mine": out.review_out(mine[0]) if mine else None,
        "statement_text": reviews.statement_text,
        "base": base_url(program_id, mentorship_id),
    }
    return render(request, "mentorships/comparison.html", ctx)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/reviews/suggestion", response_class=HTMLResponse)
def suggestion_to_agreement(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    """Turn a shared "what should we change?" into a new draft agreement version carrying it as its note."""
    side_value, period = str(form.get("side", "")), str(form.get("period", ""))
    if side_value not in {s.value for s in Side} or not is_digits(period):
        raise ValidationFailed(_("Choose a suggestion from the comparison."), field="side")

    def work(seat: Seat) -> object:
        return reviews.suggestion_to_agreement(session, seat, seat.program, int(period), Side(side_value))

    response = act(request, session, user, (program_id, mentorship_id), work, _("A new agreement draft is open."))
    if response.status_code == 303:
        return redirect(
            base_url(program_id, mentorship_id) + "/agreement/edit",
            request=request,
            flash=_("The suggestion is now a draft of your agreement. Edit it, then both confirm."),
        )
    return response


@router.get("/programs/{program_id}/reviews", response_class=HTMLResponse)
def review_figures(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    """The program's review figures as last released, when they can move next, and who answered the open round."""
    program = program_for(session, user, program_id, Action.VIEW_REVIEW_FIGURES)
    summary = reviews.program_summary(session, program_id)  # first: it releases a batch that is due
    ctx = {
        "program": program,
        "summary": summary,
        "released_answers": max((s.count for s in summary.statements), default=0),
        "outlook": reviews.release_outlook(session, program_id),
        "rounds": review_rounds.rounds(session, program),
        "batch": reviews.RELEASE_BATCH,
        "gap_weeks": reviews.RELEASE_GAP.days // 7,
        "min_for_mean": reviews.MIN_FOR_MEAN,
        "one_decimal": lambda mean: format_decimal(mean, format="0.0", locale=get_locale()),  # 4.0, 4,2
    }
    return render(request, "mentorships/review_figures.html", ctx)
