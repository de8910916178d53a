"""Coordinator pages: start a matching run and watch it, review its proposals (lock, reject, swap), re-run, publish."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.matching import preferences, queries, service
from mentorloom.matching.explain_text import unmatched_text
from mentorloom.matching.inputs import rematch_priority_mentees
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus, RunStatus
from mentorloom.matching.queries import PAIRED, ProposalFilter
from mentorloom.matching.schemas import SwapIn
from mentorloom.matching.views.common import base_url, page_router, reason_phrases
from mentorloom.permissions import Action, program_for
from mentorloom.programs import service as programs
from mentorloom.programs.models import Program
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = page_router()

PER_PAGE = 50
RECENT_RUNS = 10
UNMATCHED_PREVIEW = 10
PENDING = (RunStatus.QUEUED, RunStatus.RUNNING)
FILTERS = frozenset(s.value for s in ProposalStatus)
# Without a status filter the list leaves out the unmatched mentees: the page shows them in a box of their own.
LISTED = tuple(s for s in ProposalStatus if s is not ProposalStatus.UNMATCHED)


# --- coordinators: start a run, watch it, list runs ---------------------------------------------


def _home(
    request: Request, session: Session, program: Program, *, problem: str | None = None, status_code: int = 200
) -> Response:
    runs = queries.recent_runs(session, program.id, RECENT_RUNS)
    return render(
        request,
        "matching/home.html",
        {
            "program": program,
            "settings": programs.program_settings(program),
            "runs": runs,
            "latest": runs[0] if runs else None,
            "counts": programs.member_counts(session, program.id),
            "waiting": service.waiting_mentees(session, program.id),
            "with_input": preferences.people_with_preferences(session, program.id),
            "problem": problem,
        },
        status_code=status_code,
    )


@router.get("/programs/{program_id}/matching", response_class=HTMLResponse)
def matching_home(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return _home(request, session, program)


def _started(request: Request, run: MatchRun) -> Response:
    if run.status is RunStatus.READY:
        matched = int(run.stats.get("matched", 0))
        flash = ngettext(
            "Matching is done: %(num)d pair is proposed. Review it below.",
            "Matching is done: %(num)d pairs are proposed. Review them below.",
            matched,
        )
        return redirect(f"{base_url(run.program_id)}/runs/{run.id}", flash=flash, request=request)
    flash = _("Matching runs in the background. This page shows the progress.")
    return redirect(base_url(run.program_id), flash=flash, request=request)


@router.post("/programs/{program_id}/matching/runs")
def start_run(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    mode: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    with form_attempt(session) as attempt:
        run = service.start_run(session, program, user, mode or None)
        service.queue_or_compute(session, run)
    if attempt.refused:
        return _home(request, session, program, problem=attempt.detail, status_code=attempt.status_code)
    return _started(request, run)


@router.get("/programs/{program_id}/matching/runs/{run_id}/progress", response_class=HTMLResponse)
def run_progress(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    """The progress fragment htmx polls; once the run is done it stops polling and the page reloads."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    response = render(request, "matching/_progress.html", {"program": program, "run": run})
    if run.status not in PENDING and request.headers.get("hx-request"):
        response.headers["HX-Refresh"] = "true"
    return response


# --- coordinators: review a run -----------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """Search, status filter and page of a run's proposal list, kept across review actions."""

    q: str = ""
    status: str = ""
    page: int = 1

    @classmethod
    def parse(cls, q: object = "", status: object = "", page: object = 1) -> Listing:
        try:
            number = max(1, int(str(page or 1)))
        except ValueError:
            number = 1
        chosen = str(status or "")
        return cls(str(q or "").strip()[:100], chosen if chosen in FILTERS else "", number)

    @classmethod
    def of_form(cls, form: Any) -> Listing:
        return cls.parse(form.get("q", ""), form.get("status", ""), form.get("page", 1))

    def wanted(self) -> ProposalFilter:
        """The proposals this listing shows: one status if chosen, else all but the unmatched."""
        return ProposalFilter(self.q, (ProposalStatus(self.status),) if self.status else LISTED)

    def query(self, page: int | None = None) -> str:
        number = self.page if page is None else page
        params = {"q": self.q, "status": self.status, "page": str(number) if number > 1 else ""}
        encoded = urlencode({k: v for k, v in params.items() if v})
        return f"?{encoded}" if encoded else ""


@dataclass
class ProposalPage:
    rows: list[tuple[Proposal, list[tuple[str, str]]]]
    total: int
    page: int
    pages: int


