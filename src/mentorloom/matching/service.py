"""Matching runs: compute proposals, let the coordinator review them, publish, and take the answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, MatchingFailed, NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.jobs import schedule
from mentorloom.matching import match_scores
from mentorloom.matching.engine import InfeasibleLockError, MatchResult, Mode, Options, PairSet, match
from mentorloom.matching.inputs import ProgramInputs, build_inputs, engaged_mentees
from mentorloom.matching.mails import queue_answer_mails, queue_offer_mails
from mentorloom.matching.mentor_requests import best_mentors, close_requests_of_erased, ruled_out_pairs
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus, Response, RunStatus
from mentorloom.matching.pair_scores import explain_pairs_for
from mentorloom.mentorships import placement
from mentorloom.mentorships.models import MentorshipSource
from mentorloom.permissions import Action, membership_of, require
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.schemas import ProgramSettings
from mentorloom.programs.service import program_settings

REVIEWABLE = (ProposalStatus.DRAFT, ProposalStatus.LOCKED, ProposalStatus.REJECTED, ProposalStatus.UNMATCHED)
# Runs this large are computed by the worker; smaller ones right away, so small programs feel instant.
BACKGROUND_MENTEES = 500


def engine_mode(settings: ProgramSettings, mode: str | None = None) -> str:
    chosen = mode or settings.matching_mode
    if chosen == "stable":
        return "stable"
    return "max_matched" if settings.maximise_matched else "total_score"


def start_run(
    session: Session, program: Program, user: User, mode: str | None = None, previous: MatchRun | None = None
) -> MatchRun:
    """Create a queued run; a re-run keeps the previous run's method, locked pairs and rejections."""
    if mode not in (None, "optimal", "stable"):
        raise ValidationFailed(_("Choose the optimal or the stable method."), field="mode")
    busy = session.scalar(
        select(MatchRun.id).where(
            MatchRun.program_id == program.id, MatchRun.status.in_((RunStatus.QUEUED, RunStatus.RUNNING))
        )
    )
    if busy is not None:
        raise Conflict(_("A matching run is already in progress. Wait for it to finish."))
    if previous is not None and previous.status is not RunStatus.READY:
        raise Conflict(_("Only a run under review can be run again."))
    settings = program_settings(program)
    run = MatchRun(
        program_id=program.id,
        mode=previous.mode if previous is not None and mode is None else engine_mode(settings, mode),
        created_by_id=user.id,
        stats={"previous_run_id": previous.id} if previous else {},
    )
    session.add(run)
    session.flush()
    if previous is not None:
        _discard(previous)
    return run


def waiting_mentees(session: Session, program_id: int) -> int:
    """Mentees of the program with neither a mentorship nor an open offer: whom a run would match."""
    mentees = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.program_id == program_id, Membership.role == Role.MENTEE)
    )
    return (mentees or 0) - len(engaged_mentees(session, program_id))


def queue_or_compute(session: Session, run: MatchRun) -> None:
    """Small programs are matched within the request; large ones by the worker (progress on the run)."""
    if waiting_mentees(session, run.program_id) > BACKGROUND_MENTEES:
        schedule(session, "matching.run", run_id=run.id)
    else:
        compute_run(session, run)


def _discard(run: MatchRun) -> None:
    if run.status in (RunStatus.READY, RunStatus.QUEUED, RunStatus.FAILED):
        run.status = RunStatus.DISCARDED


