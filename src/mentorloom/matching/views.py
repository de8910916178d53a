"""Pages: matching runs and their review (coordinators); offers, requests and prefer/avoid lists (participants)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, PermissionDenied, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.matching import preferences, requests, service
from mentorloom.matching.api import queue_or_compute
from mentorloom.matching.explain_text import fact_sentence, unmatched_text
from mentorloom.matching.inputs import engaged_mentees, occupied_slots
from mentorloom.matching.models import (
    MatchPreference,
    MatchRun,
    PreferenceKind,
    Proposal,
    ProposalStatus,
    RunStatus,
)
from mentorloom.matching.models import Response as Answer
from mentorloom.matching.schemas import PreferencesIn
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.permissions import Action, may, own_membership, program_for, role_in
from mentorloom.profiles.models import Profile
from mentorloom.programs import service as programs
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession, Jobs, csrf_protect
from mentorloom.web.forms import PostedForm, validation_messages
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

PER_PAGE = 50
RECENT_RUNS = 10
UNMATCHED_PREVIEW = 10
PENDING = (RunStatus.QUEUED, RunStatus.RUNNING)
PAIRED = (ProposalStatus.DRAFT, ProposalStatus.LOCKED, ProposalStatus.OFFERED, ProposalStatus.ACCEPTED)
FILTERS = frozenset(s.value for s in ProposalStatus)
_PEOPLE = (
    selectinload(Proposal.mentee).selectinload(Membership.user),
    selectinload(Proposal.mentor).selectinload(Membership.user),
)


def _base(program_id: ObjectId) -> str:
    return f"/programs/{program_id}/matching"


def _reasons(facts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tone, phrase) per fact: "gap" for what speaks against a pair, so it is not ticked off as a plus."""
    out = []
    for fact in facts:
        phrase = fact_sentence(fact)
        if phrase:
            gap = fact.get("kind") == "skill_gap" or (
                fact.get("kind") == "time_overlap" and not fact.get("hours_per_week")
            )
            out.append(("gap" if gap else "fit", phrase))
    return out


# --- coordinators: start a run, watch it, list runs ---------------------------------------------