def _proposal_page(session: Session, run: MatchRun, listing: Listing) -> ProposalPage:
    found = queries.proposal_page(session, run.id, listing.wanted(), listing.page, PER_PAGE, clamp=True)
    return ProposalPage([(p, _why(p)) for p in found.rows], found.total, found.page, found.pages)


def _why(proposal: Proposal) -> list[tuple[str, str]]:
    if proposal.status is ProposalStatus.UNMATCHED:
        return [("gap", unmatched_text(proposal.unmatched_reason))]
    return reason_phrases(proposal.facts)


def _figures(session: Session, run: MatchRun, counts: dict[str, int]) -> dict[str, Any]:
    """The summary cards: live counts from the proposals, quality figures from the engine's report."""
    stats = run.stats or {}
    return {
        "matched": sum(counts.get(s.value, 0) for s in PAIRED),
        "unmatched": counts.get(ProposalStatus.UNMATCHED.value, 0),
        "reasons": [(unmatched_text(reason), n) for reason, n in queries.unmatched_reasons(session, run.id)],
        "average": queries.average_score(session, run.id),
        "pct_of_optimum": stats.get("pct_of_optimum"),
        "blocking_pairs": stats.get("blocking_pairs") if run.mode == "stable" else None,
        "mean_rank": stats.get("mean_rank"),
    }


def _unmatched_preview(session: Session, run_id: ObjectId) -> list[tuple[Proposal, str]]:
    unmatched = ProposalFilter(statuses=(ProposalStatus.UNMATCHED,))
    found = queries.proposal_page(session, run_id, unmatched, 1, UNMATCHED_PREVIEW)
    return [(p, unmatched_text(p.unmatched_reason)) for p in found.rows]