def carried_over(session: Session, run: MatchRun) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Locked and rejected (mentee, mentor) pairs of the run this one replaces."""
    previous_id = run.stats.get("previous_run_id")
    locked: list[tuple[int, int]] = []
    rejected: list[tuple[int, int]] = []
    if previous_id:
        rows = session.execute(
            select(Proposal.mentee_id, Proposal.mentor_id, Proposal.status)
            .where(
                Proposal.run_id == previous_id, Proposal.status.in_((ProposalStatus.LOCKED, ProposalStatus.REJECTED))
            )
            .order_by(Proposal.id)  # the earliest locks keep their place when a mentor has room for fewer
        )
        for mentee_id, mentor_id, status in rows:
            if mentor_id is not None:
                (locked if status is ProposalStatus.LOCKED else rejected).append((mentee_id, mentor_id))
    return locked, rejected


# Share of a run's progress bar reached when the features are built and when the scoring pass is done.
_INPUTS_PCT, _SCORED_PCT = 15, 85


def compute_run(session: Session, run: MatchRun, progress: Callable[[int], None] | None = None) -> None:
    """Build features, run the engine and store one proposal per mentee (idempotent per run).

    ``progress`` gets the percentage done and writes it in its own transaction. That is only safe while this
    transaction has written nothing (else the progress write waits for a lock this one holds), so a caller
    passing ``progress`` must have committed the run as RUNNING first, as the worker's job does.
    """
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return
    if progress is not None and run.status is not RunStatus.RUNNING:
        raise ValueError("commit the run as RUNNING before computing it with progress reports")
    run.status = RunStatus.RUNNING
    report = progress or (lambda _pct: None)
    program = session.get(Program, run.program_id)
    assert program is not None
    locked, rejected = carried_over(session, run)
    inputs = build_inputs(session, program, extra_excluded=rejected)
    report(_INPUTS_PCT)
    result, dropped = _match_keeping_locks(run, inputs, locked, report)
    report(_SCORED_PCT)
    rows = _proposal_rows(run, inputs, result, rejected)
    run.stats = {**run.stats, **result.summary(), "dropped_locks": _named_pairs(session, dropped)}
    if rows:  # an executemany with no rows would insert one row of defaults
        session.execute(insert(Proposal), rows)
    run.status = RunStatus.READY
    run.finished_at = utcnow()
    run.progress = 100
    session.flush()


def _match_keeping_locks(
    run: MatchRun, inputs: ProgramInputs, locked: list[tuple[int, int]], report: Callable[[int], None]
) -> tuple[MatchResult, list[tuple[int, int]]]:
    """Run the engine with the carried-over locks; those whose mentor has no free slot any more are dropped.

    A lock is a coordinator's wish from an earlier review: when the mentor has since taken someone else, the
    run goes on without it and the review page names the pair (returned second), instead of failing.
    """
    ti, tj = inputs.mentee_index(), inputs.mentor_index()
    kept = [(a, b) for a, b in locked if a in ti and b in tj]
    dropped: list[tuple[int, int]] = []
    for _attempt in range(2):
        try:
            return _engine(run, inputs, PairSet.of([(ti[a], tj[b]) for a, b in kept]), report), dropped
        except InfeasibleLockError as exc:
            # The engine checks the locks before scoring anything, so trying again costs nothing.
            stale = _over_capacity(kept, exc.excess, inputs.mentor_ids)
            dropped += stale
            kept = [pair for pair in kept if pair not in stale]
    raise MatchingFailed(_("The locked pairs ask more of a mentor than their free slots. Unlock some and run again."))


def _engine(run: MatchRun, inputs: ProgramInputs, locked: PairSet, report: Callable[[int], None]) -> MatchResult:
    return match(
        inputs.mentees,
        inputs.mentors,
        mode=cast(Mode, run.mode),
        weights=inputs.weights,
        rules=inputs.rules,
        locked=locked,
        labels=inputs.labels,
        options=Options(progress=lambda done: report(_INPUTS_PCT + round((_SCORED_PCT - _INPUTS_PCT) * done))),
    )


def _over_capacity(kept: list[tuple[int, int]], excess: dict[int, int], mentor_ids: list[int]) -> list[tuple[int, int]]:
    """The last ``excess[j]`` locked pairs of each mentor (by engine index) who has room for fewer."""
    stale: list[tuple[int, int]] = []
    for j, too_many in excess.items():
        stale += [pair for pair in kept if pair[1] == mentor_ids[j]][-too_many:]
    return stale


def _named_pairs(session: Session, pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """(mentee, mentor) pairs with both names, as the run's note for the review page and the API."""
    ids = {member for pair in pairs for member in pair}
    rows = session.execute(select(Membership.id, User.display_name).join(User).where(Membership.id.in_(ids)))
    names: dict[int, str] = {membership_id: name for membership_id, name in rows}
    return [{"mentee_id": a, "mentee": names[a], "mentor_id": b, "mentor": names[b]} for a, b in pairs]


