"""Matching jobs: compute a run, mail offers and requests, expire old requests."""

from __future__ import annotations

import logging
from collections.abc import Callable

from huey import crontab
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mentorloom.jobs import JobContext, job
from mentorloom.matching.models import MatchRun, MentorRequest, Proposal, ProposalStatus, Response, RunStatus
from mentorloom.notifications.mail import send_templated
from mentorloom.programs.models import Membership
from mentorloom.programs.service import mail_locale

log = logging.getLogger(__name__)


@job("matching.run")
def run_matching(ctx: JobContext, *, run_id: int) -> str:
    """Compute a queued run; "running" is committed first so the coordinator's page shows it at once."""
    from mentorloom.matching.service import compute_run

    with ctx.database.session() as session:
        run = session.get(MatchRun, run_id)
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return "skipped"
        run.status, run.progress = RunStatus.RUNNING, 10
    try:
        with ctx.database.session() as session:
            run = session.get(MatchRun, run_id)
            assert run is not None
            compute_run(session, run, _progress_recorder(ctx, run_id))
            return run.status.value
    except Exception as exc:
        with ctx.database.session() as session:
            failed = session.get(MatchRun, run_id)
            if failed is not None:
                failed.status, failed.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        raise


def _progress_recorder(ctx: JobContext, run_id: int) -> Callable[[int], None]:
    """A progress callback that commits the run's percentage in a short transaction of its own.

    The coordinator's page then sees it while the run's own transaction is still open; steps under 5 points
    are skipped to keep the writes few.
    """
    shown = 0

    def record(pct: int) -> None:
        nonlocal shown
        if pct < shown + 5:
            return
        shown = pct
        try:
            with ctx.database.session() as session:
                session.execute(update(MatchRun).where(MatchRun.id == run_id).values(progress=pct))
        except SQLAlchemyError:  # the bar is cosmetic: a busy or dropped database must not fail the run
            log.warning("could not record progress %s%% of matching run %s", pct, run_id, exc_info=True)

    return record


def _mail(ctx: JobContext, session: Session, recipient: Membership, template: str, key: str, **context: object) -> bool:
    user = recipient.user
    return send_templated(
        session,
        ctx.settings,
        key=key,
        to=user.email,
        locale=mail_locale(session, recipient),
        template=template,
        name=user.display_name,
        program_name=recipient.program.name,
        base_url=ctx.settings.base_url,
        program_id=recipient.program_id,
        **context,
    )


@job("matching.mail_offer")
def mail_offer(ctx: JobContext, *, proposal_id: int) -> int:
    """Tell both people about a published proposal (once each)."""
    with ctx.database.session() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or proposal.mentor is None:
            return 0
        pairs = [(proposal.mentee, proposal.mentor), (proposal.mentor, proposal.mentee)]
        sent = 0
        for recipient, partner in pairs:
            sent += _mail(
                ctx,
                session,
                recipient,
                "match_offer",
                f"offer:{proposal.id}:{recipient.id}",
                partner_name=partner.user.display_name,
            )
        return sent


@job("matching.mail_answer")
def mail_answer(ctx: JobContext, *, proposal_id: int) -> int:
    """Tell the other person what became of an offer: their partner accepted, both did, or one declined.

    A decline reason goes to the coordinator only; the partner just learns that the pair will not go ahead.
    """
    with ctx.database.session() as session:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None or proposal.mentor is None:
            return 0
        sides = {"mentee": (proposal.mentee, proposal.mentor), "mentor": (proposal.mentor, proposal.mentee)}
        answers = {side: getattr(proposal, f"{side}_response") for side in sides}
        if proposal.status is ProposalStatus.ACCEPTED:
            outcome, told = "started", list(sides)
        elif proposal.status is ProposalStatus.DECLINED:
            outcome, told = "declined", [side for side, a in answers.items() if a is not Response.DECLINED]
        elif proposal.status is ProposalStatus.OFFERED and Response.ACCEPTED in answers.values():
            outcome, told = "partner_accepted", [side for side, a in answers.items() if a is None]
        else:
            return 0
        sent = 0
        for side in told:
            recipient, partner = sides[side]
            sent += _mail(
                ctx,
                session,
                recipient,
                "match_answer",
                f"answer:{proposal.id}:{outcome}:{recipient.id}",
                partner_name=partner.user.display_name,
                outcome=outcome,
            )
        return sent


@job("matching.mail_request")
def mail_request(ctx: JobContext, *, request_id: int, event: str) -> bool:
    """Tell the mentor about a new request ("sent"), or the mentee about the answer ("answered")."""
    with ctx.database.session() as session:
        request = session.get(MentorRequest, request_id)
        if request is None:
            return False
        if event == "sent":
            return _mail(
                ctx,
                session,
                request.mentor,
                "request_sent",
                f"request:{request.id}:sent",
                partner_name=request.mentee.user.display_name,
                message_text=request.message,
            )
        return _mail(
            ctx,
            session,
            request.mentee,
            "request_answered",
            f"request:{request.id}:{request.status.value}",
            partner_name=request.mentor.user.display_name,
            accepted=request.status.value == "accepted",
            note=request.response_note,
        )


@job("matching.expire_requests", every=crontab(minute="*/15"))
def expire_old_requests(ctx: JobContext) -> int:
    from mentorloom.matching.mentor_requests import expire_requests

    with ctx.database.session() as session:
        return expire_requests(session)