def _review(
    request: Request,
    session: Session,
    program: Program,
    run: MatchRun,
    listing: Listing,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    page = _proposal_page(session, run, listing)
    listing = replace(listing, page=page.page)
    counts = queries.status_counts(session, run.id)
    fragment = request.headers.get("hx-target") == "proposals" and not request.headers.get("hx-history-restore-request")
    context = {
        "program": program,
        "run": run,
        "listing": listing,
        "page": page,
        "counts": counts,
        "figures": _figures(session, run, counts),
        "unmatched": _unmatched_preview(session, run.id),
        # the stable method ignores priority, so marking anyone there would promise what did not happen
        "priority": set() if run.mode == "stable" else rematch_priority_mentees(session, program.id),
        "reviewable": run.status is RunStatus.READY,
        "minimum": programs.program_settings(program).min_proposal_score,
        "problem": problem,
    }
    template = "matching/_proposals.html" if fragment else "matching/review.html"
    response = render(request, template, context, status_code=status_code)
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


@router.get("/programs/{program_id}/matching/runs/{run_id}", response_class=HTMLResponse)
def review_run(
    request: Request,
    program_id: ObjectId,
    run_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    q: str = "",
    status: str = "",
    page: str = "1",
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    return _review(request, session, program, run, Listing.parse(q, status, page))


def _reviewed(session: Session, user: User, program_id: ObjectId, proposal_id: ObjectId) -> tuple[Program, Proposal]:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return program, service.proposal_for(session, program_id, proposal_id)


def _review_action(
    request: Request, session: Session, user: User, program_id: ObjectId, proposal_id: ObjectId, form: Any, action: str
) -> Response:
    program, proposal = _reviewed(session, user, program_id, proposal_id)
    listing, run = Listing.of_form(form), proposal.run
    with form_attempt(session) as attempt:
        if action == "reject":
            service.reject(session, proposal)
        else:
            service.set_locked(session, proposal, action == "lock")
    if attempt.refused:
        return _review(request, session, program, run, listing, problem=attempt.detail, status_code=attempt.status_code)
    mentor = proposal.mentor.user.display_name if proposal.mentor else ""
    names = {"mentee": proposal.mentee.user.display_name, "mentor": mentor}
    flash = {
        "lock": _("%(mentee)s and %(mentor)s are locked: a re-run keeps this pair.", **names),
        "unlock": _("%(mentee)s and %(mentor)s are no longer locked.", **names),
        "reject": _("%(mentee)s and %(mentor)s are ruled out: a re-run will not propose them again.", **names),
    }[action]
    anchor = "" if action == "reject" else f"#p-{proposal.id}"
    return redirect(f"{base_url(program_id)}/runs/{run.id}{listing.query()}{anchor}", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/proposals/{proposal_id}/lock")
def lock_proposal(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    return _review_action(request, session, user, program_id, proposal_id, form, "lock")


@router.post("/programs/{program_id}/matching/proposals/{proposal_id}/unlock")
def unlock_proposal(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    return _review_action(request, session, user, program_id, proposal_id, form, "unlock")


@router.post("/programs/{program_id}/matching/proposals/{proposal_id}/reject")
def reject_proposal(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    return _review_action(request, session, user, program_id, proposal_id, form, "reject")


def _swap_page(
    request: Request,
    session: Session,
    program: Program,
    proposal: Proposal,
    listing: Listing,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    if proposal.run.status is not RunStatus.READY or proposal.status not in service.REVIEWABLE:
        raise Conflict(_("This run is no longer under review."))
    choices = queries.swap_candidates(session, proposal)
    context = {"program": program, "run": proposal.run, "proposal": proposal, "choices": choices}
    context |= {"listing": listing, "problem": problem, "explanation": reason_phrases(proposal.facts)}
    return render(request, "matching/swap.html", context, status_code=status_code)


@router.get("/programs/{program_id}/matching/proposals/{proposal_id}/swap", response_class=HTMLResponse)
def swap_form(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    q: str = "",
    status: str = "",
    page: str = "1",
) -> Response:
    program, proposal = _reviewed(session, user, program_id, proposal_id)
    return _swap_page(request, session, program, proposal, Listing.parse(q, status, page))


def _chosen_pair(raw: object) -> int:
    """The other proposal's id from the form, checked as the API checks it: anything else is no choice."""
    try:
        return SwapIn.model_validate({"other_id": raw}).other_id
    except ValidationError:
        raise ValidationFailed(_("Choose the pair to swap with."), field="other_id") from None


@router.post("/programs/{program_id}/matching/proposals/{proposal_id}/swap")
def swap_proposals(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    program, first = _reviewed(session, user, program_id, proposal_id)
    listing = Listing.of_form(form)
    with form_attempt(session) as attempt:
        second = service.proposal_for(session, program_id, _chosen_pair(form.get("other_id")))
        service.swap(session, first, second)
    if attempt.refused:
        problem, status_code = attempt.detail, attempt.status_code
        return _swap_page(request, session, program, first, listing, problem=problem, status_code=status_code)
    flash = _(
        "Swapped: %(a)s is now proposed with %(x)s, %(b)s with %(y)s.",
        a=first.mentee.user.display_name,
        x=first.mentor.user.display_name if first.mentor else _("nobody"),
        b=second.mentee.user.display_name,
        y=second.mentor.user.display_name if second.mentor else _("nobody"),
    )
    url = f"{base_url(program_id)}/runs/{first.run_id}{listing.query()}#p-{first.id}"
    return redirect(url, flash=flash, request=request)


@router.post("/programs/{program_id}/matching/runs/{run_id}/rerun")
def rerun(request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    previous = service.run_for(session, program_id, run_id)
    if previous.status is not RunStatus.READY:
        problem = _("This run is no longer under review.")
        return _review(request, session, program, previous, Listing(), problem=problem, status_code=409)
    run = service.start_run(session, program, user, previous=previous)
    service.queue_or_compute(session, run)
    return _started(request, run)


@router.get("/programs/{program_id}/matching/runs/{run_id}/publish", response_class=HTMLResponse)
def publish_form(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    if run.status is not RunStatus.READY:
        return redirect(f"{base_url(program_id)}/runs/{run.id}")
    return _publish_page(request, session, program, run)


def _publish_page(
    request: Request,
    session: Session,
    program: Program,
    run: MatchRun,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    minimum = programs.program_settings(program).min_proposal_score
    context = {
        "program": program,
        "run": run,
        "counts": queries.status_counts(session, run.id),
        "minimum": minimum,
        "weak": queries.weak_count(session, run.id, minimum),
        "without_account": queries.offers_without_account(session, run.id),
        "errors": errors or {},
    }
    return render(request, "matching/publish.html", context, status_code=status_code)


@router.post("/programs/{program_id}/matching/runs/{run_id}/publish")
def publish_run(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    with form_attempt(session) as attempt:
        offers = service.publish(session, run, weak_confirmed=form.get("confirm_weak") == "yes", by=user)
    if attempt.refused and "confirm_weak" in attempt.errors:
        return _publish_page(request, session, program, run, errors=attempt.errors, status_code=attempt.status_code)
    if attempt.refused:
        return _review(
            request, session, program, run, Listing(), problem=attempt.detail, status_code=attempt.status_code
        )
    flash = ngettext(
        "Published: %(num)d pair is asked by e-mail to accept.",
        "Published: %(num)d pairs are asked by e-mail to accept.",
        len(offers),
    )
    return redirect(f"{base_url(program_id)}/runs/{run.id}", flash=flash, request=request)