def _proposal_rows(
    run: MatchRun, inputs: ProgramInputs, result: MatchResult, rejected: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    explanation = {e["mentee"]: e for e in result.explanations or []}
    rows = []
    for i, mentee_id in enumerate(inputs.mentee_ids):
        j = int(result.assignment[i])
        if j < 0:
            rows.append(
                _row(run, mentee_id, status=ProposalStatus.UNMATCHED, unmatched_reason=result.unmatched_reason[i])
            )
            continue
        e = explanation.get(i, {})
        rows.append(
            _row(
                run,
                mentee_id,
                inputs.mentor_ids[j],
                status=ProposalStatus.LOCKED if bool(result.locked[i]) else ProposalStatus.DRAFT,
                score=float(result.pair_score[i]),
                rank=int(result.rank[i]),
                criteria=e.get("criteria", {}),
                facts=e.get("facts", []),
            )
        )
    # Rejections stay visible (and carried into the next re-run) as their own rows.
    return rows + [_row(run, a, b, status=ProposalStatus.REJECTED) for a, b in rejected]


def _row(run: MatchRun, mentee_id: int, mentor_id: int | None = None, **fields: Any) -> dict[str, Any]:
    """One proposal row for the bulk insert, with the defaults of a pair that has no score."""
    defaults: dict[str, Any] = {"score": None, "rank": 0, "criteria": {}, "facts": [], "unmatched_reason": ""}
    return {"run_id": run.id, "program_id": run.program_id, "mentee_id": mentee_id, "mentor_id": mentor_id} | (
        defaults | fields
    )


def run_for(session: Session, program_id: int, run_id: int) -> MatchRun:
    run = session.get(MatchRun, run_id)
    if run is None or run.program_id != program_id:
        raise NotFound(_("Matching run not found."))
    return run


def proposal_for(session: Session, program_id: int, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.program_id != program_id:
        raise NotFound(_("Proposal not found."))
    return proposal


def _require_reviewable(proposal: Proposal) -> None:
    if proposal.run.status is not RunStatus.READY or proposal.status not in REVIEWABLE:
        raise Conflict(_("This run is no longer under review."))


def set_locked(session: Session, proposal: Proposal, locked: bool) -> Proposal:
    """Keep (or stop keeping) a proposed pair when the coordinator re-runs the matching."""
    _require_reviewable(proposal)
    if proposal.mentor_id is None:
        raise Conflict(_("An unmatched mentee cannot be locked."))
    proposal.status = ProposalStatus.LOCKED if locked else ProposalStatus.DRAFT
    session.flush()
    return proposal


def reject(session: Session, proposal: Proposal) -> Proposal:
    """Rule a proposed pair out: a re-run will not propose it again."""
    _require_reviewable(proposal)
    if proposal.mentor_id is None:
        raise Conflict(_("There is no pair to reject."))
    proposal.status = ProposalStatus.REJECTED
    session.flush()
    return proposal


def swap(session: Session, first: Proposal, second: Proposal) -> tuple[Proposal, Proposal]:
    """Exchange the mentors of two proposals of the same run, re-scoring both pairs."""
    for p in (first, second):
        _require_reviewable(p)
        if p.status is ProposalStatus.REJECTED:
            raise Conflict(_("Rejected pairs cannot be swapped."))
    if first.run_id != second.run_id or first.id == second.id:
        raise ValidationFailed(_("Choose two different proposals of the same run."), field="other_id")
    first.mentor_id, second.mentor_id = second.mentor_id, first.mentor_id
    session.flush()
    _rescore(session, [first, second])
    return first, second


def _rescore(session: Session, proposals: list[Proposal]) -> None:
    """Recompute score, criteria and facts of hand-edited pairs; a pair the rules forbid is refused."""
    program = session.get(Program, proposals[0].program_id)
    assert program is not None
    paired = [p for p in proposals if p.mentor_id is not None]
    fits = explain_pairs_for(session, program, [(p.mentee_id, cast(int, p.mentor_id)) for p in paired])
    fit_of = {id(p): fit for p, fit in zip(paired, fits, strict=True)}
    for p in proposals:
        if p.mentor_id is None:
            p.status, p.score, p.criteria, p.facts = ProposalStatus.UNMATCHED, None, {}, []
            p.unmatched_reason = "capacity_exhausted"
            continue
        fit = fit_of[id(p)]
        if fit is None or not fit.allowed:
            raise Conflict(_("The rules exclude this pair (no common language, conflict of interest or avoid)."))
        p.score, p.criteria, p.facts = fit.score, fit.criteria, fit.facts
        p.status, p.unmatched_reason, p.rank = ProposalStatus.DRAFT, "", 0
    session.flush()


def is_weak(proposal: Proposal, minimum: float) -> bool:
    """A paired proposal that scores below the program's minimum fit."""
    return proposal.mentor_id is not None and proposal.score is not None and proposal.score < minimum


def publish(session: Session, run: MatchRun, *, weak_confirmed: bool = True, by: User | None = None) -> list[Proposal]:
    """Offer every kept pair to both people (each told by mail); returns the offers.

    Pairs below the program's minimum fit go out only when ``weak_confirmed`` (the API's default, as before).
    """
    if run.status is not RunStatus.READY:
        raise Conflict(_("Only a run under review can be published."))
    offers = [
        p
        for p in run.proposals
        if p.status in (ProposalStatus.DRAFT, ProposalStatus.LOCKED) and p.mentor_id is not None
    ]
    minimum = program_settings(session.get_one(Program, run.program_id)).min_proposal_score
    if not weak_confirmed and any(is_weak(p, minimum) for p in offers):
        raise ValidationFailed(
            _("Some pairs fit less than the program minimum. Confirm that you want to offer them."),
            field="confirm_weak",
        )
    for p in offers:
        p.status = ProposalStatus.OFFERED
    run.status = RunStatus.PUBLISHED
    run.published_at = utcnow()
    session.flush()
    for offer in offers:
        queue_offer_mails(session, offer)
    audit(
        session,
        AuditAction.MATCHING_PUBLISHED,
        actor=by,
        target_type="match_run",
        target_id=run.id,
        program_id=run.program_id,
        detail={"offers": len(offers)},
    )
    return offers


def respond(session: Session, proposal: Proposal, user: User, answer: Response, reason: str = "") -> Proposal:
    """The mentee or mentor accepts or declines an offer; both yes places the pair, one no frees the slot.

    A placed pair keeps the offer's criterion scores (match_scores) for the evidence page.
    """
    side = _side(session, proposal, user)
    if answer is Response.DECLINED and not reason.strip():
        raise ValidationFailed(_("Please tell us briefly why, so we can find a better match."), field="reason")
    if len(reason) > 500:
        raise ValidationFailed(_("Use at most 500 characters."), field="reason")
    if proposal.mentor_id is not None:
        # Placement's locks first (see lock_pair), then re-read: both people may answer at the same moment.
        placement.lock_pair(session, proposal.mentee_id, proposal.mentor_id)
        session.refresh(proposal)
    if proposal.status is not ProposalStatus.OFFERED:
        raise Conflict(_("This proposal is not waiting for an answer."))
    setattr(proposal, f"{side}_response", answer)
    proposal.responded_at = utcnow()
    if answer is Response.DECLINED:
        proposal.status, proposal.decline_reason = ProposalStatus.DECLINED, reason.strip()
    elif proposal.mentee_response is Response.ACCEPTED and proposal.mentor_response is Response.ACCEPTED:
        proposal.status = ProposalStatus.ACCEPTED
        assert proposal.mentor_id is not None
        session.flush()  # the accepted offer stops holding the slot that the mentorship takes now
        program = session.get_one(Program, proposal.program_id)
        mentorship = placement.place(
            session,
            program,
            mentor_id=proposal.mentor_id,
            mentee_id=proposal.mentee_id,
            source=MentorshipSource.MATCHING,
            by=user,
        )
        if proposal.score is not None and proposal.criteria:  # the evidence page's covariates, as offered
            match_scores.record(
                session, mentorship, proposal.score, proposal.criteria, match_scores.current_weights(program)
            )
    session.flush()
    return proposal


def answer_offer(
    session: Session, proposal: Proposal, user: User, answer: Response, reason: str = ""
) -> Proposal | None:
    """Record one person's answer; after a decline, offer the mentee the next best mentor (returned)."""
    respond(session, proposal, user, answer, reason)
    queue_answer_mails(session, proposal)
    if proposal.status is not ProposalStatus.DECLINED:
        return None
    offer = offer_next_best(session, proposal)
    if offer is not None:
        queue_offer_mails(session, offer)
    return offer


def _side(session: Session, proposal: Proposal, user: User) -> str:
    mine = membership_of(session, user, proposal.program_id)
    side = mine.role.value if mine is not None and mine.id in (proposal.mentee_id, proposal.mentor_id) else None
    require(Action.ANSWER_OFFER, mine.role if mine else None, own=side is not None)
    assert side is not None  # answer_offer is for the two people only
    return side


def offer_next_best(session: Session, declined: Proposal) -> Proposal | None:
    """After a decline, offer the mentee the best compatible mentor with a free slot (no pair that failed before)."""
    program = session.get(Program, declined.program_id)
    assert program is not None
    best = best_mentors(session, program, declined.mentee_id, 1, ruled_out_pairs(session, declined.mentee_id))
    if not best:
        return None
    offer = Proposal(
        run_id=declined.run_id,
        program_id=declined.program_id,
        mentee_id=declined.mentee_id,
        mentor_id=best[0].mentor.id,
        status=ProposalStatus.OFFERED,
        score=best[0].score,
        rank=1,
        criteria=best[0].criteria,
        facts=best[0].facts,
    )
    session.add(offer)
    session.flush()
    return offer


def close_asks_of_erased(session: Session, user_id: int) -> int:
    """After an erasure: nobody can answer for the person, so their open offers and mentor requests end now.

    An open offer holds the mentee out of every matching run and the mentor's slot, and a pending request counts
    against the mentee's limit until it expires. An offer with the person counts as declined by their side,
    without a reason and without the answer mails (there is nobody to tell why); a mentee left by an erased mentor
    gets the next best offer at once, as after any decline. Returns how many offers and requests ended.
    """
    sides = select(Membership.id).where(Membership.user_id == user_id)
    now, closed = utcnow(), 0
    offers = select(Proposal).where(
        Proposal.status == ProposalStatus.OFFERED,
        (Proposal.mentee_id.in_(sides)) | (Proposal.mentor_id.in_(sides)),
    )
    for proposal in session.scalars(offers.order_by(Proposal.id)).all():
        erased_mentor = proposal.mentor is not None and proposal.mentor.user_id == user_id
        setattr(proposal, "mentor_response" if erased_mentor else "mentee_response", Response.DECLINED)
        proposal.status, proposal.responded_at = ProposalStatus.DECLINED, now
        session.flush()  # the declined offer frees the slot before the next best is looked for
        closed += 1
        if erased_mentor and proposal.mentee.user.erased_at is None:
            offer = offer_next_best(session, proposal)
            if offer is not None:
                queue_offer_mails(session, offer)
    return closed + close_requests_of_erased(session, sides, now)


def offers_for(session: Session, user: User, program_id: int) -> list[Proposal]:
    """Open offers where this user is the mentee or the mentor."""
    mine = select(Membership.id).where(Membership.user_id == user.id, Membership.program_id == program_id)
    return list(
        session.scalars(
            select(Proposal)
            .where(
                Proposal.program_id == program_id,
                Proposal.status == ProposalStatus.OFFERED,
                (Proposal.mentee_id.in_(mine)) | (Proposal.mentor_id.in_(mine)),
            )
            .order_by(Proposal.id)
        )
    )