def _home(
    request: Request, session: Session, program: Program, *, problem: str | None = None, status_code: int = 200
) -> Response:
    runs = list(
        session.scalars(
            select(MatchRun).where(MatchRun.program_id == program.id).order_by(MatchRun.id.desc()).limit(RECENT_RUNS)
        )
    )
    counts = programs.member_counts(session, program.id)
    with_input = session.scalar(
        select(func.count(func.distinct(MatchPreference.owner_id))).where(MatchPreference.program_id == program.id)
    )
    return render(
        request,
        "matching/home.html",
        {
            "program": program,
            "settings": programs.program_settings(program),
            "runs": runs,
            "latest": runs[0] if runs else None,
            "counts": counts,
            "waiting": counts[Role.MENTEE] - len(engaged_mentees(session, program.id)),
            "with_input": with_input or 0,
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
        return redirect(f"{_base(run.program_id)}/runs/{run.id}", flash=flash, request=request)
    flash = _("Matching runs in the background. This page shows the progress.")
    return redirect(_base(run.program_id), flash=flash, request=request)


@router.post("/programs/{program_id}/matching/runs")
def start_run(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    jobs: Jobs,
    mode: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    try:
        run = service.start_run(session, program, user, mode or None)
        queue_or_compute(session, jobs, run)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        return _home(request, session, program, problem=exc.detail, status_code=exc.status_code)
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
    mentee, mentee_user = aliased(Membership), aliased(User)
    mentor, mentor_user = aliased(Membership), aliased(User)
    query = (
        select(Proposal)
        .join(mentee, Proposal.mentee_id == mentee.id)
        .join(mentee_user, mentee.user_id == mentee_user.id)
        .outerjoin(mentor, Proposal.mentor_id == mentor.id)
        .outerjoin(mentor_user, mentor.user_id == mentor_user.id)
        .where(Proposal.run_id == run.id)
    )
    if listing.status:
        query = query.where(Proposal.status == ProposalStatus(listing.status))
    else:
        query = query.where(Proposal.status != ProposalStatus.UNMATCHED)
    if listing.q:
        needle = listing.q.lower()
        query = query.where(
            func.lower(mentee_user.display_name).contains(needle, autoescape=True)
            | func.lower(mentor_user.display_name).contains(needle, autoescape=True)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(listing.page, pages)
    rows = session.scalars(
        query.options(*_PEOPLE)
        .order_by(func.lower(mentee_user.display_name), Proposal.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return ProposalPage([(p, _why(p)) for p in rows], total, page, pages)


def _why(proposal: Proposal) -> list[tuple[str, str]]:
    if proposal.status is ProposalStatus.UNMATCHED:
        return [("gap", unmatched_text(proposal.unmatched_reason))]
    return _reasons(proposal.facts)


def _figures(session: Session, run: MatchRun, counts: dict[str, int]) -> dict[str, Any]:
    """The summary cards: live counts from the proposals, quality figures from the engine's report."""
    average = session.scalar(
        select(func.avg(Proposal.score)).where(Proposal.run_id == run.id, Proposal.status.in_(PAIRED))
    )
    reasons = session.execute(
        select(Proposal.unmatched_reason, func.count())
        .where(Proposal.run_id == run.id, Proposal.status == ProposalStatus.UNMATCHED)
        .group_by(Proposal.unmatched_reason)
    ).all()
    stats = run.stats or {}
    return {
        "matched": sum(counts.get(s.value, 0) for s in PAIRED),
        "unmatched": counts.get(ProposalStatus.UNMATCHED.value, 0),
        "reasons": [(unmatched_text(reason), n) for reason, n in reasons],
        "average": None if average is None else float(average),
        "pct_of_optimum": stats.get("pct_of_optimum"),
        "blocking_pairs": stats.get("blocking_pairs") if run.mode == "stable" else None,
        "mean_rank": stats.get("mean_rank"),
    }


def _status_counts(session: Session, run_id: ObjectId) -> dict[str, int]:
    rows = session.execute(
        select(Proposal.status, func.count()).where(Proposal.run_id == run_id).group_by(Proposal.status)
    )
    return {status.value: n for status, n in rows}


def _unmatched_preview(session: Session, run_id: ObjectId) -> list[tuple[Proposal, str]]:
    rows = session.scalars(
        select(Proposal)
        .join(Membership, Proposal.mentee_id == Membership.id)
        .join(User, Membership.user_id == User.id)
        .where(Proposal.run_id == run_id, Proposal.status == ProposalStatus.UNMATCHED)
        .options(*_PEOPLE)
        .order_by(func.lower(User.display_name))
        .limit(UNMATCHED_PREVIEW)
    )
    return [(p, unmatched_text(p.unmatched_reason)) for p in rows]


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
    counts = _status_counts(session, run.id)
    fragment = request.headers.get("hx-target") == "proposals" and not request.headers.get("hx-history-restore-request")
    context = {
        "program": program,
        "run": run,
        "listing": listing,
        "page": page,
        "counts": counts,
        "figures": _figures(session, run, counts),
        "unmatched": _unmatched_preview(session, run.id),
        "reviewable": run.status is RunStatus.READY,
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
    try:
        if action == "reject":
            service.reject(session, proposal)
        else:
            service.set_locked(session, proposal, action == "lock")
    except Conflict as exc:
        session.rollback()
        return _review(request, session, program, run, listing, problem=exc.detail, status_code=409)
    mentor = proposal.mentor.user.display_name if proposal.mentor else ""
    names = {"mentee": proposal.mentee.user.display_name, "mentor": mentor}
    flash = {
        "lock": _("%(mentee)s and %(mentor)s are locked: a re-run keeps this pair.", **names),
        "unlock": _("%(mentee)s and %(mentor)s are no longer locked.", **names),
        "reject": _("%(mentee)s and %(mentor)s are ruled out: a re-run will not propose them again.", **names),
    }[action]
    anchor = "" if action == "reject" else f"#p-{proposal.id}"
    return redirect(f"{_base(program_id)}/runs/{run.id}{listing.query()}{anchor}", flash=flash, request=request)


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
    others = session.scalars(
        select(Proposal)
        .join(Membership, Proposal.mentee_id == Membership.id)
        .join(User, Membership.user_id == User.id)
        .where(
            Proposal.run_id == proposal.run_id,
            Proposal.id != proposal.id,
            Proposal.status.in_((ProposalStatus.DRAFT, ProposalStatus.LOCKED, ProposalStatus.UNMATCHED)),
        )
        .options(*_PEOPLE)
        .order_by(func.lower(User.display_name))
    )
    choices = [p for p in others if p.mentor_id is not None or proposal.mentor_id is not None]
    context = {"program": program, "run": proposal.run, "proposal": proposal, "choices": choices}
    context |= {"listing": listing, "problem": problem, "explanation": _reasons(proposal.facts)}
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
    raw = str(form.get("other_id", ""))
    try:
        if not raw.isdigit():
            raise ValidationFailed(_("Choose the pair to swap with."), field="other_id")
        second = service.proposal_for(session, program_id, int(raw))
        service.swap(session, first, second)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        return _swap_page(request, session, program, first, listing, problem=exc.detail, status_code=exc.status_code)
    flash = _(
        "Swapped: %(a)s is now proposed with %(x)s, %(b)s with %(y)s.",
        a=first.mentee.user.display_name,
        x=first.mentor.user.display_name if first.mentor else _("nobody"),
        b=second.mentee.user.display_name,
        y=second.mentor.user.display_name if second.mentor else _("nobody"),
    )
    url = f"{_base(program_id)}/runs/{first.run_id}{listing.query()}#p-{first.id}"
    return redirect(url, flash=flash, request=request)


@router.post("/programs/{program_id}/matching/runs/{run_id}/rerun")
def rerun(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession, jobs: Jobs
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    previous = service.run_for(session, program_id, run_id)
    if previous.status is not RunStatus.READY:
        problem = _("This run is no longer under review.")
        return _review(request, session, program, previous, Listing(), problem=problem, status_code=409)
    run = service.start_run(session, program, user, "stable" if previous.mode == "stable" else "optimal", previous)
    queue_or_compute(session, jobs, run)
    return _started(request, run)


@router.get("/programs/{program_id}/matching/runs/{run_id}/publish", response_class=HTMLResponse)
def publish_form(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    if run.status is not RunStatus.READY:
        return redirect(f"{_base(program_id)}/runs/{run.id}")
    counts = _status_counts(session, run.id)
    return render(request, "matching/publish.html", {"program": program, "run": run, "counts": counts})


@router.post("/programs/{program_id}/matching/runs/{run_id}/publish")
def publish_run(
    request: Request, program_id: ObjectId, run_id: ObjectId, user: CurrentUser, session: DbSession, jobs: Jobs
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    run = service.run_for(session, program_id, run_id)
    try:
        offers = service.publish(session, run)
    except Conflict as exc:
        session.rollback()
        return _review(request, session, program, run, Listing(), problem=exc.detail, status_code=409)
    for offer in offers:
        jobs.enqueue_after_commit(session, "matching.mail_offer", proposal_id=offer.id)
    flash = ngettext(
        "Published: %(num)d pair is asked by e-mail to accept.",
        "Published: %(num)d pairs are asked by e-mail to accept.",
        len(offers),
    )
    return redirect(f"{_base(program_id)}/runs/{run.id}", flash=flash, request=request)


# --- participants: my match ---------------------------------------------------------------------


def _participant(session: Session, user: User, program_id: ObjectId, role: Role | None = None) -> Membership:
    me = own_membership(session, user, program_id, role)
    if me.role is Role.COORDINATOR:
        raise PermissionDenied(_("This page is for the mentors and mentees of the program."))
    return me


def _offers(session: Session, user: User, program_id: ObjectId, me: Membership) -> list[dict[str, Any]]:
    side, other = ("mentee", "mentor") if me.role is Role.MENTEE else ("mentor", "mentee")
    return [
        {
            "proposal": p,
            "partner": getattr(p, other),
            "mine": getattr(p, f"{side}_response"),
            "theirs": getattr(p, f"{other}_response"),
            "explanation": _reasons(p.facts),
        }
        for p in service.offers_for(session, user, program_id)
    ]


def _partners(session: Session, me: Membership) -> list[Membership]:
    rows = session.scalars(
        select(Mentorship)
        .where((Mentorship.mentee_id == me.id) | (Mentorship.mentor_id == me.id), Mentorship.status.in_(OCCUPYING))
        .options(selectinload(Mentorship.mentor).selectinload(Membership.user))
        .options(selectinload(Mentorship.mentee).selectinload(Membership.user))
        .order_by(Mentorship.id)
    )
    return [m.mentor if m.mentee_id == me.id else m.mentee for m in rows]


def _mentee_context(session: Session, program: Program, me: Membership) -> dict[str, Any]:
    pending = requests.open_requests(session, me.id)
    engaged = me.id in engaged_mentees(session, program.id)
    shortlist = [] if engaged else requests.shortlist(session, program, me)
    return {
        "shortlist": [(c, _reasons(c.facts)) for c in shortlist],
        "open_requests": pending,
        "requested": {r.mentor_id for r in pending},
        "engaged": engaged,
    }


def _mentor_context(session: Session, program: Program, me: Membership) -> dict[str, Any]:
    profile = session.get(Profile, me.id)
    return {
        "incoming": requests.incoming_requests(session, me.id),
        "capacity": profile.capacity if profile else 0,
        "taken": occupied_slots(session, program.id).get(me.id, 0),
    }


def _preference_context(session: Session, me: Membership, posted: dict[int, str] | None) -> dict[str, Any]:
    other = Role.MENTOR if me.role is Role.MENTEE else Role.MENTEE
    people = session.execute(
        select(Membership, Profile.department)
        .join(User, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .where(Membership.program_id == me.program_id, Membership.role == other)
        .options(selectinload(Membership.user))
        .order_by(func.lower(User.display_name))
    ).all()
    if posted is None:
        saved = preferences.preferences_of(session, me)
        posted = {i: kind.value for kind in (PreferenceKind.PREFER, PreferenceKind.AVOID) for i in saved[kind]}
    return {"people": people, "choices": posted}


def _mine(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    me: Membership,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    values = values or {}
    published = session.scalar(
        select(MatchRun.id).where(MatchRun.program_id == program.id, MatchRun.status == RunStatus.PUBLISHED).limit(1)
    )
    context: dict[str, Any] = {
        "program": program,
        "me": me,
        "errors": errors or {},
        "values": values,
        "offers": _offers(session, user, program.id, me),
        "partners": _partners(session, me),
        "published": published is not None,
        "settings": programs.program_settings(program),
        **_preference_context(session, me, values.get("choices")),
    }
    context |= (
        _mentee_context(session, program, me) if me.role is Role.MENTEE else _mentor_context(session, program, me)
    )
    return render(request, "matching/mine.html", context, status_code=status_code)


def _mine_again(
    request: Request,
    session: Session,
    user: User,
    program_id: ObjectId,
    exc: Conflict | ValidationFailed,
    key: str,
    **values: Any,
) -> Response:
    """After a refused action: roll back and show the page again with the message at the form."""
    session.rollback()
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    return _mine(
        request, session, user, program, me, errors={key: exc.detail}, values=values, status_code=exc.status_code
    )


@router.get("/programs/{program_id}/matching/mine", response_class=HTMLResponse)
def my_match(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id)
    if role_in(session, user, program_id) in (None, Role.COORDINATOR) and may(
        session, user, Action.MANAGE_PROGRAM, program_id
    ):
        return redirect(_base(program_id))
    return _mine(request, session, user, program, _participant(session, user, program_id))


def _answer_offer(
    request: Request,
    session: Session,
    jobs: Any,
    user: User,
    program_id: ObjectId,
    proposal_id: ObjectId,
    reason: str | None,
) -> Response:
    program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    proposal = service.proposal_for(session, program_id, proposal_id)
    answer = Answer.ACCEPTED if reason is None else Answer.DECLINED
    try:
        offer = service.answer_offer(session, proposal, user, answer, reason or "")
    except (Conflict, ValidationFailed) as exc:
        key = f"reason-{proposal_id}" if isinstance(exc, ValidationFailed) else "__all__"
        return _mine_again(request, session, user, program_id, exc, key, **{f"reason-{proposal_id}": reason or ""})
    jobs.enqueue_after_commit(session, "matching.mail_answer", proposal_id=proposal.id)
    partner = (proposal.mentor if me.role is Role.MENTEE else proposal.mentee) or proposal.mentee
    name = partner.user.display_name
    if answer is Answer.ACCEPTED:
        flash = (
            _("You and %(name)s are now a mentoring pair. Have a great start!", name=name)
            if proposal.status is ProposalStatus.ACCEPTED
            else _("Thank you! The pair starts as soon as %(name)s accepts too.", name=name)
        )
        return redirect(f"{_base(program_id)}/mine", flash=flash, request=request)
    if offer is not None:
        jobs.enqueue_after_commit(session, "matching.mail_offer", proposal_id=offer.id)
    if me.role is Role.MENTOR:
        flash = _("Thanks for telling us. We look for another mentor for %(name)s.", name=name)
    elif offer is not None and offer.mentor is not None:
        flash = _("Thanks for telling us. We suggest %(name)s instead.", name=offer.mentor.user.display_name)
    else:
        flash = _("Thanks for telling us. Your coordinator will look for a better match.")
    return redirect(f"{_base(program_id)}/mine", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/offers/{proposal_id}/accept")
def accept_offer(
    request: Request, program_id: ObjectId, proposal_id: ObjectId, user: CurrentUser, session: DbSession, jobs: Jobs
) -> Response:
    return _answer_offer(request, session, jobs, user, program_id, proposal_id, None)


@router.post("/programs/{program_id}/matching/offers/{proposal_id}/decline")
def decline_offer(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    jobs: Jobs,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _answer_offer(request, session, jobs, user, program_id, proposal_id, reason)


@router.post("/programs/{program_id}/matching/requests")
def send_request(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    jobs: Jobs,
    mentor_id: Annotated[int, Form()],
    message: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    try:
        sent = requests.send_request(session, program, mentee, mentor_id, message)
    except (Conflict, ValidationFailed) as exc:
        return _mine_again(
            request, session, user, program_id, exc, f"request-{mentor_id}", **{f"message-{mentor_id}": message}
        )
    jobs.enqueue_after_commit(session, "matching.mail_request", request_id=sent.id, event="sent")
    flash = _(
        "Your request is on its way to %(name)s. You get an e-mail when they answer.",
        name=sent.mentor.user.display_name,
    )
    return redirect(f"{_base(program_id)}/mine#requests", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/requests/{request_id}/withdraw")
def withdraw_request(
    request: Request, program_id: ObjectId, request_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    sent = requests.request_for(session, program_id, request_id)
    try:
        requests.withdraw(session, sent, mentee)
    except Conflict as exc:
        return _mine_again(request, session, user, program_id, exc, "__all__")
    flash = _("Your request to %(name)s is withdrawn.", name=sent.mentor.user.display_name)
    return redirect(f"{_base(program_id)}/mine#requests", flash=flash, request=request)


def _answer_request(
    request: Request,
    session: Session,
    jobs: Any,
    user: User,
    program_id: ObjectId,
    request_id: ObjectId,
    accept: bool,
    note: str,
) -> Response:
    program_for(session, user, program_id)
    mentor = _participant(session, user, program_id, Role.MENTOR)
    incoming = requests.request_for(session, program_id, request_id)
    try:
        requests.answer_request(session, incoming, mentor, accept, note)
    except (Conflict, ValidationFailed) as exc:
        return _mine_again(
            request, session, user, program_id, exc, f"note-{request_id}", **{f"note-{request_id}": note}
        )
    jobs.enqueue_after_commit(session, "matching.mail_request", request_id=incoming.id, event="answered")
    name = incoming.mentee.user.display_name
    flash = (
        _("You are now %(name)s's mentor. We let them know.", name=name)
        if accept
        else _("You declined the request of %(name)s. We let them know.", name=name)
    )
    return redirect(f"{_base(program_id)}/mine", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/requests/{request_id}/accept")
def accept_request(
    request: Request,
    program_id: ObjectId,
    request_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    jobs: Jobs,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _answer_request(request, session, jobs, user, program_id, request_id, True, note)


@router.post("/programs/{program_id}/matching/requests/{request_id}/decline")
def decline_request(
    request: Request,
    program_id: ObjectId,
    request_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    jobs: Jobs,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _answer_request(request, session, jobs, user, program_id, request_id, False, note)


def _posted_choices(form: Any) -> dict[int, str]:
    """{membership id: "prefer" | "avoid"} from the radio groups named pref-<id>; "none" is dropped."""
    choices: dict[int, str] = {}
    for key, value in form.multi_items():
        target = key.removeprefix("pref-")
        if key.startswith("pref-") and target.isdigit() and value in ("prefer", "avoid"):
            choices[int(target)] = str(value)
    return choices


@router.post("/programs/{program_id}/matching/preferences")
def save_preferences(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    choices = _posted_choices(form)
    prefer = [i for i, kind in choices.items() if kind == "prefer"]
    avoid = [i for i, kind in choices.items() if kind == "avoid"]
    try:
        data = PreferencesIn(prefer=prefer, avoid=avoid)
        preferences.set_preferences(session, me, data.prefer, data.avoid)
    except ValidationError as exc:
        messages = validation_messages(exc)
        labels = {"prefer": _("Preferred"), "avoid": _("Avoid")}
        problem = " ".join(f"{labels.get(k.split('.')[0], k)}: {v}" for k, v in messages.items())
        return _mine(
            request,
            session,
            user,
            program,
            me,
            errors={"preferences": problem},
            values={"choices": choices},
            status_code=422,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _mine(
            request,
            session,
            user,
            program,
            me,
            errors={"preferences": exc.detail},
            values={"choices": choices},
            status_code=422,
        )
    flash = _("Your preferences are saved. They count in the next matching run.")
    return redirect(f"{_base(program_id)}/mine#preferences", flash=flash, request=request)
